"""Demo data: 张伟's and 李娜's withdrawal cases in several states and a booked appointment for 张伟 (idempotent).

The cases are written as they would have happened (each step in the timeline, each event published), but no
case is left approved or paid: money moves only through the saga with accounts, never from demo data.
"""

import uuid
from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from services.withdrawals import booking, cases, clock
from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.reason_catalogue import catalogue_for
from services.withdrawals.domain.slots import slot_at
from services.withdrawals.domain.workflow import APPLICANT, ApplicationState, AppointmentState, Transition
from services.withdrawals.models import Application, Appointment

ZHANG = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
LI = {"account_no": "640300000002", "id_number": "64030219920720051X", "name": "李娜", "center": "wuzhong"}
_NS = uuid.UUID("6a1c6f3e-7d1b-4f4e-9a59-0c2b9f1d7e01")

S = ApplicationState
DEMO_CASES = (
    # person, key, reason, amount, card, fields, steps (target, actor, role, opinion), days ago
    (ZHANG, "rent-2025", "07", "5400.00", "6222020200000000014",
     {"monthly_rent": "1500.00", "lease_start": "2025-03-01", "lease_end": "2026-02-28", "no_home_declared": "true"},
     ((S.PREREVIEWED, "staff:wofficer1", "withdrawal_officer", None),
      (S.REJECTED, "staff:wofficer1", "withdrawal_officer", "租赁合同未经登记备案，请补充备案后的租赁合同再申请")),
     300),
    (ZHANG, "illness-cancelled", "09", "8000.00", "6222020200000000014",
     {"patient_relationship": "父母", "expenses": "12000.00", "diagnosis_date": "2026-01-10"},
     ((S.CANCELLED, "demo:zhangwei01", APPLICANT, None),),
     120),
    (ZHANG, "purchase-submitted", "01", "60000.00", "6222020200000000014",
     {"contract_no": "YC-2026-018812", "house_price": "860000.00", "purchase_date": "2026-08-18"},
     (),
     2),
    (LI, "repayment-accepted", "06", "12000.00", "6222020200000000022",
     {"loan_contract_no": "WZ-HL-2021-00345", "loan_bank": "中国建设银行吴忠分行", "loan_outstanding": "286000.00"},
     ((S.PREREVIEWED, "staff:wofficer2", "withdrawal_officer", None),
      (S.ACCEPTED, "staff:wofficer1", "withdrawal_officer", None)),
     6),
)  # fmt: skip


def seed(runtime) -> None:
    with runtime.db.transaction() as session:
        for person, key, reason, amount, card, fields, steps, days_ago in DEMO_CASES:
            _case(session, person, key, reason, Decimal(amount), card, fields, steps, days_ago)
        _appointment(session, runtime.config)


def _case(session: Session, person, key, reason_code, amount, card, fields, steps, days_ago) -> None:
    case_id = str(uuid.uuid5(_NS, key))
    if session.get(Application, case_id) is not None:
        return
    reason = catalogue_for(person["center"]).get(reason_code)
    opened = clock.now() - timedelta(days=days_ago)
    finished = steps and steps[-1][0] in (S.REJECTED, S.CANCELLED)
    case = Application(
        id=case_id,
        application_no=f"TQ{clock.today_in_china(opened):%Y%m%d}{int(uuid.uuid5(_NS, key)) % 10**6:06d}",
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
    cases.record(session, case, Transition(None, S.SUBMITTED, case.submitted_by, APPLICANT, at=opened))
    state = S.SUBMITTED
    for index, (target, actor, role, opinion) in enumerate(steps, start=1):
        moment = opened + timedelta(hours=20 * index)
        if target == S.ACCEPTED:
            case.accepted_by = actor
        cases.record(session, case, Transition(state, target, actor, role, opinion=opinion, at=moment))
        state = target


def _appointment(session: Session, config) -> None:
    appointment_id = str(uuid.uuid5(_NS, "zhang-appointment"))
    if session.get(Appointment, appointment_id) is not None:
        return
    slot = _next_free_morning(config)
    if slot is None:
        return
    reason = catalogue_for(ZHANG["center"]).get("03")
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
    today = clock.today_in_china()
    for offset in range(1, config.max_days_ahead + 1):
        try:
            return slot_at(today + timedelta(days=offset), time(9, 0), clock.now(), booking.slot_config(config))
        except RuleViolation:
            continue
    return None
