"""balance postings and deposit months' paid day: eligibility as of a past day (an application's figures at
submission)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:17:38.453546
"""

import sqlalchemy as sa
from alembic import op

import chassis.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "balance_postings",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("balance", chassis.db.Money(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    with op.batch_alter_table("balance_postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_balance_postings_account_day", ["account_no", "posted_on", "occurred_at"], unique=False
        )
    with op.batch_alter_table("deposit_months", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deposit_months", schema=None) as batch_op:
        batch_op.drop_column("paid_on")
    with op.batch_alter_table("balance_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_balance_postings_account_day")

    op.drop_table("balance_postings")
