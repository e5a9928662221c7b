"""monthly entrusted withdrawal: sign-ups (from withdrawals), one row per loan and month, fund/card parts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:50:00
"""

import sqlalchemy as sa
from alembic import op

import chassis.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entrusted_signups",
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("entrusted_id", sa.String(length=36), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("spouse_account_no", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("as_of", chassis.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("loan_id"),
    )
    op.create_table(
        "entrusted_months",
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", chassis.db.Money(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("payer", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("deduction_id", sa.String(length=36), nullable=True),
        sa.Column("borrower_amount", chassis.db.Money(), nullable=False),
        sa.Column("spouse_amount", chassis.db.Money(), nullable=False),
        sa.Column("card_amount", chassis.db.Money(), nullable=True),
        sa.Column("last_failure", sa.String(length=300), nullable=True),
        sa.Column("next_try_on", sa.Date(), nullable=True),
        sa.Column("requested_at", chassis.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chassis.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"]),
        sa.PrimaryKeyConstraint("loan_id", "period"),
    )
    with op.batch_alter_table("entrusted_months", schema=None) as batch_op:
        batch_op.create_index("ix_entrusted_months_state_updated", ["state", "updated_at"], unique=False)
    with op.batch_alter_table("loan_installments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fund_amount", chassis.db.Money(), nullable=True))
        batch_op.add_column(sa.Column("card_amount", chassis.db.Money(), nullable=True))
    with op.batch_alter_table("loan_repayments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fund_amount", chassis.db.Money(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("card_amount", chassis.db.Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loan_repayments", schema=None) as batch_op:
        batch_op.drop_column("card_amount")
        batch_op.drop_column("fund_amount")
    with op.batch_alter_table("loan_installments", schema=None) as batch_op:
        batch_op.drop_column("card_amount")
        batch_op.drop_column("fund_amount")
    with op.batch_alter_table("entrusted_months", schema=None) as batch_op:
        batch_op.drop_index("ix_entrusted_months_state_updated")
    op.drop_table("entrusted_months")
    op.drop_table("entrusted_signups")
