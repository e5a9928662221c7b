from chassis.migrations import run_env
from services.withdrawals.models import Base

run_env(Base.metadata)
