"""entrusted repayments (monthly entrusted withdrawal sign-ups); fund loans keep the contract and co-borrower

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:50:00
"""

import sqlalchemy as sa
from alembic import op

import chassis.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entrusted_repayments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("contract_no", sa.String(length=32), nullable=True),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("spouse_account_no", sa.String(length=32), nullable=True),
        sa.Column("spouse_name", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("active_key", sa.String(length=64), nullable=True),
        sa.Column("signed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", chassis.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", chassis.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_key"),
    )
    with op.batch_alter_table("entrusted_repayments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entrusted_repayments_account_no"), ["account_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_entrusted_repayments_loan_id"), ["loan_id"], unique=False)
    with op.batch_alter_table("fund_loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_no", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("co_borrower_id_number", sa.String(length=18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fund_loans", schema=None) as batch_op:
        batch_op.drop_column("co_borrower_id_number")
        batch_op.drop_column("contract_no")
    with op.batch_alter_table("entrusted_repayments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entrusted_repayments_loan_id"))
        batch_op.drop_index(batch_op.f("ix_entrusted_repayments_account_no"))
    op.drop_table("entrusted_repayments")
