"""How withdrawal cases and appointments are shown: to the depositor through the API and to staff."""

from datetime import datetime

from chassis import clock
from chassis.pii import mask_bank_card
from services.withdrawals.cases import applications as cases
from services.withdrawals.cases.booking import materials_of
from services.withdrawals.domain.workflow import (
    APPLICATION_LABELS,
    APPOINTMENT_LABELS,
    ApplicationState,
    AppointmentState,
    allowed_targets,
    applicant_may_cancel,
    steps_ahead,
)
from services.withdrawals.models import Application


def stamp(moment: datetime | None) -> str | None:
    return clock.to_china(moment).isoformat(timespec="seconds") if moment else None


def application_out(case, timeline=None, staff: bool = False, allowed=()) -> dict:
    out = {
        "id": case.id,
        "application_no": case.application_no,
        "reason": case.reason,
        "reason_name": case.reason_name,
        "amount": case.amount,
        "closes_account": case.closes_account,
        "bank_card": mask_bank_card(case.bank_card),
        "fields_": case.reason_fields,
        "status": case.state,
        "status_label": APPLICATION_LABELS[ApplicationState(case.state)],
        "can_cancel": applicant_may_cancel(case.state),
        "steps_ahead": [
            {"state": state.value, "label": APPLICATION_LABELS[state]} for state in steps_ahead(case.state)
        ],
        "opinion": case.opinion,
        "appointment_id": case.appointment_id,
        "created_at": stamp(case.created_at),
        "updated_at": stamp(case.updated_at),
    }
    if timeline is not None:
        out["timeline"] = [
            {
                "step": step.step,
                "label": step.label,
                "at": stamp(step.at),
                "opinion": step.opinion,
                # depositors see who acted by role, never a staff member's user name
                "by": step.actor_id if staff else {"applicant": "本人", "system": "系统"}.get(step.role, "经办人员"),
            }
            for step in timeline
        ]
    if staff:
        out.update(
            account_no=case.account_no,
            name=case.name,
            center=case.center,
            accepted_by=case.accepted_by,
            allowed=list(allowed),
        )
    return out


def staff_view(session, case: Application, caller) -> dict:
    allowed = allowed_targets(case.state, cases.staff_actor(caller), cases.history_of(session, case))
    return application_out(case, cases.timeline_of(session, case), staff=True, allowed=[a.value for a in allowed])


def appointment_out(appointment) -> dict:
    return {
        "id": appointment.id,
        "branch_code": appointment.branch_code,
        "branch_name": appointment.branch_name,
        "reason": appointment.reason,
        "reason_name": appointment.reason_name,
        "slot_start": stamp(appointment.slot_start),
        "slot_end": stamp(appointment.slot_end),
        "status": appointment.state,
        "status_label": APPOINTMENT_LABELS[AppointmentState(appointment.state)],
        # a booking may be cancelled until its slot starts (workflow.advance_appointment refuses later)
        "can_cancel": AppointmentState(appointment.state) is AppointmentState.BOOKED
        and clock.to_china(clock.now()) < clock.to_china(appointment.slot_start),
        "application_id": appointment.application_id,
        "materials": materials_of(appointment),
    }


def entrusted_out(signup) -> dict:
    from chassis.pii import mask_bank_card, mask_name
    from services.withdrawals.cases.entrusted import STATE_LABELS

    return {
        "id": signup.id,
        "loan_id": signup.loan_id,
        "contract_no": signup.contract_no,
        "account_no": signup.account_no,
        "include_spouse": signup.spouse_account_no is not None,
        "spouse_name": mask_name(signup.spouse_name) if signup.spouse_name else None,
        "spouse_account_no": mask_bank_card(signup.spouse_account_no) if signup.spouse_account_no else None,
        "status": signup.state,
        "status_label": STATE_LABELS[signup.state],
        "created_at": stamp(signup.created_at),
        "ended_at": stamp(signup.ended_at),
    }
