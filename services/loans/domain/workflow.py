"""A loan application's path through the manual's flow chart (贷款业务流程): states, steps, who takes each.

网厅预申请 → 审核审批 (贷款科 pre-review, counter acceptance, preliminary opinion; 中心 approval)
→ 签订合同 (the entrusted bank re-checks and signs) → 抵押登记 → 贷款发放 → 贷款归还.
A review may refuse (未通过) with an opinion the applicant sees; the applicant may cancel until the centre
has approved. The approver of a case is never the officer who gave its preliminary opinion.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from chassis.rules import Actor
from services.loans.domain.errors import RuleViolation, TransitionRefused


class ApplicationState(StrEnum):
    SUBMITTED = "submitted"
    PREREVIEWED = "prereviewed"
    ACCEPTED = "accepted"
    PRELIMINARILY_APPROVED = "preliminarily_approved"
    APPROVED = "approved"
    CONTRACT_SIGNED = "contract_signed"
    MORTGAGE_REGISTERED = "mortgage_registered"
    DISBURSED = "disbursed"
    REPAYING = "repaying"
    PAID_OFF = "paid_off"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    ApplicationState.SUBMITTED: "已提交",
    ApplicationState.PREREVIEWED: "预审通过（请携带材料到柜台）",
    ApplicationState.ACCEPTED: "柜台已受理",
    ApplicationState.PRELIMINARILY_APPROVED: "初审通过",
    ApplicationState.APPROVED: "中心审批通过",
    ApplicationState.CONTRACT_SIGNED: "已签合同",
    ApplicationState.MORTGAGE_REGISTERED: "抵押已登记",
    ApplicationState.DISBURSED: "已放款",
    ApplicationState.REPAYING: "还款中",
    ApplicationState.PAID_OFF: "已结清",
    ApplicationState.REJECTED: "未通过",
    ApplicationState.CANCELLED: "已撤销",
}

TERMINAL_STATES = frozenset({ApplicationState.PAID_OFF, ApplicationState.REJECTED, ApplicationState.CANCELLED})


class Role(StrEnum):
    LOAN_OFFICER = "loan_officer"
    LOAN_APPROVER = "loan_approver"
    BANK_OFFICER = "bank_officer"
    APPLICANT = "applicant"  # granted by the caller to the depositor who owns the application
    SYSTEM = "system"  # disbursement and the repayment run, never a person

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.LOAN_OFFICER: "中心贷款科",
    Role.LOAN_APPROVER: "中心审批",
    Role.BANK_OFFICER: "委托银行",
    Role.APPLICANT: "申请人",
    Role.SYSTEM: "系统",
}


@dataclass(frozen=True)
class Step:
    """One arrow of the flow chart: who may move an application from `source` to `target`, and its button."""

    source: ApplicationState
    target: ApplicationState
    role: Role
    action: str


S = ApplicationState
STEPS: tuple[Step, ...] = (
    # 网厅预申请 → 审核审批: the loan section checks the online application, then the materials at the
    # counter, then gives its preliminary opinion. Each of these reviews may refuse.
    Step(S.SUBMITTED, S.PREREVIEWED, Role.LOAN_OFFICER, "预审通过"),
    Step(S.SUBMITTED, S.REJECTED, Role.LOAN_OFFICER, "预审不通过"),
    Step(S.PREREVIEWED, S.ACCEPTED, Role.LOAN_OFFICER, "柜台受理"),
    Step(S.PREREVIEWED, S.REJECTED, Role.LOAN_OFFICER, "不予受理"),
    Step(S.ACCEPTED, S.PRELIMINARILY_APPROVED, Role.LOAN_OFFICER, "初审通过"),
    Step(S.ACCEPTED, S.REJECTED, Role.LOAN_OFFICER, "初审不通过"),
    # The centre's compliance check and approval (four-eyes: not the preliminary reviewer).
    Step(S.PRELIMINARILY_APPROVED, S.APPROVED, Role.LOAN_APPROVER, "审批通过"),
    Step(S.PRELIMINARILY_APPROVED, S.REJECTED, Role.LOAN_APPROVER, "审批不通过"),
    # 签订合同: the entrusted bank re-checks the centre's notice and signs, or refuses;
    # then 抵押登记 and 贷款发放.
    Step(S.APPROVED, S.CONTRACT_SIGNED, Role.BANK_OFFICER, "签订合同"),
    Step(S.APPROVED, S.REJECTED, Role.BANK_OFFICER, "银行复审不通过"),
    Step(S.CONTRACT_SIGNED, S.MORTGAGE_REGISTERED, Role.BANK_OFFICER, "抵押登记"),
    Step(S.MORTGAGE_REGISTERED, S.DISBURSED, Role.BANK_OFFICER, "放款"),
    # 贷款归还: the loan exists from disbursement; the repayment run moves it on.
    Step(S.DISBURSED, S.REPAYING, Role.SYSTEM, "开始还款"),
    Step(S.REPAYING, S.PAID_OFF, Role.SYSTEM, "结清"),
    # The applicant may withdraw the application until the centre has approved it.
    Step(S.SUBMITTED, S.CANCELLED, Role.APPLICANT, "撤销申请"),
    Step(S.PREREVIEWED, S.CANCELLED, Role.APPLICANT, "撤销申请"),
    Step(S.ACCEPTED, S.CANCELLED, Role.APPLICANT, "撤销申请"),
    Step(S.PRELIMINARILY_APPROVED, S.CANCELLED, Role.APPLICANT, "撤销申请"),
)
del S

OPINION_REQUIRED_FOR = frozenset({ApplicationState.REJECTED})
# Decisions taken at this state are the approval; its deciders must differ from the preliminary reviewer.
APPROVAL_STAGE = ApplicationState.PRELIMINARILY_APPROVED


SYSTEM_ACTOR = Actor("system", frozenset({Role.SYSTEM}))


@dataclass(frozen=True)
class Transition:
    """A line of the application's timeline: from, to, who, in which role, with what opinion."""

    from_state: ApplicationState
    to_state: ApplicationState
    actor_id: str
    role: Role
    opinion: str | None = None
    at: datetime | None = None


def step_between(source: ApplicationState, target: ApplicationState) -> Step | None:
    return next((step for step in STEPS if step.source == source and step.target == target), None)


def available_steps(state: ApplicationState | str, roles: Iterable[str]) -> list[Step]:
    """The actions a user holding `roles` may take on an application in `state` (the console's buttons)."""
    held = set(roles)
    return [step for step in STEPS if step.source == state and step.role in held]


def queue_states(role: Role | str) -> list[ApplicationState]:
    """States in which `role` has work to do: its console queue."""
    seen: dict[ApplicationState, None] = {}
    for step in STEPS:
        if step.role == role and step.target not in (ApplicationState.REJECTED, ApplicationState.CANCELLED):
            seen[step.source] = None
    return list(seen)


def can_cancel(state: ApplicationState | str) -> bool:
    return step_between(ApplicationState(state), ApplicationState.CANCELLED) is not None


def steps_ahead(state: ApplicationState | str) -> list[ApplicationState]:
    """The states still to come on the flow chart's main line from `state` (no refusal, no cancellation)."""
    refusals = (ApplicationState.REJECTED, ApplicationState.CANCELLED)
    ahead: list[ApplicationState] = []
    current = ApplicationState(state)
    while (
        nxt := next((s.target for s in STEPS if s.source == current and s.target not in refusals), None)
    ) is not None:
        ahead.append(nxt)
        current = nxt
    return ahead


def preliminary_reviewer(history: Sequence[Transition]) -> str | None:
    """Who gave the preliminary opinion: the latest move into preliminarily_approved."""
    for transition in reversed(history):
        if transition.to_state == ApplicationState.PRELIMINARILY_APPROVED:
            return transition.actor_id
    return None


def advance(
    application_state: ApplicationState | str,
    *,
    to: ApplicationState | str,
    by: Actor,
    opinion: str | None = None,
    history: Sequence[Transition] = (),
    preliminary_reviewer_id: str | None = None,
    at: datetime | None = None,
) -> Transition:
    """The transition `by` makes from `application_state` to `to`, or TransitionRefused saying why not.

    At the approval stage the preliminary reviewer comes from `preliminary_reviewer_id` or else `history`;
    when neither names one the approval is refused rather than risk the same person signing twice.
    """
    source = _state(application_state, "application_state")
    target = _state(to, "to")
    step = step_between(source, target)
    if step is None:
        raise TransitionRefused(
            "ILLEGAL_TRANSITION", f"申请当前状态为“{source.label}”，不能变更为“{target.label}”", "to"
        )
    if step.role not in by.roles:
        raise TransitionRefused("ROLE_NOT_ALLOWED", f"“{step.action}”须由{step.role.label}办理，您无权操作", "to")
    opinion = (opinion or "").strip() or None
    if target in OPINION_REQUIRED_FOR and opinion is None:
        raise TransitionRefused("OPINION_REQUIRED", "不予通过时必须填写审核意见，该意见将告知申请人", "opinion")
    if source == APPROVAL_STAGE and step.role == Role.LOAN_APPROVER:
        reviewer = preliminary_reviewer_id or preliminary_reviewer(history)
        if reviewer is None:
            raise TransitionRefused(
                "PRELIMINARY_REVIEWER_UNKNOWN", "无法确认初审人，暂不能审批，请联系系统管理员", "to"
            )
        if reviewer == by.user_id:
            raise TransitionRefused("FOUR_EYES_VIOLATION", "审批人不能是出具初审意见的经办人，请由其他审批人办理", "to")
    return Transition(source, target, by.user_id, step.role, opinion, at)


def _state(value: ApplicationState | str, field_name: str) -> ApplicationState:
    try:
        return ApplicationState(value)
    except ValueError:
        raise TransitionRefused("UNKNOWN_STATE", f"未知的申请状态：{value}", field_name) from None


class LoanStatus(StrEnum):
    """A disbursed loan's own state; being overdue is a flag on a repaying loan, not a state."""

    REPAYING = "repaying"
    PAID_OFF = "paid_off"

    @property
    def label(self) -> str:
        return {"repaying": "还款中", "paid_off": "已结清"}[self.value]


# an installment of the schedule: due (not yet paid), overdue (past its date, unpaid), paid
INSTALLMENT_LABELS = {"due": "待还", "overdue": "逾期", "paid": "已还"}


@dataclass(frozen=True)
class LoanStanding:
    status: LoanStatus = LoanStatus.REPAYING
    overdue: bool = False

    @property
    def label(self) -> str:
        return f"{self.status.label}（逾期）" if self.overdue else self.status.label

    def mark_overdue(self) -> "LoanStanding":
        if self.status is not LoanStatus.REPAYING:
            raise RuleViolation("LOAN_NOT_REPAYING", "贷款已结清，不能标记逾期", "overdue")
        return replace(self, overdue=True)

    def clear_overdue(self) -> "LoanStanding":
        return replace(self, overdue=False)

    def pay_off(self) -> "LoanStanding":
        if self.status is not LoanStatus.REPAYING:
            raise RuleViolation("LOAN_NOT_REPAYING", "贷款已结清", "status")
        return LoanStanding(LoanStatus.PAID_OFF, overdue=False)
