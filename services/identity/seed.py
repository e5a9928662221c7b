"""Demo data for `make run`: the staff of the consoles and 张伟's login (李娜 stays unregistered)."""

from datetime import timedelta

from sqlalchemy import select

from chassis import clock
from chassis.bus.outbox import history_at
from chassis.runtime import Runtime
from services.identity.cases.staff import save_staff
from services.identity.cases.users import create_user
from services.identity.domain.credentials import RegistrationForm
from services.identity.models import StaffUser, User

DEMO_PASSWORD = "Demo123456"

DEMO_STAFF = (
    ("admin", "系统管理员", "yinchuan", ["admin"]),
    ("officer1", "王建国", "yinchuan", ["loan_officer"]),
    ("officer2", "刘芳", "yinchuan", ["loan_officer"]),
    ("approver1", "陈明", "yinchuan", ["loan_approver"]),
    ("bank1", "赵磊", "yinchuan", ["bank_officer"]),
    ("wofficer1", "孙丽", "yinchuan", ["withdrawal_officer"]),
    ("wofficer2", "周强", "yinchuan", ["withdrawal_officer"]),
)

# 张伟 as accounts knows him. His replica row arrives with accounts.depositor.registered, maybe after this
# seed ran; the user is linked by centre + ID number, so the replica joins it whenever it comes.
DEMO_USER = {
    "center": "yinchuan",
    "id_number": "640105198506153219",
    "account_no": "640100000001",
    "username": "zhangwei01",
}

# 张伟 registered in the hall before he first applied online (the withdrawals demo: 25 months ago)
REGISTERED_DAYS_AGO = 800

DEMO_NOTES = (
    f"身份认证 identity : 缴存职工 张伟 yinchuan / zhangwei01 / {DEMO_PASSWORD}; 李娜 (wuzhong, "
    "64030219920720051X, 13995000002) is not registered: try 用户注册 with her",
    f"  staff (password {DEMO_PASSWORD}): admin, officer1, officer2 (loan_officer), approver1 (loan_approver), "
    "bank1 (bank_officer), wofficer1, wofficer2 (withdrawal_officer)",
)


def seed(runtime: Runtime) -> None:
    config = runtime.config
    registered_at = clock.now() - timedelta(days=REGISTERED_DAYS_AGO)
    with runtime.db.transaction() as session:
        existing_staff = set(session.scalars(select(StaffUser.username)))
        for username, name, center, roles in DEMO_STAFF:
            if username not in existing_staff:
                save_staff(
                    session, config, username=username, name=name, center=center, roles=roles, password=DEMO_PASSWORD
                )
        registered = session.scalar(
            select(User.id).where(User.center == DEMO_USER["center"], User.id_number == DEMO_USER["id_number"])
        )
        if registered is None:
            with history_at(registered_at):
                create_user(
                    session,
                    config,
                    center=DEMO_USER["center"],
                    id_number=DEMO_USER["id_number"],
                    account_no=DEMO_USER["account_no"],
                    form=RegistrationForm(DEMO_USER["username"], DEMO_PASSWORD, None),
                    now=registered_at,
                )
