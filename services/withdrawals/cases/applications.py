"""Withdrawal applications: submitting one against the rules, moving it through the workflow, its timeline.

Every state change goes through `record`, which writes the timeline step and publishes
`withdrawals.application.<state>` in the same transaction.
"""

import secrets
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from services.accounts.events import continuous_full_deposit_months
from services.withdrawals.cases.fund_deductions import FUND_DEDUCTION_SUBMITTER, announce_settlement
from services.withdrawals.domain.errors import PreApplicationRefused, RuleViolation
from services.withdrawals.domain.reason_catalogue import catalogue_for
from services.withdrawals.domain.rules import (
    ApplicantFacts,
    PreviousWithdrawal,
    WithdrawalRequest,
    check_pre_application,
)
from services.withdrawals.domain.workflow import (
    APPLICATION_LABELS,
    FINISHED_APPLICATION_STATES,
    WITHDRAWAL_OFFICER,
    Actor,
    ApplicationState,
    Transition,
    advance,
)
from services.withdrawals.events import APPLICATION_EVENTS
from services.withdrawals.models import Applicant, Application, DepositMonth, FundLoan, TimelineStep

# States whose amount accounts holds reserved (or is about to) for the case
HOLDING_FUNDS = {ApplicationState.APPROVED}
NOT_COUNTED = {ApplicationState.REJECTED, ApplicationState.CANCELLED}
BODY_KEYS = {"reason", "amount", "bank_card", "card_holder"}
# saga steps that are not states: what the timeline calls them
STEP_LABELS = {
    "funds_reserved": "账户资金已预留",
    "funds_released": "预留资金已退回公积金账户",
    "release_requested": "申请已终止，已通知释放预留资金",
    "debited": "公积金账户已记账扣减",
    "partially_reserved": "可用余额不足，按可用余额部分预留",
}


def applicant_of(session: Session, account_no: str | None) -> Applicant:
    applicant = session.get(Applicant, account_no) if account_no else None
    if applicant is None:
        raise RuleViolation("ACCOUNT_NOT_FOUND", "未找到您的公积金账户信息，请稍后再试或拨打12329咨询")
    return applicant


def facts_for(
    session: Session, applicant: Applicant, today, grace_days: int = 0, excluding: str | None = None
) -> ApplicantFacts:
    """What the rules know of the applicant today; `excluding` leaves one case out (re-checking that case)."""
    own = [
        case
        for case in session.scalars(select(Application).where(Application.account_no == applicant.account_no))
        if case.id != excluding
    ]
    counted = [case for case in own if case.state not in NOT_COUNTED]
    # the centre's own deductions for the fund loan are not the depositor's withdrawals of reason 06
    chosen = [case for case in counted if case.submitted_by != FUND_DEDUCTION_SUBMITTER]
    reserved = sum((case.amount for case in counted if case.state in HOLDING_FUNDS), Decimal("0.00"))
    months = session.scalars(select(DepositMonth.month).where(DepositMonth.account_no == applicant.account_no))
    open_loan = session.scalar(
        select(FundLoan.loan_id).where(FundLoan.account_no == applicant.account_no, FundLoan.state == "open")
    )
    return ApplicantFacts(
        name=applicant.name,
        account_status=applicant.status,
        balance=applicant.balance,
        available=applicant.balance - reserved,
        continuous_deposit_months=continuous_full_deposit_months(months.all(), today, grace_days),
        previous_withdrawals=tuple(
            PreviousWithdrawal(case.reason, clock.day_of(case.created_at), case.amount, case.reference)
            for case in chosen
        ),
        withdrawal_in_progress=any(case.state not in FINISHED_APPLICATION_STATES for case in own),
        has_open_fund_loan=open_loan is not None,
    )


def submit(
    session: Session,
    applicant: Applicant,
    body: dict,
    submitted_by: str,
    first: Transition | None = None,
    grace_days: int = 0,
) -> Application:
    """A new case checked against every rule; `first` opens it otherwise than online (at the counter);
    `grace_days` is the centre's deposit grace (连续足额缴存)."""
    today = clock.today()
    request = WithdrawalRequest(
        reason=str(body.get("reason") or ""),
        amount=body.get("amount"),
        bank_card=str(body.get("bank_card") or ""),
        today=today,
        fields={key: value for key, value in body.items() if key not in BODY_KEYS},
        card_holder=body.get("card_holder"),
    )
    catalogue = catalogue_for(applicant.center)
    check = check_pre_application(request, facts_for(session, applicant, today, grace_days), catalogue)
    if not check.passed:
        raise PreApplicationRefused(check.failures)
    reason = check.reason
    reference_field = reason.rules.frequency.reference_field
    moment = clock.now()
    case = Application(
        id=str(uuid.uuid4()),
        application_no=f"TQ{today:%Y%m%d}{secrets.randbelow(10**6):06d}",
        account_no=applicant.account_no,
        id_number=applicant.id_number,
        name=applicant.name,
        center=applicant.center,
        reason=reason.code,
        reason_name=reason.name,
        amount=check.amount,
        closes_account=check.closes_account,
        bank_card=check.bank_card,
        reason_fields={key: str(value) for key, value in check.values.items()},
        reference=str(check.values.get(reference_field)) if reference_field else None,
        state=first.target if first else ApplicationState.SUBMITTED,
        in_progress_key=applicant.account_no,
        submitted_by=submitted_by,
        created_at=moment,
        updated_at=moment,
    )
    if first is not None and first.target == ApplicationState.ACCEPTED:
        case.accepted_by = first.actor_id
    session.add(case)
    record(session, case, first or Transition(None, ApplicationState.SUBMITTED, submitted_by, "applicant", at=moment))
    return case


def history_of(session: Session, case: Application) -> list[Transition]:
    """The state changes so far, as the workflow reads them (four-eyes looks at who accepted)."""
    steps = session.scalars(
        select(TimelineStep).where(TimelineStep.application_id == case.id).order_by(TimelineStep.id)
    ).all()
    return [
        Transition(
            ApplicationState(step.state_from) if step.state_from else None,
            ApplicationState(step.step),
            step.actor_id,
            step.role,
            opinion=step.opinion,
            at=step.at,
            cause=step.cause,
        )
        for step in steps
        if step.step in ApplicationState._value2member_map_
    ]


def timeline_of(session: Session, case: Application) -> list[TimelineStep]:
    return list(
        session.scalars(
            select(TimelineStep).where(TimelineStep.application_id == case.id).order_by(TimelineStep.id)
        ).all()
    )


def record(session: Session, case: Application, transition: Transition) -> None:
    """Move the case to the transition's target, write the step, and tell the others."""
    moment = transition.at or clock.now()
    state = ApplicationState(transition.target)
    case.state = state
    case.updated_at = moment
    if transition.opinion:
        case.opinion = transition.opinion
    if state in FINISHED_APPLICATION_STATES:
        case.in_progress_key = None
    session.add(
        TimelineStep(
            application_id=case.id,
            step=state.value,
            label=APPLICATION_LABELS[state],
            state_from=transition.source.value if transition.source else None,
            actor_id=transition.actor_id,
            role=transition.role,
            opinion=transition.opinion,
            cause=transition.cause,
            at=moment,
        )
    )
    session.flush()
    publish(session, APPLICATION_EVENTS[state.value], event_payload(case))
    announce_settlement(session, case, transition)


def note(session: Session, case: Application, step: str, opinion: str | None = None) -> None:
    """A saga step that does not change the state, shown in the timeline."""
    session.add(
        TimelineStep(
            application_id=case.id,
            step=step,
            label=STEP_LABELS[step],
            actor_id="system",
            role="system",
            opinion=opinion,
            at=clock.now(),
        )
    )


def has_step(session: Session, case: Application, *steps: str) -> bool:
    found = session.scalar(
        select(TimelineStep.id).where(TimelineStep.application_id == case.id, TimelineStep.step.in_(steps)).limit(1)
    )
    return found is not None


def event_payload(case: Application) -> dict:
    reason = catalogue_for(case.center).get(case.reason)
    return {
        "application_id": case.id,
        "application_no": case.application_no,
        "account_no": case.account_no,
        "id_number": case.id_number,
        "center": case.center,
        "state": case.state,
        "state_label": APPLICATION_LABELS[ApplicationState(case.state)],
        "reason": case.reason,
        "reason_name": case.reason_name,
        "amount": case.amount,
        "closes_account": case.closes_account,
        "allow_partial": takes_partial(case),
        "for_loan": case.submitted_by == FUND_DEDUCTION_SUBMITTER,
        "bank_card_last4": case.bank_card[-4:],
        "opinion": case.opinion,
        "materials": [material.name for material in reason.materials] if reason else [],
    }


def takes_partial(case: Application) -> bool:
    """A system case for a loan's instalment (fund deduction with allow_partial): accounts may reserve less."""
    return (case.reason_fields or {}).get("allow_partial") == "true"


def staff_actor(caller) -> Actor:
    """Admins hold every role; in this workflow that means the withdrawal officer's."""
    roles = set(caller.roles)
    if "admin" in roles:
        roles.add(WITHDRAWAL_OFFICER)
    return Actor(caller.sub, frozenset(roles))


def transition(session, case: Application, to: str, opinion: str | None, caller) -> None:
    """Move a case as the caller; shared by the staff API and the console."""
    actor = staff_actor(caller)
    step = advance(case.state, to=to, by=actor, opinion=opinion, history=history_of(session, case), at=None)
    if step.target == ApplicationState.ACCEPTED:
        case.accepted_by = actor.user_id
    record(session, case, step)


def recheck(session: Session, case: Application, grace_days: int = 0):
    """The case's own request checked again against today's facts (the console's 当前 conditions)."""
    applicant = applicant_of(session, case.account_no)
    today = clock.today()
    request = WithdrawalRequest(
        reason=case.reason,
        amount=case.amount,
        bank_card=case.bank_card,
        today=today,
        fields=dict(case.reason_fields or {}),
    )
    facts = facts_for(session, applicant, today, grace_days, excluding=case.id)
    return check_pre_application(request, facts, catalogue_for(case.center))
