"""How loan applications and loans are shown: to the depositor through the API and to staff in the console."""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.money import round_fen
from chassis.pii import mask_bank_card, mask_id_number
from services.loans.config import LoansConfig
from services.loans.domain.prepayment import PrepaymentMode
from services.loans.domain.prepayment_application import (
    MODE_NAMES,
    OPEN_STATES,
    PrepaymentSource,
    PrepaymentState,
)
from services.loans.domain.rates import as_percent
from services.loans.domain.workflow import (
    INSTALLMENT_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    ApplicationState,
    LoanStanding,
    LoanStatus,
    Role,
    can_cancel,
    steps_ahead,
)
from services.loans.models import Loan, LoanApplication, Prepayment


def timeline(application: LoanApplication) -> list[dict]:
    return [
        {
            "state": row.to_state,
            "state_label": STATE_LABELS[ApplicationState(row.to_state)],
            "at": row.at,
            "role": row.role,
            "role_label": ROLE_LABELS[Role(row.role)],
            "opinion": row.opinion,
        }
        for row in application.transitions
    ]


def describe(session: Session, config: LoansConfig, application: LoanApplication, masked: bool = True) -> dict:
    """The application as the API and the console show it."""
    loan_id = session.scalar(select(Loan.id).where(Loan.application_id == application.id))
    state = ApplicationState(application.state)
    return {
        "id": application.id,
        "application_no": application.application_no,
        "status": state.value,
        "status_label": STATE_LABELS[state],
        "name": application.name,
        "id_number": mask_id_number(application.id_number) if masked else application.id_number,
        "center": application.center,
        "amount": application.amount,
        "term_months": application.term_months,
        "method": application.method,
        "annual_rate": as_percent(application.annual_rate),
        "monthly_income": application.monthly_income,
        "repayment_card": mask_bank_card(application.repayment_card),
        "entrusted_bank": application.entrusted_bank,
        "entrusted_bank_name": config.bank_name(application.entrusted_bank) or application.entrusted_bank,
        "house": {
            "address": application.house_address,
            "area": str(application.house_area),
            "price": str(application.house_price),
            "first_home": application.first_home,
            "new_house": application.new_house,
        },
        "co_borrower": (
            {"id_number": mask_id_number(application.co_borrower_id_number), "name": application.co_borrower_name}
            if application.co_borrower_id_number
            else None
        ),
        "contract_no": application.contract_no,
        "loan_id": loan_id,
        "can_cancel": can_cancel(state),
        "steps_ahead": [{"state": ahead.value, "label": STATE_LABELS[ahead]} for ahead in steps_ahead(state)],
        "submitted_at": application.submitted_at,
        "updated_at": application.updated_at,
        "version": application.version,
        "timeline": timeline(application),
        "materials": list(config.counter_materials) if state is ApplicationState.PREREVIEWED else [],
    }


def describe_loan(loan: Loan, bank_name: str | None, entrusted_withdrawal: bool = False) -> dict:
    paid = [row for row in loan.installments if row.status == "paid"]
    upcoming = next((row for row in loan.installments if row.status != "paid"), None)
    repaid = loan.amount - loan.outstanding_principal
    standing = LoanStanding(LoanStatus(loan.status), loan.overdue)
    return {
        "id": loan.id,
        "contract_no": loan.contract_no,
        "application_id": loan.application_id,
        "application_no": loan.application.application_no,
        "amount": loan.amount,
        "annual_rate": as_percent(loan.annual_rate),
        "method": loan.method,
        "term_months": loan.term_months,
        "monthly_payment": loan.monthly_payment,
        "entrusted_bank_name": bank_name or loan.entrusted_bank,
        "disbursed_on": loan.disbursed_on,
        "first_due_date": loan.first_due_date,
        "status": loan.status,
        "status_label": standing.label,
        "overdue": loan.overdue,
        "outstanding_principal": loan.outstanding_principal,
        "penalty_accrued": loan.penalty_accrued,
        "paid_off_on": loan.paid_off_on,
        "progress": {
            "periods_total": len(loan.installments),
            "periods_paid": len(paid),
            "principal_repaid": str(repaid),
            "percent_repaid": str(round_fen(repaid * 100 / loan.amount)) if loan.amount else "0.00",
            "next_due_date": upcoming.due_date.isoformat() if upcoming else None,
            "next_payment": str(upcoming.payment + upcoming.penalty) if upcoming else None,
        },
        "entrusted_withdrawal": entrusted_withdrawal,
    }


ENTRUSTED_MONTH_LABELS = {
    "taking": "公积金委托提取中",
    "retrying": "委托提取未成功，待重试",
    "taken": "委托提取已完成，待入账",
    "posted": "已入账",
}


def schedule_rows(loan: Loan, months: dict) -> list[dict]:
    """The schedule with, per paid month, the part from the fund accounts and the part from the card."""
    rows = []
    for row in loan.installments:
        month = months.get(row.period)
        rows.append(
            {
                "period": row.period,
                "payment": row.payment,
                "principal": row.principal,
                "interest": row.interest,
                "remaining": row.remaining,
                "due_date": row.due_date,
                "status": row.status,
                "status_label": INSTALLMENT_LABELS[row.status],
                "penalty": row.penalty,
                "paid_on": row.paid_on,
                "fund_amount": row.fund_amount,
                "card_amount": row.card_amount,
                "entrusted": None
                if month is None
                else {
                    "state": month.state,
                    "state_label": ENTRUSTED_MONTH_LABELS[month.state],
                    "borrower_amount": month.borrower_amount,
                    "spouse_amount": month.spouse_amount,
                    "attempts": month.attempts,
                    "last_failure": month.last_failure,
                    "next_try_on": month.next_try_on,
                },
            }
        )
    return rows


PREPAYMENT_ROLE_LABELS = {"applicant": "借款人", "bank_officer": "受托银行", "system": "系统"}


def describe_prepayment(prepayment: Prepayment) -> dict:
    """A prepayment application as the API and the console show it, with its timeline."""
    state = PrepaymentState(prepayment.state)
    mode = MODE_NAMES[prepayment.mode] if prepayment.mode else None
    return {
        "id": prepayment.id,
        "prepayment_no": prepayment.prepayment_no,
        "loan_id": prepayment.loan_id,
        "contract_no": prepayment.loan.contract_no,
        "status": state.value,
        "status_label": state.label,
        "full": prepayment.full,
        "kind_label": "提前结清" if prepayment.full else "提前部分还款",
        "amount": prepayment.amount,
        "mode": prepayment.mode,
        "mode_label": PrepaymentMode(mode).label if mode else None,
        "source": prepayment.source,
        "source_label": PrepaymentSource(prepayment.source).label,
        "quoted": json.loads(prepayment.quoted),
        "applied": json.loads(prepayment.applied) if prepayment.applied else None,
        "opinion": prepayment.opinion,
        "can_cancel": state is PrepaymentState.SUBMITTED,
        "open": state in OPEN_STATES,
        "submitted_at": prepayment.submitted_at,
        "updated_at": prepayment.updated_at,
        "completed_on": prepayment.completed_on,
        "version": prepayment.version,
        "timeline": [
            {
                "state": row.to_state,
                "state_label": PrepaymentState(row.to_state).label,
                "at": row.at,
                "role": row.role,
                "role_label": PREPAYMENT_ROLE_LABELS.get(row.role, row.role),
                "opinion": row.opinion,
            }
            for row in prepayment.transitions
        ],
    }
