"""Prepayment applications on a loan: the quote, applying, cancelling, the bank officer's decision, the money coming
in (from the repayment card at once, or from the fund account through withdrawals' saga) and the recomputed
schedule. The figures applied are the quote's: both come from domain/prepayment_application.py on the loan's
schedule as it stands."""

import json
import secrets
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from services.loans.cases.fund_deductions import PAID, PREPAYMENT, request_fund_deduction
from services.loans.cases.loan_book import installments_of
from services.loans.config import LoansConfig
from services.loans.domain.calculator import Installment as PlannedMonth
from services.loans.domain.calculator import RepaymentMethod, RepaymentPlan
from services.loans.domain.errors import RuleViolation
from services.loans.domain.prepayment_application import (
    MODE_NAMES,
    OPEN_STATES,
    SYSTEM,
    LoanPosition,
    PrepaymentFigures,
    PrepaymentRequest,
    PrepaymentSource,
    PrepaymentState,
    advance_prepayment,
    check_prepayment_request,
    figure_prepayment,
)
from services.loans.domain.workflow import LoanStanding, LoanStatus
from services.loans.events import LOAN_PAID_OFF, PREPAYMENT_EVENTS
from services.loans.models import FundDeduction, Loan, Prepayment, PrepaymentTransition

ZERO = Decimal("0.00")


class PrepaymentRefused(RuleViolation):
    """A prepayment request broke one or more rules; `problems` holds each (the API lists them by field)."""

    def __init__(self, problems: list[RuleViolation]):
        super().__init__(problems[0].code, problems[0].detail, problems[0].field)
        self.problems = problems

    def field_errors(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for problem in self.problems:
            errors.setdefault(problem.field or "_schema", []).append(problem.detail)
        return errors

    def problem_extra(self) -> dict:
        return {"failures": [{"code": p.code, "detail": p.detail, "field": p.field} for p in self.problems]}


def position_of(session: Session, loan: Loan) -> LoanPosition:
    rows = list(loan.installments)
    plan = RepaymentPlan.of(
        loan.amount,
        RepaymentMethod(loan.method),
        loan.annual_rate,
        [PlannedMonth(row.period, row.payment, row.principal, row.interest, row.remaining) for row in rows],
    )
    paid = [row.period for row in rows if row.status == "paid"]
    last_paid = max(paid, default=0)
    # shortening the term keeps the payment of the schedule's regular month: the first one its latest partial
    # prepayment recomputed, or month 1
    latest = session.scalar(
        select(Prepayment.quoted)
        .where(
            Prepayment.loan_id == loan.id,
            Prepayment.state == PrepaymentState.COMPLETED.value,
            Prepayment.full.is_(False),
        )
        .order_by(Prepayment.updated_at.desc())
        .limit(1)
    )
    regular_period = json.loads(latest)["after_period"] + 1 if latest else 1
    regular = plan.schedule[min(regular_period, len(plan.schedule)) - 1]
    open_no = session.scalar(select(Prepayment.prepayment_no).where(Prepayment.open_key == loan.id).limit(1))
    return LoanPosition(
        plan=plan,
        last_paid_period=last_paid,
        repaying=loan.status == LoanStatus.REPAYING.value,
        overdue=loan.overdue or any(row.status == "overdue" for row in rows),
        regular=regular,
        open_prepayment_no=open_no,
    )


def request_of(body: dict) -> PrepaymentRequest:
    return PrepaymentRequest(
        amount=body.get("amount"), full=bool(body.get("full")), mode=body.get("mode"), source=body.get("source")
    )


def _minimum(config: LoansConfig, loan: Loan):
    return config.policy_for(loan.center).min_prepayment_amount


def quote(session: Session, config: LoansConfig, loan: Loan, body: dict) -> PrepaymentFigures:
    """The figures a prepayment would come to now (the loan page's trial); PrepaymentRefused lists every rule
    it breaks. The source does not change the figures, so the trial may leave it out."""
    position = position_of(session, loan)
    request = request_of({**body, "source": body.get("source") or PrepaymentSource.CARD.value})
    problems = check_prepayment_request(position, request, _minimum(config, loan), reopening=True)
    if problems:
        raise PrepaymentRefused(problems)
    return figure_prepayment(position, request, _minimum(config, loan))


def apply_for_prepayment(session: Session, config: LoansConfig, loan: Loan, body: dict, by: str) -> Prepayment:
    """A new prepayment application, checked against every rule, quoted, waiting for the entrusted bank."""
    position = position_of(session, loan)
    request = request_of(body)
    problems = check_prepayment_request(position, request, _minimum(config, loan))
    if problems:
        raise PrepaymentRefused(problems)
    figures = figure_prepayment(position, request, _minimum(config, loan))
    now = clock.now()
    prepayment = Prepayment(
        prepayment_no=f"TH{clock.today():%Y%m%d}{secrets.randbelow(10**6):06d}",
        loan_id=loan.id,
        account_no=loan.account_no,
        requested_by=by,
        full=request.full,
        amount=figures.amount,
        mode=None if request.full else _api_mode(request.mode),
        source=PrepaymentSource(request.source).value,
        state=PrepaymentState.SUBMITTED.value,
        open_key=loan.id,
        quoted=json.dumps(figures.as_dict(), ensure_ascii=False),
        submitted_at=now,
        updated_at=now,
    )
    session.add(prepayment)
    session.flush()  # the unique open_key refuses a second open prepayment racing this one
    _record(session, loan, prepayment, None, PrepaymentState.SUBMITTED, by, "applicant", None, now)
    return prepayment


def _api_mode(mode: object) -> str:
    return "shorten_term" if MODE_NAMES[str(mode)].value == "shorten_term" else "reduce_payment"


def cancel_prepayment(session: Session, prepayment: Prepayment, by: str) -> None:
    if prepayment.state == PrepaymentState.CANCELLED.value:
        return  # a repeated cancel changes nothing
    advance_prepayment(prepayment.state, to=PrepaymentState.CANCELLED.value, roles=frozenset({"applicant"}))
    loan = session.get(Loan, prepayment.loan_id)
    _record(session, loan, prepayment, prepayment.state, PrepaymentState.CANCELLED, by, "applicant", None)


def decide(
    session: Session,
    config: LoansConfig,
    prepayment: Prepayment,
    to: str,
    by: str,
    roles: frozenset[str],
    opinion: str | None,
) -> None:
    """The bank officer confirms (the money is then taken) or refuses a submitted prepayment."""
    move = advance_prepayment(prepayment.state, to=to, roles=roles, opinion=opinion)
    loan = session.get(Loan, prepayment.loan_id, with_for_update=True)
    if move.target is PrepaymentState.REFUSED:
        _record(session, loan, prepayment, prepayment.state, move.target, by, "bank_officer", opinion)
        return
    # the loan may have moved since the application (a month posted): the figures are made again, by the same rules
    figures = figure_prepayment(position_of(session, loan), _request_of_record(prepayment), _minimum(config, loan))
    prepayment.amount = figures.amount
    prepayment.quoted = json.dumps(figures.as_dict(), ensure_ascii=False)
    _record(session, loan, prepayment, prepayment.state, PrepaymentState.CONFIRMED, by, "bank_officer", opinion)
    if prepayment.source == PrepaymentSource.CARD.value:
        complete(session, config, prepayment, loan, "已从还款银行卡扣收提前还款金额")
        return
    deduction = request_fund_deduction(session, loan, figures.amount, PREPAYMENT)
    prepayment.deduction_id = deduction.deduction_id


def _request_of_record(prepayment: Prepayment) -> PrepaymentRequest:
    return PrepaymentRequest(
        amount=None if prepayment.full else prepayment.amount,
        full=prepayment.full,
        mode=prepayment.mode,
        source=prepayment.source,
    )


def complete(session: Session, config: LoansConfig, prepayment: Prepayment, loan: Loan, note: str) -> None:
    """The money is in: recompute the schedule from month k+1 (or close the loan) with the confirmed figures."""
    position = position_of(session, loan)
    # the money is already in: a month gone overdue since the confirmation does not turn it back
    position = replace(position, overdue=False)
    figures = figure_prepayment(position, _request_of_record(prepayment), _minimum(config, loan))
    today = clock.today()
    _apply_to_schedule(session, loan, figures, today)
    prepayment.applied = json.dumps(figures.as_dict(), ensure_ascii=False)
    prepayment.completed_on = today
    _record(session, loan, prepayment, prepayment.state, PrepaymentState.COMPLETED, SYSTEM, SYSTEM, note)


def _apply_to_schedule(session: Session, loan: Loan, figures: PrepaymentFigures, on: date) -> None:
    for row in list(loan.installments):
        if row.period > figures.after_period:
            session.delete(row)
    session.flush()
    session.add_all(installments_of(loan, figures.schedule))
    session.flush()
    session.expire(loan, ["installments"])
    loan.outstanding_principal = figures.remaining_after
    loan.term_months = figures.new_term_months
    if figures.new_payment is not None:
        loan.monthly_payment = figures.new_payment
    if figures.full:
        standing = LoanStanding(LoanStatus(loan.status), loan.overdue).pay_off()
        loan.status, loan.overdue, loan.paid_off_on = standing.status.value, standing.overdue, on
        loan.penalty_accrued = ZERO
        publish(
            session,
            LOAN_PAID_OFF,
            {
                "loan_id": loan.id,
                "contract_no": loan.contract_no,
                "account_no": loan.account_no,
                "id_number": loan.id_number,
                "paid_off_on": on,
            },
        )


def settle_from_fund_account(session: Session, config: LoansConfig, deduction: FundDeduction) -> None:
    """Withdrawals answered a prepayment's fund deduction: complete the prepayment, or fail it with the reason."""
    prepayment = session.scalar(
        select(Prepayment).where(Prepayment.deduction_id == deduction.deduction_id).with_for_update()
    )
    if prepayment is None or prepayment.state != PrepaymentState.CONFIRMED.value:
        return
    loan = session.get(Loan, prepayment.loan_id, with_for_update=True)
    if deduction.state == PAID:
        complete(session, config, prepayment, loan, "已从住房公积金账户提取并划入贷款账户")
        return
    why = deduction.reason or "住房公积金账户划款未成功"
    _record(session, loan, prepayment, prepayment.state, PrepaymentState.FAILED, SYSTEM, SYSTEM, why)


def _record(
    session: Session,
    loan: Loan,
    prepayment: Prepayment,
    source: str | None,
    target: PrepaymentState,
    actor: str,
    role: str,
    opinion: str | None,
    at: datetime | None = None,
) -> None:
    moment = at or clock.now()
    prepayment.state, prepayment.updated_at = target.value, moment
    if opinion and role != SYSTEM:
        prepayment.opinion = opinion
    if target not in OPEN_STATES:
        prepayment.open_key = None
    session.add(
        PrepaymentTransition(
            prepayment_id=prepayment.id,
            from_state=source,
            to_state=target.value,
            at=moment,
            actor=actor,
            role=role,
            opinion=opinion,
        )
    )
    session.flush()
    publish(
        session,
        PREPAYMENT_EVENTS[target.value],
        {
            "prepayment_id": prepayment.id,
            "prepayment_no": prepayment.prepayment_no,
            "loan_id": loan.id,
            "contract_no": loan.contract_no,
            "account_no": loan.account_no,
            "id_number": loan.id_number,
            "state": target.value,
            "state_label": target.label,
            "amount": prepayment.amount,
            "full": prepayment.full,
            "source": prepayment.source,
            "opinion": opinion,
        },
    )
