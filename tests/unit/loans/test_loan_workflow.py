"""The loan application workflow: the flow chart's steps, who may take them, opinions and four-eyes."""

import itertools
from datetime import UTC, datetime

import pytest

from services.loans.domain.errors import RuleViolation, TransitionRefused
from services.loans.domain.workflow import (
    STEPS,
    SYSTEM_ACTOR,
    Actor,
    ApplicationState,
    LoanStanding,
    LoanStatus,
    Role,
    Transition,
    advance,
    available_steps,
    can_cancel,
    preliminary_reviewer,
    queue_states,
)

S = ApplicationState
OFFICER = Actor("officer-li", frozenset({"loan_officer"}))
OTHER_OFFICER = Actor("officer-ma", frozenset({"loan_officer"}))
APPROVER = Actor("approver-wang", frozenset({"loan_approver"}))
BANK = Actor("bank-zhao", frozenset({"bank_officer"}))
APPLICANT = Actor("depositor-zhangwei", frozenset({"applicant"}))
# One person holding both review roles: the case four-eyes exists for.
OFFICER_AND_APPROVER = Actor("officer-li", frozenset({"loan_officer", "loan_approver"}))

ALLOWED = {
    (S.SUBMITTED, S.PREREVIEWED): "loan_officer",
    (S.SUBMITTED, S.REJECTED): "loan_officer",
    (S.SUBMITTED, S.CANCELLED): "applicant",
    (S.PREREVIEWED, S.ACCEPTED): "loan_officer",
    (S.PREREVIEWED, S.REJECTED): "loan_officer",
    (S.PREREVIEWED, S.CANCELLED): "applicant",
    (S.ACCEPTED, S.PRELIMINARILY_APPROVED): "loan_officer",
    (S.ACCEPTED, S.REJECTED): "loan_officer",
    (S.ACCEPTED, S.CANCELLED): "applicant",
    (S.PRELIMINARILY_APPROVED, S.APPROVED): "loan_approver",
    (S.PRELIMINARILY_APPROVED, S.REJECTED): "loan_approver",
    (S.PRELIMINARILY_APPROVED, S.CANCELLED): "applicant",
    (S.APPROVED, S.CONTRACT_SIGNED): "bank_officer",
    (S.APPROVED, S.REJECTED): "bank_officer",
    (S.CONTRACT_SIGNED, S.MORTGAGE_REGISTERED): "bank_officer",
    (S.MORTGAGE_REGISTERED, S.DISBURSED): "bank_officer",
    (S.DISBURSED, S.REPAYING): "system",
    (S.REPAYING, S.PAID_OFF): "system",
}
EVERYONE = Actor("superuser", frozenset(role.value for role in Role))
PRELIMINARY = [Transition(S.ACCEPTED, S.PRELIMINARILY_APPROVED, "officer-li", Role.LOAN_OFFICER, "材料齐全，同意")]


def test_the_table_is_exactly_the_flow_chart():
    assert {(step.source, step.target): step.role.value for step in STEPS} == ALLOWED


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_every_pair_of_states_is_either_a_step_or_refused(source, target):
    if (source, target) in ALLOWED:
        transition = advance(source, to=target, by=EVERYONE, opinion="意见", history=PRELIMINARY)
        assert (transition.from_state, transition.to_state) == (source, target)
        assert transition.role == ALLOWED[(source, target)]
    else:
        with pytest.raises(TransitionRefused) as refused:
            advance(source, to=target, by=EVERYONE, opinion="意见", history=PRELIMINARY)
        assert refused.value.code == "ILLEGAL_TRANSITION"


@pytest.mark.parametrize(("source", "target"), list(ALLOWED))
def test_each_step_is_refused_to_every_other_role(source, target):
    for role in Role:
        if role == ALLOWED[(source, target)]:
            continue
        with pytest.raises(TransitionRefused) as refused:
            advance(source, to=target, by=Actor("someone", {role.value}), opinion="意见", history=PRELIMINARY)
        assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_the_happy_path_from_submission_to_paid_off():
    history: list[Transition] = []
    path = [
        (S.PREREVIEWED, OFFICER),
        (S.ACCEPTED, OTHER_OFFICER),
        (S.PRELIMINARILY_APPROVED, OFFICER),
        (S.APPROVED, APPROVER),
        (S.CONTRACT_SIGNED, BANK),
        (S.MORTGAGE_REGISTERED, BANK),
        (S.DISBURSED, BANK),
        (S.REPAYING, SYSTEM_ACTOR),
        (S.PAID_OFF, SYSTEM_ACTOR),
    ]
    state = S.SUBMITTED
    for target, actor in path:
        history.append(advance(state, to=target, by=actor, history=history))
        state = target

    assert state is S.PAID_OFF
    assert [t.role for t in history[:4]] == ["loan_officer", "loan_officer", "loan_officer", "loan_approver"]


def test_transition_records_who_in_which_role_with_the_opinion_and_time():
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    transition = advance("submitted", to="prereviewed", by=OFFICER, opinion="  资料齐全  ", at=at)

    assert transition == Transition(S.SUBMITTED, S.PREREVIEWED, "officer-li", Role.LOAN_OFFICER, "资料齐全", at)


def test_illegal_transition_names_both_states_in_chinese():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.SUBMITTED, to=S.APPROVED, by=APPROVER)

    assert refused.value.detail == "申请当前状态为“已提交”，不能变更为“中心审批通过”"


def test_unknown_state_name_is_refused():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.SUBMITTED, to="approved_quickly", by=OFFICER)

    assert refused.value.code == "UNKNOWN_STATE"
    assert refused.value.field == "to"


def test_officer_cannot_approve():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.PRELIMINARILY_APPROVED, to=S.APPROVED, by=OTHER_OFFICER, history=PRELIMINARY)

    assert refused.value.code == "ROLE_NOT_ALLOWED"
    assert refused.value.detail == "“审批通过”须由中心审批办理，您无权操作"


@pytest.mark.parametrize(
    ("source", "actor"),
    [
        (S.SUBMITTED, OFFICER),
        (S.PREREVIEWED, OFFICER),
        (S.ACCEPTED, OFFICER),
        (S.PRELIMINARILY_APPROVED, APPROVER),
        (S.APPROVED, BANK),
    ],
)
@pytest.mark.parametrize("opinion", [None, "", "   "])
def test_reject_without_opinion_is_refused_at_every_review(source, actor, opinion):
    with pytest.raises(TransitionRefused) as refused:
        advance(source, to=S.REJECTED, by=actor, opinion=opinion, history=PRELIMINARY)

    assert refused.value.code == "OPINION_REQUIRED"
    assert refused.value.field == "opinion"


def test_reject_keeps_the_opinion_for_the_applicant():
    transition = advance(S.ACCEPTED, to=S.REJECTED, by=OFFICER, opinion="购房合同与备案信息不符")

    assert transition.opinion == "购房合同与备案信息不符"


def test_approver_cannot_be_the_preliminary_reviewer():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.PRELIMINARILY_APPROVED, to=S.APPROVED, by=OFFICER_AND_APPROVER, history=PRELIMINARY)

    assert refused.value.code == "FOUR_EYES_VIOLATION"


def test_preliminary_reviewer_cannot_reject_at_approval_either():
    with pytest.raises(TransitionRefused) as refused:
        advance(
            S.PRELIMINARILY_APPROVED,
            to=S.REJECTED,
            by=OFFICER_AND_APPROVER,
            opinion="不同意",
            history=PRELIMINARY,
        )

    assert refused.value.code == "FOUR_EYES_VIOLATION"


def test_four_eyes_accepts_the_reviewer_id_instead_of_the_history():
    with pytest.raises(TransitionRefused):
        advance(
            S.PRELIMINARILY_APPROVED,
            to=S.APPROVED,
            by=OFFICER_AND_APPROVER,
            preliminary_reviewer_id="officer-li",
        )

    approved = advance(S.PRELIMINARILY_APPROVED, to=S.APPROVED, by=APPROVER, preliminary_reviewer_id="officer-li")
    assert approved.actor_id == "approver-wang"


def test_approval_without_knowing_the_preliminary_reviewer_is_refused():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.PRELIMINARILY_APPROVED, to=S.APPROVED, by=APPROVER)

    assert refused.value.code == "PRELIMINARY_REVIEWER_UNKNOWN"


def test_the_latest_preliminary_opinion_counts():
    history = [
        *PRELIMINARY,
        Transition(S.ACCEPTED, S.PRELIMINARILY_APPROVED, "officer-ma", Role.LOAN_OFFICER, "复核"),
    ]

    assert preliminary_reviewer(history) == "officer-ma"
    assert preliminary_reviewer([]) is None


@pytest.mark.parametrize("state", [S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED, S.PRELIMINARILY_APPROVED])
def test_applicant_may_cancel_before_approval(state):
    transition = advance(state, to=S.CANCELLED, by=APPLICANT)

    assert transition.role == "applicant"
    assert can_cancel(state)


@pytest.mark.parametrize(
    "state",
    [S.APPROVED, S.CONTRACT_SIGNED, S.MORTGAGE_REGISTERED, S.DISBURSED, S.REPAYING, S.PAID_OFF, S.REJECTED],
)
def test_applicant_cannot_cancel_once_approved(state):
    with pytest.raises(TransitionRefused) as refused:
        advance(state, to=S.CANCELLED, by=APPLICANT)

    assert refused.value.code == "ILLEGAL_TRANSITION"
    assert not can_cancel(state)


def test_staff_cannot_cancel_on_the_applicants_behalf():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.SUBMITTED, to=S.CANCELLED, by=OFFICER)

    assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_console_buttons_follow_the_role():
    assert [(s.target, s.action) for s in available_steps(S.SUBMITTED, ["loan_officer"])] == [
        (S.PREREVIEWED, "预审通过"),
        (S.REJECTED, "预审不通过"),
    ]
    assert available_steps(S.SUBMITTED, ["bank_officer"]) == []
    assert [s.target for s in available_steps("approved", {"bank_officer"})] == [
        S.CONTRACT_SIGNED,
        S.REJECTED,
    ]


def test_work_queues_per_role():
    assert queue_states("loan_officer") == [S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED]
    assert queue_states(Role.LOAN_APPROVER) == [S.PRELIMINARILY_APPROVED]
    assert queue_states("bank_officer") == [S.APPROVED, S.CONTRACT_SIGNED, S.MORTGAGE_REGISTERED]


def test_every_state_has_its_chinese_label():
    assert {state.value: state.label for state in S} == {
        "submitted": "已提交",
        "prereviewed": "预审通过（请携带材料到柜台）",
        "accepted": "柜台已受理",
        "preliminarily_approved": "初审通过",
        "approved": "中心审批通过",
        "contract_signed": "已签合同",
        "mortgage_registered": "抵押已登记",
        "disbursed": "已放款",
        "repaying": "还款中",
        "paid_off": "已结清",
        "rejected": "未通过",
        "cancelled": "已撤销",
    }


def test_overdue_is_a_flag_on_a_repaying_loan_not_a_state():
    standing = LoanStanding().mark_overdue()

    assert standing.status is LoanStatus.REPAYING
    assert standing.overdue
    assert standing.label == "还款中（逾期）"
    assert "overdue" not in {state.value for state in S}
    assert standing.clear_overdue().label == "还款中"


def test_paid_off_loan_is_never_overdue():
    paid = LoanStanding().mark_overdue().pay_off()

    assert (paid.status, paid.overdue, paid.label) == (LoanStatus.PAID_OFF, False, "已结清")
    with pytest.raises(RuleViolation) as refused:
        paid.mark_overdue()
    assert refused.value.code == "LOAN_NOT_REPAYING"
