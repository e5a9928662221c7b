"""Loan applications as cases: submission, each review step through the workflow, cancellation, and what the
depositor and the staff see of them. Every state reached is published as `loans.application.<state>`."""

import json
import secrets
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from chassis import clock
from chassis.bus import publish
from services.loans.cases.applicants import check_applicant, percent_to_fraction
from services.loans.cases.loan_book import open_loan
from services.loans.config import LoansConfig
from services.loans.domain.desk import BankRecord
from services.loans.domain.errors import ApplicationRefused, TransitionRefused, stale_page
from services.loans.domain.rates import CURRENT_RATES
from services.loans.domain.workflow import (
    STATE_LABELS,
    Actor,
    ApplicationState,
    Role,
    advance,
)
from services.loans.events import APPLICATION_EVENTS
from services.loans.models import ApplicationTransition, Depositor, LoanApplication

# staff roles as the workflow knows them; admin may act in each (four-eyes still holds: it compares people)
WORKFLOW_ROLES = (Role.LOAN_OFFICER, Role.LOAN_APPROVER, Role.BANK_OFFICER)


def staff_actor(sub: str, roles: tuple[str, ...]) -> Actor:
    held = set(roles)
    if "admin" in held:
        held |= {role.value for role in WORKFLOW_ROLES}
    return Actor(sub, frozenset(held))


def new_application_no(today: date) -> str:
    return f"DK{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def submit_application(session: Session, config: LoansConfig, caller, body: dict, now: datetime) -> LoanApplication:
    """Check eligibility again, then file the application as `submitted` and publish it."""
    if config.bank_name(body["entrusted_bank"]) is None:
        raise ApplicationRefused("BANK_UNKNOWN", "请选择列表中的受托银行", field="entrusted_bank")
    answer = check_applicant(session, config, caller.acct, body, clock.day_of(now))
    if not answer.eligible:
        raise ApplicationRefused(
            "NOT_ELIGIBLE",
            "不符合贷款条件：" + "；".join(failure.detail for failure in answer.failures),
            failures=tuple({"code": f.code, "detail": f.detail, "subject": f.subject} for f in answer.failures),
        )
    applicant = answer.facts
    depositor = session.get(Depositor, caller.acct)  # the read model carries the registered name and centre
    house, co_borrower = body["house"], body.get("co_borrower") or {}
    rate = percent_to_fraction(body.get("annual_rate")) or CURRENT_RATES.default_rate(
        body["term_months"], house["first_home"]
    )
    application = LoanApplication(
        application_no=new_application_no(clock.day_of(now)),
        applicant_sub=caller.sub,
        account_no=caller.acct,
        id_number=applicant.id_number,
        name=depositor.name,
        center=depositor.center,
        amount=body["amount"],
        term_months=body["term_months"],
        method=body["method"],
        annual_rate=rate,
        monthly_income=body.get("monthly_income"),
        repayment_card=body["repayment_card"],
        entrusted_bank=body["entrusted_bank"],
        house_address=house["address"],
        house_area=house["area"],
        house_price=house["price"],
        first_home=house["first_home"],
        new_house=house["new_house"],
        co_borrower_id_number=(co_borrower.get("id_number") or "").strip().upper() or None,
        co_borrower_name=co_borrower.get("name"),
        eligibility=json.dumps(answer.as_dict(), ensure_ascii=False, default=str),
        state=ApplicationState.SUBMITTED.value,
        submitted_at=now,
        updated_at=now,
    )
    session.add(application)
    session.flush()
    record_transition(
        session, config, application, None, ApplicationState.SUBMITTED, caller.sub, Role.APPLICANT, None, now
    )
    return application


def move_application(
    session: Session,
    config: LoansConfig,
    application: LoanApplication,
    *,
    to: str,
    by: Actor,
    opinion: str | None,
    expected_version: int | None,
    now: datetime,
    record: BankRecord | None = None,
) -> LoanApplication:
    """One step of the workflow by `by`; the version guards against a decision taken on a stale page. `record`
    is what the bank officer entered at 签订合同, 抵押登记 or 放款 (domain/desk.py checked it)."""
    if expected_version is not None and expected_version != application.version:
        raise stale_page()
    transition = advance(
        application.state,
        to=to,
        by=by,
        opinion=opinion,
        preliminary_reviewer_id=application.preliminary_reviewer,
        at=now,
    )
    target = transition.to_state
    application.state = target.value
    application.updated_at = now
    if target is ApplicationState.PRELIMINARILY_APPROVED:
        application.preliminary_reviewer = by.user_id
    if target is ApplicationState.CONTRACT_SIGNED:
        if record and record.contract_no:
            taken = session.scalar(select(LoanApplication.id).where(LoanApplication.contract_no == record.contract_no))
            if taken and taken != application.id:
                raise TransitionRefused("CONTRACT_NO_TAKEN", "该合同编号已用于其他贷款，请核对", "contract_no")
        application.contract_no = (record and record.contract_no) or "GJJ" + application.application_no.removeprefix(
            "DK"
        )
        application.contract_signed_on = record.contract_date if record else None
    if target is ApplicationState.MORTGAGE_REGISTERED and record:
        application.mortgage_registration_no = record.mortgage_no
    if target is ApplicationState.DISBURSED and record:
        application.disbursed_amount = record.amount
        application.disbursed_on = record.disbursed_on
        application.disbursement_account = record.account
    save_or_conflict(session)  # the versioned UPDATE first: a concurrent decision is a 409 before anything else
    record_transition(
        session,
        config,
        application,
        transition.from_state,
        target,
        by.user_id,
        transition.role,
        transition.opinion,
        now,
    )
    if target is ApplicationState.DISBURSED:
        open_loan(session, application, (record and record.disbursed_on) or clock.day_of(now))
    return application


def save_or_conflict(session: Session) -> None:
    """Flush now so a concurrent decision shows up as 409 here rather than a 500 at commit."""
    try:
        session.flush()
    except StaleDataError:
        raise stale_page() from None


def record_transition(
    session: Session,
    config: LoansConfig,
    application: LoanApplication,
    source: ApplicationState | None,
    target: ApplicationState,
    actor: str,
    role: Role,
    opinion: str | None,
    now: datetime,
) -> None:
    session.add(
        ApplicationTransition(
            application_id=application.id,
            from_state=source.value if source else None,
            to_state=target.value,
            at=now,
            actor=actor,
            role=role.value,
            opinion=opinion,
        )
    )
    publish(session, APPLICATION_EVENTS[target.value], application_event(config, application, target, opinion))


def application_event(
    config: LoansConfig, application: LoanApplication, state: ApplicationState, opinion: str | None
) -> dict:
    return {
        "application_id": application.id,
        "application_no": application.application_no,
        "account_no": application.account_no,
        "id_number": application.id_number,
        "center": application.center,
        "state": state.value,
        "state_label": STATE_LABELS[state],
        "amount": application.amount,
        "term_months": application.term_months,
        "opinion": opinion,
        "materials": list(config.counter_materials) if state is ApplicationState.PREREVIEWED else [],
        "contract_no": application.contract_no,
    }
