"""The withdrawal saga, withdrawals' side: accounts reserves the amount of an approved case, the bank pays it,
accounts debits it; a failed reservation rejects the case, a failed payment releases the reservation.

Duplicates and late events change nothing: each step checks the case's state and timeline first.
"""

import logging

from chassis.bus import Delivery
from services.accounts.events import FUNDS_RELEASED, FUNDS_RESERVED, RESERVATION_FAILED
from services.withdrawals import cases
from services.withdrawals.bank import bank_for
from services.withdrawals.domain.workflow import (
    SYSTEM_ACTOR,
    ApplicationState,
    advance,
    reject_for_failed_payment,
    reject_for_failed_reservation,
)
from services.withdrawals.events import PAYMENT_FAILED, handlers
from services.withdrawals.models import Application

log = logging.getLogger("withdrawals.saga")


@handlers.on(FUNDS_RESERVED, RESERVATION_FAILED, FUNDS_RELEASED, purpose="funds")
def follow_funds(delivery: Delivery) -> None:
    session = delivery.session
    case = session.get(Application, delivery.data["application_id"], with_for_update=True)
    if case is None:
        log.warning("funds event for an unknown application", extra={"event_type": delivery.event.type})
        return
    if delivery.event.type == FUNDS_RESERVED.type:
        pay_reserved(delivery, case)
    elif delivery.event.type == RESERVATION_FAILED.type:
        if case.state == ApplicationState.APPROVED and not cases.has_step(session, case, "funds_reserved"):
            cases.record(session, case, reject_for_failed_reservation(case.state, delivery.data["reason"]))
    elif not cases.has_step(session, case, "funds_released"):
        cases.note(session, case, "funds_released")


def pay_reserved(delivery: Delivery, case: Application) -> None:
    session = delivery.session
    if case.state == ApplicationState.APPROVED and not cases.has_step(session, case, "funds_reserved"):
        cases.note(session, case, "funds_reserved")
        result = bank_for(delivery.config).pay(case.bank_card, case.amount, case.application_no)
        if result.paid:
            case.payment_reference = result.reference
            cases.record(session, case, advance(case.state, to=ApplicationState.PAID, by=SYSTEM_ACTOR))
            return
        cases.record(session, case, reject_for_failed_payment(case.state, result.failure))
        delivery.publish(PAYMENT_FAILED, release_payload(case, result.failure))
    elif case.state in (ApplicationState.REJECTED, ApplicationState.CANCELLED) and not cases.has_step(
        session, case, "funds_reserved", "release_requested"
    ):
        # funds reserved for a case that ended meanwhile: hand them back rather than leave them held
        cases.note(session, case, "release_requested")
        delivery.publish(PAYMENT_FAILED, release_payload(case, "申请已终止"))


def release_payload(case: Application, why: str) -> dict:
    return {
        "application_id": case.id,
        "account_no": case.account_no,
        "id_number": case.id_number,
        "amount": case.amount,
        "reason": why,
    }
