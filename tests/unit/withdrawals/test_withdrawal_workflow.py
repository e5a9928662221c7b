"""The application workflow: transition table, who may move a case, four-eyes, opinions, the saga."""

import itertools
from datetime import datetime

import pytest

from services.withdrawals.domain.errors import TransitionRefused
from services.withdrawals.domain.workflow import (
    APPLICANT,
    APPLICATION_LABELS,
    APPLICATION_MOVES,
    FUNDS_RESERVATION_FAILED,
    PAYMENT_FAILED,
    SYSTEM,
    SYSTEM_ACTOR,
    WITHDRAWAL_OFFICER,
    Actor,
    ApplicationState,
    Transition,
    accept_at_counter,
    advance,
    allowed_targets,
    reject_for_failed_payment,
    reject_for_failed_reservation,
    submit,
)

S = ApplicationState
ZHANG_WEI = Actor("u-zhangwei", {APPLICANT})
OFFICER_LI = Actor("staff-li", {WITHDRAWAL_OFFICER})
OFFICER_WANG = Actor("staff-wang", {WITHDRAWAL_OFFICER})
EVERYONE = Actor("superuser", {APPLICANT, WITHDRAWAL_OFFICER, SYSTEM})
LEGAL = {(move.source, move.target) for move in APPLICATION_MOVES}
FINISHED = {S.PAID, S.REJECTED, S.CANCELLED}


def test_states_carry_the_chinese_labels_of_domain_md():
    assert {state.value: label for state, label in APPLICATION_LABELS.items()} == {
        "submitted": "已提交",
        "prereviewed": "预审通过",
        "accepted": "已受理",
        "approved": "审批通过",
        "paid": "已办结",
        "rejected": "未通过",
        "cancelled": "已撤销",
    }


def test_the_table_holds_exactly_the_steps_of_the_flow():
    assert {(m.source.value, m.target.value, m.role) for m in APPLICATION_MOVES} == {
        ("submitted", "prereviewed", WITHDRAWAL_OFFICER),
        ("submitted", "rejected", WITHDRAWAL_OFFICER),
        ("submitted", "cancelled", APPLICANT),
        ("prereviewed", "accepted", WITHDRAWAL_OFFICER),
        ("prereviewed", "rejected", WITHDRAWAL_OFFICER),
        ("prereviewed", "cancelled", APPLICANT),
        ("accepted", "approved", WITHDRAWAL_OFFICER),
        ("accepted", "rejected", WITHDRAWAL_OFFICER),
        ("accepted", "cancelled", APPLICANT),
        ("approved", "paid", SYSTEM),
        ("approved", "rejected", SYSTEM),
    }


ILLEGAL = [pair for pair in itertools.product(S, S) if pair not in LEGAL]


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=lambda s: s.value)
def test_every_illegal_transition_is_refused_even_to_someone_holding_every_role(source, target):
    with pytest.raises(TransitionRefused) as refused:
        advance(source, to=target, by=EVERYONE, opinion="意见")
    if source in FINISHED:
        assert refused.value.code == "ALREADY_FINISHED"
        assert refused.value.detail == f"该业务已{APPLICATION_LABELS[source]}，不能再变更"
    else:
        assert refused.value.code == "TRANSITION_NOT_ALLOWED"
        assert refused.value.detail == f"不能从“{APPLICATION_LABELS[source]}”变更为“{APPLICATION_LABELS[target]}”"


def test_there_are_38_illegal_pairs_of_49():
    assert len(ILLEGAL) == 38


WRONG_ROLE = [
    (move, role) for move in APPLICATION_MOVES for role in (APPLICANT, WITHDRAWAL_OFFICER, SYSTEM) if role != move.role
]


@pytest.mark.parametrize(("move", "role"), WRONG_ROLE, ids=lambda x: getattr(x, "action", x))
def test_every_step_is_refused_to_the_wrong_role(move, role):
    with pytest.raises(TransitionRefused) as refused:
        advance(move.source, to=move.target, by=Actor("someone", {role}), opinion="意见")
    assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_the_role_refusal_names_who_may_act():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.SUBMITTED, to=S.CANCELLED, by=OFFICER_LI)
    assert refused.value.detail == "只有申请人本人可以撤销申请"
    with pytest.raises(TransitionRefused) as refused:
        advance(S.APPROVED, to=S.PAID, by=OFFICER_LI)
    assert refused.value.detail == "只有系统可以付款办结"


def test_an_online_application_goes_from_submission_to_payment():
    at = datetime(2026, 6, 15, 9, 30)
    history = [submit(ZHANG_WEI, at=at)]
    history.append(advance(S.SUBMITTED, to=S.PREREVIEWED, by=OFFICER_LI, history=history))
    history.append(advance(S.PREREVIEWED, to=S.ACCEPTED, by=OFFICER_LI, history=history))
    history.append(advance(S.ACCEPTED, to=S.APPROVED, by=OFFICER_WANG, history=history, opinion=" 材料齐全 "))
    history.append(advance(S.APPROVED, to=S.PAID, by=SYSTEM_ACTOR, history=history))
    assert [(t.source, t.target, t.actor_id, t.role) for t in history] == [
        (None, S.SUBMITTED, "u-zhangwei", APPLICANT),
        (S.SUBMITTED, S.PREREVIEWED, "staff-li", WITHDRAWAL_OFFICER),
        (S.PREREVIEWED, S.ACCEPTED, "staff-li", WITHDRAWAL_OFFICER),
        (S.ACCEPTED, S.APPROVED, "staff-wang", WITHDRAWAL_OFFICER),
        (S.APPROVED, S.PAID, "system", SYSTEM),
    ]
    assert history[0].at == at
    assert history[3].opinion == "材料齐全"
    assert [t.label for t in history] == ["已提交", "预审通过", "已受理", "审批通过", "已办结"]


def test_the_officer_who_accepted_a_case_may_not_approve_it():
    history = [
        submit(ZHANG_WEI),
        advance(S.SUBMITTED, to=S.PREREVIEWED, by=OFFICER_WANG),
        advance(S.PREREVIEWED, to=S.ACCEPTED, by=OFFICER_LI),
    ]
    with pytest.raises(TransitionRefused) as refused:
        advance(S.ACCEPTED, to=S.APPROVED, by=OFFICER_LI, history=history)
    assert refused.value.code == "FOUR_EYES"
    assert refused.value.detail == "受理本案的经办人员不能审批同一案件，请由其他经办人员审批"
    # The pre-reviewer only checked the online form; the rule keeps apart acceptance and approval.
    assert advance(S.ACCEPTED, to=S.APPROVED, by=OFFICER_WANG, history=history).actor_id == "staff-wang"


def test_a_case_accepted_from_an_appointment_is_kept_from_its_acceptor_too():
    history = [accept_at_counter(OFFICER_LI, cause="appointment_attended")]
    assert history[0].source is None and history[0].target is S.ACCEPTED
    with pytest.raises(TransitionRefused) as refused:
        advance(S.ACCEPTED, to=S.APPROVED, by=OFFICER_LI, history=history)
    assert refused.value.code == "FOUR_EYES"


def test_history_read_back_from_storage_as_plain_strings_still_counts():
    stored = [Transition("prereviewed", "accepted", "staff-li", WITHDRAWAL_OFFICER)]
    with pytest.raises(TransitionRefused):
        advance("accepted", to="approved", by=OFFICER_LI, history=stored)


def test_the_console_offers_the_acceptor_no_approve_button():
    history = [accept_at_counter(OFFICER_LI)]
    assert allowed_targets(S.ACCEPTED, OFFICER_LI, history) == [S.REJECTED]
    assert allowed_targets(S.ACCEPTED, OFFICER_WANG, history) == [S.APPROVED, S.REJECTED]
    assert allowed_targets(S.ACCEPTED, ZHANG_WEI, history) == [S.CANCELLED]
    assert allowed_targets(S.PAID, EVERYONE, history) == []


@pytest.mark.parametrize("source", [S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED])
@pytest.mark.parametrize("opinion", [None, "", "   "])
def test_a_rejection_needs_an_opinion(source, opinion):
    with pytest.raises(TransitionRefused) as refused:
        advance(source, to=S.REJECTED, by=OFFICER_LI, opinion=opinion)
    assert refused.value.code == "OPINION_REQUIRED"
    assert refused.value.field == "opinion"


def test_a_rejection_keeps_the_opinion_for_the_applicant():
    step = advance(S.PREREVIEWED, to=S.REJECTED, by=OFFICER_LI, opinion="租赁合同未登记备案，请补充后重新申请")
    assert step.opinion == "租赁合同未登记备案，请补充后重新申请"
    assert step.label == "未通过"


@pytest.mark.parametrize("source", [S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED])
def test_the_applicant_may_cancel_before_approval(source):
    assert advance(source, to=S.CANCELLED, by=ZHANG_WEI).target is S.CANCELLED


def test_the_applicant_may_not_cancel_once_approved():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.APPROVED, to=S.CANCELLED, by=ZHANG_WEI)
    assert refused.value.code == "TRANSITION_NOT_ALLOWED"


def test_a_failed_funds_reservation_rejects_the_case_with_its_reason():
    step = reject_for_failed_reservation(S.APPROVED, "可用余额不足")
    assert (step.source, step.target, step.role, step.cause) == (
        S.APPROVED,
        S.REJECTED,
        SYSTEM,
        FUNDS_RESERVATION_FAILED,
    )
    assert step.opinion == "账户资金预留失败：可用余额不足"


def test_a_failed_payment_rejects_the_case_and_says_the_money_went_back():
    step = reject_for_failed_payment(S.APPROVED, "银行卡已销户")
    assert (step.target, step.cause) == (S.REJECTED, PAYMENT_FAILED)
    assert step.opinion == "银行付款失败：银行卡已销户。预留资金已退回您的公积金账户，请核对银行卡后重新申请"


def test_the_system_cannot_reject_before_approval():
    with pytest.raises(TransitionRefused) as refused:
        reject_for_failed_reservation(S.ACCEPTED, "可用余额不足")
    assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_an_officer_cannot_reject_an_approved_case_whose_money_is_moving():
    with pytest.raises(TransitionRefused) as refused:
        advance(S.APPROVED, to=S.REJECTED, by=OFFICER_LI, opinion="重新审核")
    assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_states_given_as_plain_strings_are_understood():
    step = advance("submitted", to="prereviewed", by=OFFICER_LI)
    assert (step.source, step.target) == (S.SUBMITTED, S.PREREVIEWED)
    with pytest.raises(TransitionRefused) as refused:
        advance("submitted", to="disbursed", by=OFFICER_LI)
    assert (refused.value.code, refused.value.detail) == ("UNKNOWN_STATE", "不存在的状态：disbursed")


def test_only_the_applicant_submits_and_only_an_officer_opens_a_case_at_the_counter():
    with pytest.raises(TransitionRefused):
        submit(OFFICER_LI)
    with pytest.raises(TransitionRefused) as refused:
        accept_at_counter(ZHANG_WEI)
    assert refused.value.detail == "只有提取业务经办人员可以在柜台受理提取申请"
