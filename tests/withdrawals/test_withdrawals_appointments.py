"""Appointments: places left per slot, booking with materials, one per reason, cancel, missed, reminders,
attending at the counter, and no slot ever overbooked however many book at once."""

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import update

from chassis import clock
from chassis.bus import publish
from chassis.clock import CHINA_TIME
from chassis.testing import wait_until
from services.accounts.events import DEPOSITOR_REGISTERED
from services.withdrawals.models import Applicant, Appointment
from tests.withdrawals.conftest import ZHANG_CARD, next_bookable_day

ACCOUNT = "640100000001"
BRANCH = "yinchuan-01"


def _book(desk, account_no=ACCOUNT, reason="07", day=None, start="09:00"):
    body = {
        "branch_code": BRANCH,
        "reason": reason,
        "date": (day or next_bookable_day(None)).isoformat(),
        "start": start,
    }
    return desk.client.post("/api/v1/withdrawals/appointments", json=body, headers=desk.depositor(account_no))


def _slots(desk, day):
    response = desk.client.get(f"/api/v1/withdrawals/branches/{BRANCH}/slots?date={day.isoformat()}")
    assert response.status_code == 200, response.get_json()
    return {item["label"]: item["places_left"] for item in response.get_json()["items"]}


def test_booking_answers_with_materials_and_takes_a_place(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT, months=0)
    day = next_bookable_day(None)
    assert _slots(desk, day)["09:00-10:00"] == 5
    booked = _book(desk, day=day)
    assert booked.status_code == 201, booked.get_json()
    appointment = booked.get_json()
    assert appointment["status"] == "booked" and appointment["branch_name"] and appointment["can_cancel"] is True
    assert "本人身份证" in [item["name"] for item in appointment["materials"]]
    assert _slots(desk, day)["09:00-10:00"] == 4
    again = _book(desk, day=day, start="10:00")
    assert again.status_code == 409 and again.get_json()["code"] == "APPOINTMENT_EXISTS"
    assert _book(desk, reason="03", day=day, start="10:00").status_code == 201  # another reason is fine

    cancelled = desk.client.delete(
        f"/api/v1/withdrawals/appointments/{appointment['id']}", headers=desk.depositor(ACCOUNT)
    )
    assert cancelled.get_json()["status"] == "cancelled" and cancelled.get_json()["can_cancel"] is False
    assert _slots(desk, day)["09:00-10:00"] == 5
    assert _book(desk, day=day).status_code == 201  # the reason is free again


def test_days_that_cannot_be_booked_are_explained(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT, months=0)
    today = clock.today()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    problem = desk.client.get(f"/api/v1/withdrawals/branches/{BRANCH}/slots?date={saturday}").get_json()
    assert problem["code"] in ("NOT_A_WORKING_DAY", "HOLIDAY")
    far = today + timedelta(days=40)
    assert _book(desk, day=far).get_json()["code"] == "TOO_FAR_AHEAD"
    assert desk.client.get("/api/v1/withdrawals/branches/nowhere/slots?date=2026-12-01").status_code == 404


def test_other_peoples_appointments_are_not_theirs_to_cancel(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT, months=0)
    appointment = _book(desk).get_json()
    stranger = desk.depositor("640300000002", center="wuzhong")
    assert (
        desk.client.delete(f"/api/v1/withdrawals/appointments/{appointment['id']}", headers=stranger).status_code == 404
    )


def test_unattended_past_appointments_become_missed_and_tomorrows_are_reminded(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT, months=0)
    past = _book(desk, reason="07").get_json()
    soon = _book(desk, reason="03").get_json()
    tomorrow = clock.today() + timedelta(days=1)
    with desk.runtime.db.transaction() as session:
        yesterday_start = clock.to_utc(datetime.combine(tomorrow - timedelta(days=2), time(9), CHINA_TIME))
        session.execute(
            update(Appointment)
            .where(Appointment.id == past["id"])
            .values(slot_start=yesterday_start, slot_end=yesterday_start + timedelta(hours=1))
        )
        tomorrow_start = clock.to_utc(datetime.combine(tomorrow, time(9), CHINA_TIME))
        session.execute(
            update(Appointment)
            .where(Appointment.id == soon["id"])
            .values(slot_start=tomorrow_start, slot_end=tomorrow_start + timedelta(hours=1))
        )
    # a booking whose slot has begun can no longer be cancelled, and the page is told so
    listed = desk.client.get("/api/v1/withdrawals/appointments", headers=desk.depositor(ACCOUNT)).get_json()
    assert {item["id"]: item["can_cancel"] for item in listed["items"]} == {past["id"]: False, soon["id"]: True}
    cli = desk.hall.apps["withdrawals"].test_cli_runner()
    assert "1 appointment(s) marked missed" in cli.invoke(args=["mark-missed"]).output
    assert "1 reminder(s) due" in cli.invoke(args=["send-reminders"]).output
    assert "0 reminder(s) due" in cli.invoke(args=["send-reminders"]).output  # once per appointment
    mine = desk.client.get("/api/v1/withdrawals/appointments", headers=desk.depositor(ACCOUNT)).get_json()
    assert {item["id"]: item["status"] for item in mine["items"]} == {past["id"]: "missed", soon["id"]: "booked"}
    assert len(desk.sent("withdrawals.appointment.missed")) == 1
    assert len(desk.sent("withdrawals.appointment.reminder_due")) == 1


def test_attending_turns_the_appointment_into_an_accepted_case(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT, months=12)
    appointment = _book(desk, reason="07").get_json()
    today_start = clock.now_in_china().replace(microsecond=0) - timedelta(minutes=5)
    with desk.runtime.db.transaction() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == appointment["id"])
            .values(slot_start=clock.to_utc(today_start), slot_end=clock.to_utc(today_start + timedelta(hours=1)))
        )
    from tests.withdrawals.conftest import rent_body

    body = {key: value for key, value in rent_body().items() if key != "reason"}
    response = desk.client.post(
        f"/api/v1/withdrawals/staff/appointments/{appointment['id']}/attend", json=body, headers=desk.staff("wofficer1")
    )
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["status"] == "accepted" and case["accepted_by"] == "staff:wofficer1"
    assert case["appointment_id"] == appointment["id"] and case["bank_card"].endswith(ZHANG_CARD[-4:])
    assert desk.move(case["id"], "approved", "wofficer1").get_json()["code"] == "FOUR_EYES"


def test_fifty_concurrent_bookings_for_five_places_give_exactly_five(desk):
    desk = desk("real")
    accounts = [f"6401000{index:05d}" for index in range(50)]
    with desk.runtime.db.transaction() as session:
        for account_no in accounts:
            publish(session, DEPOSITOR_REGISTERED, _registration(account_no))

    def all_known():
        with desk.runtime.db.transaction() as session:
            return session.query(Applicant).count() == 50

    wait_until(all_known, timeout=30, what="50 depositors known")
    day = next_bookable_day(None)
    answers: list[int] = []
    gate = threading.Barrier(50)

    def book(account_no: str) -> None:
        client = desk.hall.client("withdrawals")
        gate.wait()
        body = {"branch_code": BRANCH, "reason": "07", "date": day.isoformat(), "start": "14:30"}
        answers.append(
            client.post("/api/v1/withdrawals/appointments", json=body, headers=desk.depositor(account_no)).status_code
        )

    threads = [threading.Thread(target=book, args=(account_no,)) for account_no in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers).count(201) == 5 and len(answers) == 50
    assert set(answers) == {201, 409}
    assert _slots(desk, day)["14:30-15:30"] == 0


def _registration(account_no: str) -> dict:
    return {
        "depositor_id": f"d-{account_no}",
        "center": "yinchuan",
        "id_number": "640105198506153219",
        "name": "测试",
        "mobile": "13895000001",
        "account_no": account_no,
        "employer_name": "宁夏测试有限公司",
        "status": "normal",
        "deposit_base": Decimal("5000.00"),
        "monthly_amount": Decimal("1200.00"),
        "balance": Decimal("10000.00"),
        "opened_on": date(2020, 1, 1),
    }
