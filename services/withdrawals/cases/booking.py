"""Appointments at a branch: places left per slot, booking a seat, cancelling, attending, missed, reminders.

A booking takes a numbered seat of its slot; (branch, slot start, seat number) is unique, so concurrent
bookings can never put more people in a slot than it has places. A clash on a seat is retried on another free
seat inside a savepoint; when none is left the slot is full.
"""

import random
import uuid
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from services.withdrawals.adapters.directory import Branch
from services.withdrawals.cases import applications as cases
from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.reason_catalogue import catalogue_for
from services.withdrawals.domain.slots import Slot, SlotConfig, slot_at, slots_for
from services.withdrawals.domain.workflow import (
    APPLICANT,
    APPOINTMENT_ATTENDED,
    SYSTEM_ACTOR,
    Actor,
    AppointmentState,
    accept_at_counter,
    advance_appointment,
)
from services.withdrawals.events import APPOINTMENT_EVENTS
from services.withdrawals.models import Applicant, Appointment, SlotSeat


def slot_config(config) -> SlotConfig:
    return SlotConfig(places_per_slot=config.places_per_slot, max_days_ahead=config.max_days_ahead)


def open_slots(session: Session, branch: Branch, day: date, config) -> list[tuple[Slot, int]]:
    """The bookable slots of a day with the places still free in each."""
    slots = slots_for(day, clock.now(), slot_config(config))
    starts = [clock.to_utc(slot.start) for slot in slots]
    taken = dict(
        session.execute(
            select(SlotSeat.slot_start, func.count())
            .where(SlotSeat.branch_code == branch.code, SlotSeat.slot_start.in_(starts))
            .group_by(SlotSeat.slot_start)
        ).all()
    )
    taken = {start: count for start, count in taken.items()}
    return [(slot, max(slot.capacity - taken.get(clock.to_utc(slot.start), 0), 0)) for slot in slots]


def book(
    session: Session, applicant: Applicant, branch: Branch, reason_code: str, day: date, start: time, config
) -> Appointment:
    reason = catalogue_for(applicant.center).get(reason_code)
    if reason is None or not reason.enabled:
        raise RuleViolation("REASON_UNKNOWN", f"不存在的提取事由：{reason_code}", field="reason")
    slot = slot_at(day, start, clock.now(), slot_config(config))
    appointment = Appointment(
        id=str(uuid.uuid4()),
        account_no=applicant.account_no,
        id_number=applicant.id_number,
        name=applicant.name,
        center=applicant.center,
        branch_code=branch.code,
        branch_name=branch.name,
        reason=reason.code,
        reason_name=reason.name,
        slot_start=clock.to_utc(slot.start),
        slot_end=clock.to_utc(slot.end),
        state=AppointmentState.BOOKED,
        active_key=f"{applicant.account_no}:{reason.code}",
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(appointment)
    except IntegrityError:
        detail = f"您已预约办理“{reason.name}”提取，请按时到场或先取消原预约"
        raise RuleViolation("APPOINTMENT_EXISTS", detail) from None
    take_seat(session, branch.code, slot, appointment.id)
    publish(session, APPOINTMENT_EVENTS["booked"], appointment_payload(appointment))
    return appointment


def take_seat(session: Session, branch_code: str, slot: Slot, appointment_id: str) -> None:
    start = clock.to_utc(slot.start)
    for _attempt in range(slot.capacity * 4):
        taken = set(
            session.scalars(
                select(SlotSeat.seat_no).where(SlotSeat.branch_code == branch_code, SlotSeat.slot_start == start)
            )
        )
        free = [seat for seat in range(1, slot.capacity + 1) if seat not in taken]
        if not free:
            raise RuleViolation("SLOT_FULL", f"{slot.day.isoformat()} {slot.label}时段已约满，请选择其他时段")
        try:
            with session.begin_nested():
                # a random free seat: racing bookings rarely pick the same one
                session.add(
                    SlotSeat(
                        branch_code=branch_code,
                        slot_start=start,
                        seat_no=random.choice(free),
                        appointment_id=appointment_id,
                    )
                )
            return
        except IntegrityError:
            continue
    raise RuleViolation("SLOT_BUSY", "该时段预约人数较多，请稍后重试")


def slot_of(appointment: Appointment) -> Slot:
    start = clock.to_china(appointment.slot_start)
    return Slot(start=start, end=clock.to_china(appointment.slot_end), capacity=0)


def move(session: Session, appointment: Appointment, to: AppointmentState, by: Actor) -> None:
    """Cancel, attend or mark missed, as the workflow allows; the seat is freed on cancel."""
    advance_appointment(appointment.state, to=to, by=by, slot=slot_of(appointment), now=clock.now())
    appointment.state = to
    appointment.active_key = None
    if to is AppointmentState.CANCELLED:
        seat = session.scalar(select(SlotSeat).where(SlotSeat.appointment_id == appointment.id))
        if seat is not None:
            session.delete(seat)
    publish(session, APPOINTMENT_EVENTS[to.value], appointment_payload(appointment))


def cancel(session: Session, appointment: Appointment, caller_sub: str) -> None:
    move(session, appointment, AppointmentState.CANCELLED, Actor(caller_sub, frozenset({APPLICANT})))


def attend(
    session: Session, appointment: Appointment, applicant: Applicant, body: dict, officer: Actor, grace_days: int = 0
):
    """The depositor came: the counter opens the case as accepted, with the figures taken there."""
    move(session, appointment, AppointmentState.ATTENDED, officer)
    first = accept_at_counter(officer, at=clock.now(), cause=APPOINTMENT_ATTENDED)
    body = {**body, "reason": appointment.reason}
    case = cases.submit(session, applicant, body, officer.user_id, first=first, grace_days=grace_days)
    case.appointment_id = appointment.id
    appointment.application_id = case.id
    return case


def mark_missed(session: Session) -> int:
    """Booked appointments whose slot has ended without anyone coming become missed."""
    overdue = session.scalars(
        select(Appointment)
        .where(Appointment.state == AppointmentState.BOOKED, Appointment.slot_end <= clock.now())
        .with_for_update(skip_locked=True)
    ).all()
    for appointment in overdue:
        move(session, appointment, AppointmentState.MISSED, SYSTEM_ACTOR)
    return len(overdue)


def send_reminders(session: Session, today: date | None = None) -> int:
    """Tell the depositors booked for tomorrow (once per appointment)."""
    today = today or clock.today()
    begin = clock.start_of_day(today + timedelta(days=1))
    due = session.scalars(
        select(Appointment).where(
            Appointment.state == AppointmentState.BOOKED,
            Appointment.slot_start >= clock.to_utc(begin),
            Appointment.slot_start < clock.to_utc(begin + timedelta(days=1)),
            Appointment.reminded_on.is_(None),
        )
    ).all()
    for appointment in due:
        appointment.reminded_on = today
        publish(session, APPOINTMENT_EVENTS["reminder_due"], appointment_payload(appointment))
    return len(due)


def materials_of(appointment: Appointment) -> list[dict]:
    reason = catalogue_for(appointment.center).get(appointment.reason)
    return [{"name": item.name, "note": item.note} for item in reason.materials] if reason else []


def appointment_payload(appointment: Appointment) -> dict:
    return {
        "appointment_id": appointment.id,
        "account_no": appointment.account_no,
        "id_number": appointment.id_number,
        "center": appointment.center,
        "branch_code": appointment.branch_code,
        "branch_name": appointment.branch_name,
        "reason": appointment.reason,
        "reason_name": appointment.reason_name,
        "slot_start": clock.to_china(appointment.slot_start),
        "slot_end": clock.to_china(appointment.slot_end),
        "materials": [item["name"] for item in materials_of(appointment)],
    }
