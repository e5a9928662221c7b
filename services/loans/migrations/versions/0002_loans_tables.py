"""applications, loans, eligibility read model, console audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:56:42.845865
"""

import sqlalchemy as sa
from alembic import op

import chassis.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "console_audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_audit_log_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_console_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_console_audit_log_staff"), ["staff"], unique=False)

    op.create_table(
        "deposit_months",
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("account_no", "month"),
    )
    op.create_table(
        "depositors",
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("center", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("balance", chassis.db.Money(), nullable=False),
        sa.Column("deposit_base", chassis.db.Money(), nullable=False),
        sa.Column("balance_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_no"),
    )
    with op.batch_alter_table("depositors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_depositors_id_number"), ["id_number"], unique=False)

    op.create_table(
        "loan_applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_no", sa.String(length=24), nullable=False),
        sa.Column("applicant_sub", sa.String(length=64), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("center", sa.String(length=32), nullable=False),
        sa.Column("amount", chassis.db.Money(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("monthly_income", chassis.db.Money(), nullable=True),
        sa.Column("repayment_card", sa.String(length=32), nullable=False),
        sa.Column("entrusted_bank", sa.String(length=16), nullable=False),
        sa.Column("house_address", sa.String(length=200), nullable=False),
        sa.Column("house_area", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("house_price", chassis.db.Money(), nullable=False),
        sa.Column("first_home", sa.Boolean(), nullable=False),
        sa.Column("new_house", sa.Boolean(), nullable=False),
        sa.Column("co_borrower_id_number", sa.String(length=18), nullable=True),
        sa.Column("co_borrower_name", sa.String(length=60), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("preliminary_reviewer", sa.String(length=64), nullable=True),
        sa.Column("contract_no", sa.String(length=32), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_no"),
        sa.UniqueConstraint("contract_no"),
    )
    with op.batch_alter_table("loan_applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_applications_account_no"), ["account_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_applications_id_number"), ["id_number"], unique=False)
        batch_op.create_index("ix_loan_applications_state_submitted", ["state", "submitted_at"], unique=False)
        batch_op.create_index("ix_loan_applications_submitted", ["submitted_at", "id"], unique=False)

    op.create_table(
        "withdrawal_states",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
    )
    with op.batch_alter_table("withdrawal_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawal_states_account_no"), ["account_no"], unique=False)

    op.create_table(
        "loan_application_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("opinion", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["loan_applications.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loan_application_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loan_application_transitions_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "loans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contract_no", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("center", sa.String(length=32), nullable=False),
        sa.Column("amount", chassis.db.Money(), nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("monthly_payment", chassis.db.Money(), nullable=False),
        sa.Column("entrusted_bank", sa.String(length=16), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("first_due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("outstanding_principal", chassis.db.Money(), nullable=False),
        sa.Column("penalty_accrued", chassis.db.Money(), nullable=False),
        sa.Column("paid_off_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["loan_applications.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
        sa.UniqueConstraint("contract_no"),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_account_no"), ["account_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_loans_id_number"), ["id_number"], unique=False)

    op.create_table(
        "loan_installments",
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("payment", chassis.db.Money(), nullable=False),
        sa.Column("principal", chassis.db.Money(), nullable=False),
        sa.Column("interest", chassis.db.Money(), nullable=False),
        sa.Column("remaining", chassis.db.Money(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("penalty", chassis.db.Money(), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("overdue_notified", sa.Boolean(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loans.id"],
        ),
        sa.PrimaryKeyConstraint("loan_id", "period"),
    )
    with op.batch_alter_table("loan_installments", schema=None) as batch_op:
        batch_op.create_index("ix_loan_installments_due", ["status", "due_date"], unique=False)

    op.create_table(
        "loan_repayments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", chassis.db.Money(), nullable=False),
        sa.Column("principal", chassis.db.Money(), nullable=False),
        sa.Column("interest", chassis.db.Money(), nullable=False),
        sa.Column("penalty", chassis.db.Money(), nullable=False),
        sa.Column("remaining", chassis.db.Money(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loans.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_id", "period", name="uq_loan_repayments_period"),
    )
    with op.batch_alter_table("loan_repayments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_repayments_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_repayments_paid_on"), ["paid_on"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("loan_repayments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_repayments_paid_on"))
        batch_op.drop_index(batch_op.f("ix_loan_repayments_loan_id"))

    op.drop_table("loan_repayments")
    with op.batch_alter_table("loan_installments", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_installments_due")

    op.drop_table("loan_installments")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_id_number"))
        batch_op.drop_index(batch_op.f("ix_loans_account_no"))

    op.drop_table("loans")
    with op.batch_alter_table("loan_application_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_application_transitions_application_id"))

    op.drop_table("loan_application_transitions")
    with op.batch_alter_table("withdrawal_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_states_account_no"))

    op.drop_table("withdrawal_states")
    with op.batch_alter_table("loan_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_applications_submitted")
        batch_op.drop_index("ix_loan_applications_state_submitted")
        batch_op.drop_index(batch_op.f("ix_loan_applications_id_number"))
        batch_op.drop_index(batch_op.f("ix_loan_applications_account_no"))

    op.drop_table("loan_applications")
    with op.batch_alter_table("depositors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_depositors_id_number"))

    op.drop_table("depositors")
    op.drop_table("deposit_months")
    with op.batch_alter_table("console_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_audit_log_staff"))
        batch_op.drop_index(batch_op.f("ix_console_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_console_audit_log_application_id"))

    op.drop_table("console_audit_log")
