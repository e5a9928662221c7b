"""The life of a withdrawal application and of an appointment: states, the moves between them, who may move.

An application follows the manual's flow: 网厅预申请 (submitted) → 预审 (prereviewed: bring the materials) →
受理 at the counter (accepted) → 审核审批 (approved) → 办结 (paid to the bank card). A booked appointment
that is attended becomes an application that starts accepted. Who acts:

- `withdrawal_officer` pre-reviews, accepts and approves, but never approves a case they accepted
  (four-eyes); they may reject until approval, always with an opinion the applicant will read.
- `applicant` (the depositor who owns the case; the API layer grants the role after checking ownership)
  may cancel until approval, and cancel an appointment until its slot starts.
- `system` (the saga with accounts) pays an approved case, rejects it when the funds cannot be reserved,
  and rejects it when the bank payment fails: the reservation is then released, so the approval no longer
  holds any money and the applicant applies again with a correct card.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chassis.rules import Actor
from services.withdrawals.domain.errors import TransitionRefused
from services.withdrawals.domain.slots import Slot, can_cancel, is_missed, to_china_time

WITHDRAWAL_OFFICER, APPLICANT, SYSTEM = "withdrawal_officer", "applicant", "system"
ROLE_LABELS = {WITHDRAWAL_OFFICER: "提取业务经办人员", APPLICANT: "申请人本人", SYSTEM: "系统"}


class ApplicationState(StrEnum):
    SUBMITTED = "submitted"
    PREREVIEWED = "prereviewed"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class AppointmentState(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    MISSED = "missed"
    CANCELLED = "cancelled"


APPLICATION_LABELS = {
    ApplicationState.SUBMITTED: "已提交",
    ApplicationState.PREREVIEWED: "预审通过",
    ApplicationState.ACCEPTED: "已受理",
    ApplicationState.APPROVED: "审批通过",
    ApplicationState.PAID: "已办结",
    ApplicationState.REJECTED: "未通过",
    ApplicationState.CANCELLED: "已撤销",
}
# Kept apart from the application's labels: both enums have a "cancelled", and StrEnum members with equal
# values are equal keys.
APPOINTMENT_LABELS = {
    AppointmentState.BOOKED: "已预约",
    AppointmentState.ATTENDED: "已到场受理",
    AppointmentState.MISSED: "爽约",
    AppointmentState.CANCELLED: "已取消",
}


SYSTEM_ACTOR = Actor("system", frozenset({SYSTEM}))


@dataclass(frozen=True)
class Move:
    source: StrEnum
    target: StrEnum
    role: str
    action: str  # what the step is called on the console's buttons and in the timeline
    needs_opinion: bool = False


_S = ApplicationState
APPLICATION_MOVES: tuple[Move, ...] = (
    Move(_S.SUBMITTED, _S.PREREVIEWED, WITHDRAWAL_OFFICER, "预审通过"),
    Move(_S.SUBMITTED, _S.REJECTED, WITHDRAWAL_OFFICER, "退回", needs_opinion=True),
    Move(_S.SUBMITTED, _S.CANCELLED, APPLICANT, "撤销申请"),
    Move(_S.PREREVIEWED, _S.ACCEPTED, WITHDRAWAL_OFFICER, "柜台受理"),
    Move(_S.PREREVIEWED, _S.REJECTED, WITHDRAWAL_OFFICER, "退回", needs_opinion=True),
    Move(_S.PREREVIEWED, _S.CANCELLED, APPLICANT, "撤销申请"),
    Move(_S.ACCEPTED, _S.APPROVED, WITHDRAWAL_OFFICER, "审批通过"),
    Move(_S.ACCEPTED, _S.REJECTED, WITHDRAWAL_OFFICER, "退回", needs_opinion=True),
    Move(_S.ACCEPTED, _S.CANCELLED, APPLICANT, "撤销申请"),
    Move(_S.APPROVED, _S.PAID, SYSTEM, "付款办结"),
    Move(_S.APPROVED, _S.REJECTED, SYSTEM, "资金预留或付款失败", needs_opinion=True),
)
_A = AppointmentState
APPOINTMENT_MOVES: tuple[Move, ...] = (
    Move(_A.BOOKED, _A.ATTENDED, WITHDRAWAL_OFFICER, "到场受理"),
    Move(_A.BOOKED, _A.MISSED, SYSTEM, "标记爽约"),
    Move(_A.BOOKED, _A.CANCELLED, APPLICANT, "取消预约"),
)
FINISHED_APPLICATION_STATES = frozenset({_S.PAID, _S.REJECTED, _S.CANCELLED})
FINISHED_APPOINTMENT_STATES = frozenset({_A.ATTENDED, _A.MISSED, _A.CANCELLED})

# the main line of the manual's flow chart, without refusals and cancellations (what the progress page shows ahead)
_REFUSALS = frozenset({_S.REJECTED, _S.CANCELLED})


def applicant_may_cancel(state: ApplicationState | str) -> bool:
    """Whether the depositor may still withdraw the application (until approval)."""
    return any(m.source == state and m.target == _S.CANCELLED and m.role == APPLICANT for m in APPLICATION_MOVES)


def steps_ahead(state: ApplicationState | str) -> list[ApplicationState]:
    """The states still to come on the main line from `state`; none once the case is finished."""
    ahead: list[ApplicationState] = []
    current = ApplicationState(state)
    while (
        nxt := next((m.target for m in APPLICATION_MOVES if m.source == current and m.target not in _REFUSALS), None)
    ) is not None:
        ahead.append(ApplicationState(nxt))
        current = nxt
    return ahead


# Why the system moved a case; the saga and the timeline tell the applicant which one happened.
FUNDS_RESERVATION_FAILED, PAYMENT_FAILED = "funds_reservation_failed", "payment_failed"
APPOINTMENT_ATTENDED = "appointment_attended"


@dataclass(frozen=True)
class Transition:
    source: StrEnum | None  # None: the case begins here
    target: StrEnum
    actor_id: str
    role: str
    opinion: str | None = None
    at: datetime | None = None
    cause: str | None = None

    @property
    def label(self) -> str:
        if isinstance(self.target, AppointmentState):
            return APPOINTMENT_LABELS[self.target]
        return APPLICATION_LABELS[ApplicationState(self.target)]


@dataclass(frozen=True)
class ReviewPolicy:
    """Whoever moved a case into one of these states may not approve it (four-eyes)."""

    kept_apart_from_approval: frozenset[ApplicationState] = frozenset({ApplicationState.ACCEPTED})


DEFAULT_REVIEW_POLICY = ReviewPolicy()


def submit(by: Actor, at: datetime | None = None) -> Transition:
    """The first step of an online pre-application."""
    _require_role(by, APPLICANT, "提交提取申请")
    return Transition(None, ApplicationState.SUBMITTED, by.user_id, APPLICANT, at=at)


def accept_at_counter(by: Actor, at: datetime | None = None, cause: str | None = None) -> Transition:
    """The first step of a case opened at the counter, from an attended appointment or a walk-in."""
    _require_role(by, WITHDRAWAL_OFFICER, "在柜台受理提取申请")
    return Transition(None, ApplicationState.ACCEPTED, by.user_id, WITHDRAWAL_OFFICER, at=at, cause=cause)


def advance(
    state: ApplicationState,
    *,
    to: ApplicationState,
    by: Actor,
    opinion: str | None = None,
    history: Sequence[Transition] = (),
    at: datetime | None = None,
    cause: str | None = None,
    policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
) -> Transition:
    """The transition `by` makes from `state` to `to`, or TransitionRefused saying why it may not."""
    state, to = _as(ApplicationState, state), _as(ApplicationState, to)
    move = _move(APPLICATION_MOVES, APPLICATION_LABELS, FINISHED_APPLICATION_STATES, state, to, by)
    opinion = (opinion or "").strip() or None
    if move.needs_opinion and not opinion:
        raise TransitionRefused("OPINION_REQUIRED", "退回申请须填写审核意见，说明未通过的原因", field="opinion")
    if to is ApplicationState.APPROVED:
        _check_four_eyes(by, history, policy)
    return Transition(state, to, by.user_id, move.role, opinion=opinion, at=at, cause=cause)


def allowed_targets(
    state: ApplicationState,
    by: Actor,
    history: Sequence[Transition] = (),
    policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
) -> list[ApplicationState]:
    """The states `by` may move the case to now: the console's buttons."""
    state = _as(ApplicationState, state)
    targets = []
    for move in APPLICATION_MOVES:
        if move.source == state and move.role in by.roles and move.target not in targets:
            if move.target is ApplicationState.APPROVED and _acted_in_kept_apart_state(by, history, policy):
                continue
            targets.append(move.target)
    return targets


def reject_for_failed_reservation(state: ApplicationState, reason: str, at: datetime | None = None) -> Transition:
    opinion = f"账户资金预留失败：{reason}"
    return advance(
        state,
        to=ApplicationState.REJECTED,
        by=SYSTEM_ACTOR,
        opinion=opinion,
        at=at,
        cause=FUNDS_RESERVATION_FAILED,
    )


def reject_for_failed_payment(state: ApplicationState, reason: str, at: datetime | None = None) -> Transition:
    opinion = f"银行付款失败：{reason}。预留资金已退回您的公积金账户，请核对银行卡后重新申请"
    return advance(state, to=ApplicationState.REJECTED, by=SYSTEM_ACTOR, opinion=opinion, at=at, cause=PAYMENT_FAILED)


def advance_appointment(
    state: AppointmentState, *, to: AppointmentState, by: Actor, slot: Slot, now: datetime
) -> Transition:
    """Cancel until the slot starts, mark missed once it has ended, attend on its day before it ends."""
    state, to = _as(AppointmentState, state), _as(AppointmentState, to)
    move = _move(APPOINTMENT_MOVES, APPOINTMENT_LABELS, FINISHED_APPOINTMENT_STATES, state, to, by)
    now = to_china_time(now)
    if to is AppointmentState.CANCELLED and not can_cancel(slot, now):
        raise TransitionRefused("CANCEL_TOO_LATE", f"预约时段{slot.label}已开始，不能再取消预约")
    if to is AppointmentState.MISSED and not is_missed(slot, now):
        raise TransitionRefused("NOT_YET_MISSED", f"预约时段{slot.label}尚未结束，不能标记为爽约")
    if to is AppointmentState.ATTENDED:
        if now.date() != slot.day:
            detail = f"该预约为{slot.day.isoformat()} {slot.label}，只能在预约当天受理"
            raise TransitionRefused("NOT_APPOINTMENT_DAY", detail)
        if is_missed(slot, now):
            raise TransitionRefused("APPOINTMENT_MISSED", f"预约时段{slot.label}已结束，该预约已视为爽约")
    return Transition(state, to, by.user_id, move.role, at=now)


def _as(kind: type[StrEnum], value: str) -> StrEnum:
    """States arrive as plain strings from storage and requests."""
    try:
        return kind(value)
    except ValueError:
        raise TransitionRefused("UNKNOWN_STATE", f"不存在的状态：{value}", field="to") from None


def _move(
    moves: Iterable[Move],
    labels: Mapping[StrEnum, str],
    finished: frozenset[StrEnum],
    state: StrEnum,
    to: StrEnum,
    by: Actor,
) -> Move:
    if state in finished:
        raise TransitionRefused("ALREADY_FINISHED", f"该业务已{labels[state]}，不能再变更", field="to")
    candidates = [move for move in moves if move.source == state and move.target == to]
    if not candidates:
        detail = f"不能从“{labels[state]}”变更为“{labels[to]}”"
        raise TransitionRefused("TRANSITION_NOT_ALLOWED", detail, field="to")
    for move in candidates:
        if move.role in by.roles:
            return move
    who = "或".join(ROLE_LABELS[move.role] for move in candidates)
    raise TransitionRefused("ROLE_NOT_ALLOWED", f"只有{who}可以{candidates[0].action}")


def _require_role(by: Actor, role: str, action: str) -> None:
    if role not in by.roles:
        raise TransitionRefused("ROLE_NOT_ALLOWED", f"只有{ROLE_LABELS[role]}可以{action}")


def _acted_in_kept_apart_state(by: Actor, history: Sequence[Transition], policy: ReviewPolicy) -> bool:
    return any(step.target in policy.kept_apart_from_approval and step.actor_id == by.user_id for step in history)


def _check_four_eyes(by: Actor, history: Sequence[Transition], policy: ReviewPolicy) -> None:
    if _acted_in_kept_apart_state(by, history, policy):
        raise TransitionRefused("FOUR_EYES", "受理本案的经办人员不能审批同一案件，请由其他经办人员审批")
