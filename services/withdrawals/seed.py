"""Demo data: 张伟's and 李娜's withdrawal cases in several states, dated from today, and a booked appointment
for 张伟 on the next working morning (idempotent).

The cases are written as they would have happened (each step in the timeline, each event published), but no
case is left approved or paid: money moves only through the saga with accounts, never from demo data.
"""

import uuid
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus.outbox import history_at
from services.withdrawals.cases import applications as cases
from services.withdrawals.cases import booking
from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.reason_catalogue import catalogue_for
from services.withdrawals.domain.slots import slot_at
from services.withdrawals.domain.workflow import APPLICANT, ApplicationState, AppointmentState, Transition
from services.withdrawals.models import Application, Appointment

ZHANG = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
LI = {"account_no": "640300000002", "id_number": "64030219920720051X", "name": "李娜", "center": "wuzhong"}
_NS = uuid.UUID("6a1c6f3e-7d1b-4f4e-9a59-0c2b9f1d7e01")

S = ApplicationState


def _lease(opened: date) -> dict:
    start = date(opened.year, opened.month, 1) - timedelta(days=61)
    start = date(start.year, start.month, 1)
    end = date(start.year + 1, start.month, 1) - timedelta(days=1)
    return {"monthly_rent": "1500.00", "lease_start": start.isoformat(), "lease_end": end.isoformat()}


# person, key, reason, amount, card, fields from the day it was filed, steps (target, actor, role, opinion),
# days ago. The story agrees with the other seeds: 张伟 asked for rent money online before he bought his home
# (refused: the lease was not registered; accounts' demo has the rent paid at the counter a few weeks later),
# and now holds a fund loan (loans' demo), so nothing of his in progress is a purchase or a rent withdrawal: he
# cancelled an online illness withdrawal and booked a counter appointment for it instead.
DEMO_CASES = (
    (ZHANG, "rent-zhangwei", "07", "5400.00", "6222020200000000014",
     lambda opened: {**_lease(opened), "no_home_declared": "true"},
     ((S.PREREVIEWED, "staff:wofficer1", "withdrawal_officer", None),
      (S.REJECTED, "staff:wofficer1", "withdrawal_officer", "租赁合同未经登记备案，请补充备案后的租赁合同再申请")),
     760),
    (ZHANG, "illness-cancelled", "09", "8000.00", "6222020200000000014",
     lambda opened: {"patient_relationship": "父母", "expenses": "12000.00",
                     "diagnosis_date": (opened - timedelta(days=21)).isoformat()},
     ((S.CANCELLED, "demo:zhangwei01", APPLICANT, None),),
     120),
    (LI, "repayment-accepted", "06", "12000.00", "6222020200000000022",
     lambda opened: {"loan_contract_no": "WZ-HL-2021-00345", "loan_bank": "中国建设银行吴忠分行",
                     "loan_outstanding": "286000.00"},
     ((S.PREREVIEWED, "staff:wofficer2", "withdrawal_officer", None),
      (S.ACCEPTED, "staff:wofficer1", "withdrawal_officer", None)),
     6),
)  # fmt: skip


def seed(runtime) -> None:
    with runtime.db.transaction() as session:
        for person, key, reason, amount, card, fields, steps, days_ago in DEMO_CASES:
            _case(session, person, key, reason, Decimal(amount), card, fields, steps, days_ago)
        _appointment(session, runtime.config)


def _case(session: Session, person, key, reason_code, amount, card, fields_then, steps, days_ago) -> None:
    case_id = str(uuid.uuid5(_NS, key))
    if session.get(Application, case_id) is not None:
        return
    reason = catalogue_for(person["center"]).get(reason_code)
    opened = clock.now() - timedelta(days=days_ago)
    fields = fields_then(clock.day_of(opened))
    finished = steps and steps[-1][0] in (S.REJECTED, S.CANCELLED)
    case = Application(
        id=case_id,
        application_no=f"TQ{clock.day_of(opened):%Y%m%d}{int(uuid.uuid5(_NS, key)) % 10**6:06d}",
        **person,
        reason=reason.code,
        reason_name=reason.name,
        amount=amount,
        closes_account=reason.closes_account,
        bank_card=card,
        reason_fields=fields,
        reference=fields.get(reason.rules.frequency.reference_field or ""),
        state=S.SUBMITTED,
        in_progress_key=None if finished else person["account_no"],
        submitted_by=f"demo:{person['account_no']}",
        created_at=opened,
        updated_at=opened,
    )
    session.add(case)
    with history_at(opened):
        cases.record(session, case, Transition(None, S.SUBMITTED, case.submitted_by, APPLICANT, at=opened))
    state = S.SUBMITTED
    for index, (target, actor, role, opinion) in enumerate(steps, start=1):
        moment = opened + timedelta(hours=20 * index)
        if target == S.ACCEPTED:
            case.accepted_by = actor
        with history_at(moment):
            cases.record(session, case, Transition(state, target, actor, role, opinion=opinion, at=moment))
        state = target


def _appointment(session: Session, config) -> None:
    appointment_id = str(uuid.uuid5(_NS, "zhang-appointment"))
    if session.get(Appointment, appointment_id) is not None:
        return
    slot = _next_free_morning(config)
    if slot is None:
        return
    reason = catalogue_for(ZHANG["center"]).get("09")
    appointment = Appointment(
        id=appointment_id,
        **ZHANG,
        branch_code="yinchuan-01",
        branch_name="银川市民大厅公积金服务区",
        reason=reason.code,
        reason_name=reason.name,
        slot_start=clock.to_utc(slot.start),
        slot_end=clock.to_utc(slot.end),
        state=AppointmentState.BOOKED,
        active_key=f"{ZHANG['account_no']}:{reason.code}",
        created_at=clock.now(),
    )
    session.add(appointment)
    session.flush()
    booking.take_seat(session, appointment.branch_code, slot, appointment.id)


def _next_free_morning(config):
    today = clock.today()
    for offset in range(1, config.max_days_ahead + 1):
        try:
            return slot_at(today + timedelta(days=offset), time(9, 0), clock.now(), booking.slot_config(config))
        except RuleViolation:
            continue
    return None
