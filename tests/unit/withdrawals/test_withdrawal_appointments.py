"""The appointment workflow: booked → attended, missed or cancelled, each at its proper time."""

import itertools
from datetime import date, datetime, time

import pytest

from services.withdrawals.domain.errors import TransitionRefused
from services.withdrawals.domain.slots import slot_at
from services.withdrawals.domain.workflow import (
    APPLICANT,
    APPOINTMENT_LABELS,
    APPOINTMENT_MOVES,
    SYSTEM,
    SYSTEM_ACTOR,
    WITHDRAWAL_OFFICER,
    Actor,
    AppointmentState,
    advance_appointment,
)

A = AppointmentState
ZHANG_WEI = Actor("u-zhangwei", {APPLICANT})
OFFICER_LI = Actor("staff-li", {WITHDRAWAL_OFFICER})
EVERYONE = Actor("superuser", {APPLICANT, WITHDRAWAL_OFFICER, SYSTEM})
SLOT = slot_at(date(2026, 6, 16), time(10, 0), datetime(2026, 6, 15, 8, 0))  # Tuesday 10:00-11:00


def test_appointment_states_carry_their_chinese_labels():
    assert {state.value: label for state, label in APPOINTMENT_LABELS.items()} == {
        "booked": "已预约",
        "attended": "已到场受理",
        "missed": "爽约",
        "cancelled": "已取消",
    }


def test_the_applicant_cancels_before_the_slot_starts():
    step = advance_appointment(A.BOOKED, to=A.CANCELLED, by=ZHANG_WEI, slot=SLOT, now=datetime(2026, 6, 16, 9, 59))
    assert (step.target, step.role, step.label) == (A.CANCELLED, APPLICANT, "已取消")


def test_cancelling_once_the_slot_has_started_is_refused():
    with pytest.raises(TransitionRefused) as refused:
        advance_appointment(A.BOOKED, to=A.CANCELLED, by=ZHANG_WEI, slot=SLOT, now=datetime(2026, 6, 16, 10, 0))
    assert (refused.value.code, refused.value.detail) == (
        "CANCEL_TOO_LATE",
        "预约时段10:00-11:00已开始，不能再取消预约",
    )


def test_the_system_marks_missed_only_after_the_slot_ends():
    with pytest.raises(TransitionRefused) as refused:
        advance_appointment(A.BOOKED, to=A.MISSED, by=SYSTEM_ACTOR, slot=SLOT, now=datetime(2026, 6, 16, 10, 59))
    assert refused.value.code == "NOT_YET_MISSED"
    step = advance_appointment(A.BOOKED, to=A.MISSED, by=SYSTEM_ACTOR, slot=SLOT, now=datetime(2026, 6, 16, 11, 0))
    assert step.label == "爽约"


def test_the_counter_receives_the_applicant_on_the_day_before_the_slot_ends():
    early = advance_appointment(A.BOOKED, to=A.ATTENDED, by=OFFICER_LI, slot=SLOT, now=datetime(2026, 6, 16, 9, 40))
    assert (early.target, early.actor_id) == (A.ATTENDED, "staff-li")
    late = advance_appointment(A.BOOKED, to=A.ATTENDED, by=OFFICER_LI, slot=SLOT, now=datetime(2026, 6, 16, 10, 55))
    assert late.target is A.ATTENDED


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (datetime(2026, 6, 15, 15, 0), "NOT_APPOINTMENT_DAY"),
        (datetime(2026, 6, 16, 11, 0), "APPOINTMENT_MISSED"),
    ],
)
def test_the_counter_cannot_receive_an_appointment_on_another_day_or_after_it(now, code):
    with pytest.raises(TransitionRefused) as refused:
        advance_appointment(A.BOOKED, to=A.ATTENDED, by=OFFICER_LI, slot=SLOT, now=now)
    assert refused.value.code == code


LEGAL = {(move.source, move.target) for move in APPOINTMENT_MOVES}
ILLEGAL = [pair for pair in itertools.product(A, A) if pair not in LEGAL]


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=lambda s: s.value)
def test_every_illegal_appointment_transition_is_refused(source, target):
    with pytest.raises(TransitionRefused) as refused:
        advance_appointment(source, to=target, by=EVERYONE, slot=SLOT, now=datetime(2026, 6, 16, 10, 30))
    expected = "TRANSITION_NOT_ALLOWED" if source is A.BOOKED else "ALREADY_FINISHED"
    assert refused.value.code == expected


@pytest.mark.parametrize(
    ("target", "actor"),
    [(A.CANCELLED, OFFICER_LI), (A.MISSED, OFFICER_LI), (A.ATTENDED, ZHANG_WEI), (A.ATTENDED, SYSTEM_ACTOR)],
)
def test_each_appointment_step_belongs_to_one_role(target, actor):
    with pytest.raises(TransitionRefused) as refused:
        advance_appointment(A.BOOKED, to=target, by=actor, slot=SLOT, now=datetime(2026, 6, 16, 12, 0))
    assert refused.value.code == "ROLE_NOT_ALLOWED"
