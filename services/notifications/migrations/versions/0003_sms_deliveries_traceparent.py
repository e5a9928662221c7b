"""sms deliveries keep the traceparent of the event that asked for them

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traceparent", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sms_deliveries", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
