"""Which notice each consumed event is, and how the producer's contract fields fill its template.

A builder gets the loaded payload and the envelope and answers a `Notice` (or None: nothing to tell the user).
The depositor's name and mobile are not in the business events: the handler adds them from the recipients
replica, so builders leave `name` out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from chassis import clock
from chassis.bus import Envelope, EventContract
from services.accounts.events import ACCOUNT_CREDITED
from services.accounts.events import CERTIFICATE_ISSUED as ACCOUNT_CERTIFICATE_ISSUED
from services.identity.events import PASSWORD_CHANGED, PASSWORD_RESET, SMS_REQUESTED, USER_REGISTERED
from services.loans.events import (
    APPLICATION_EVENTS as LOAN_APPLICATION_EVENTS,
)
from services.loans.events import CERTIFICATE_ISSUED as LOAN_CERTIFICATE_ISSUED
from services.loans.events import (
    ENTRUSTED_WITHDRAWAL_FAILED,
    LOAN_DISBURSED,
    LOAN_OVERDUE,
    LOAN_PAID_OFF,
    REPAYMENT_DUE,
    REPAYMENT_POSTED,
)
from services.notifications.domain.templates import TEMPLATES
from services.withdrawals.events import APPLICATION_EVENTS as WITHDRAWAL_APPLICATION_EVENTS
from services.withdrawals.events import APPOINTMENT_EVENTS, ENTRUSTED_EVENTS

CODE_VALID_MINUTES = 5  # identity's rule (DOMAIN.md); used when the request does not say
NO_OPINION = "详见网上业务大厅办理进度"
NO_MATERIALS = ["详见办事指南"]
# a withdrawal's states the applicant hears about (cancelled: they did it themselves)
WITHDRAWAL_NOTICE_STATES = ("submitted", "prereviewed", "accepted", "approved", "rejected", "paid")


@dataclass(frozen=True)
class Notice:
    template: str
    params: dict[str, Any]
    account_no: str | None = None
    id_number: str | None = None
    # only codes name their number; every other notice goes to the mobile reserved at the centre
    mobile: str | None = None
    needs_name: bool = True
    # the business date of what happened, when the event carries one: history (a replayed or imported
    # ledger) is not news, and nobody wants a text about a deposit of three years ago
    happened_on: date | None = None


Builder = Callable[[dict[str, Any], Envelope], Notice | None]


def _of_account(template: str, data: dict[str, Any], happened_on: date | None = None, **params: Any) -> Notice:
    return Notice(
        template, params, account_no=data.get("account_no"), id_number=data.get("id_number"), happened_on=happened_on
    )


def sms_code(data: dict[str, Any], _envelope: Envelope) -> Notice:
    requested = data["template"]
    template = requested if requested in TEMPLATES and requested.startswith("sms_code.") else None
    template = template or f"sms_code.{data['purpose']}"
    params = data.get("params") or {}
    minutes = params.get("valid_minutes") or params.get("minutes") or CODE_VALID_MINUTES
    return Notice(
        template,
        {"code": params.get("code"), "valid_minutes": minutes},
        account_no=data.get("account_no"),
        mobile=data["mobile"],
        needs_name=False,
    )


def welcome(data: dict[str, Any], _envelope: Envelope) -> Notice:
    return _of_account("user.welcome", data, username=data["username"])


def password_changed(data: dict[str, Any], envelope: Envelope) -> Notice:
    return _of_account("user.password_changed", data, changed_at=clock.to_china(envelope.occurred_at))


def password_reset(data: dict[str, Any], envelope: Envelope) -> Notice:
    return _of_account("user.password_reset", data, reset_at=clock.to_china(envelope.occurred_at))


def loan_application(data: dict[str, Any], _envelope: Envelope) -> Notice | None:
    state = data["state"]
    # disbursed: loans.loan.disbursed tells the amounts and dates; cancelled: the applicant did it themselves
    if state in ("disbursed", "cancelled"):
        return None
    return _of_account(
        f"loan.{state}",
        data,
        application_no=data["application_no"],
        materials=list(data.get("materials") or NO_MATERIALS),
        amount=data["amount"],
        term_months=data["term_months"],
        opinion=data.get("opinion") or NO_OPINION,
    )


def loan_disbursed(data: dict[str, Any], _envelope: Envelope) -> Notice:
    return _of_account(
        "loan.disbursed",
        data,
        happened_on=data["disbursed_on"],
        amount=data["amount"],
        disbursed_on=data["disbursed_on"],
        first_due_date=data["first_due_date"],
        monthly_payment=data["monthly_payment"],
    )


def repayment_posted(data: dict[str, Any], _envelope: Envelope) -> Notice:
    if data.get("fund_amount") and data["fund_amount"] > 0:
        return _of_account(
            "repayment.posted_entrusted",
            data,
            happened_on=data["paid_on"],
            period=data["period"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            fund_amount=data["fund_amount"],
            card_amount=data.get("card_amount") or 0,
            remaining=data["remaining"],
        )
    return _of_account(
        "repayment.posted",
        data,
        happened_on=data["paid_on"],
        period=data["period"],
        amount=data["amount"],
        paid_on=data["paid_on"],
        principal=data["principal"],
        interest=data["interest"],
        remaining=data["remaining"],
    )


def repayment_due(data: dict[str, Any], _envelope: Envelope) -> Notice:
    return _of_account("repayment.due", data, period=data["period"], amount=data["amount"], due_date=data["due_date"])


def loan_overdue(data: dict[str, Any], _envelope: Envelope) -> Notice:
    return _of_account("loan.overdue", data, overdue_amount=data["amount_due"], due_date=data["due_date"])


def loan_paid_off(data: dict[str, Any], _envelope: Envelope) -> Notice:
    return _of_account(
        "loan.paid_off",
        data,
        happened_on=data["paid_off_on"],
        contract_no=data["contract_no"],
        paid_off_on=data["paid_off_on"],
    )


def entrusted_failed(data: dict[str, Any], _envelope: Envelope) -> Notice:
    params = {"period": data["period"], "amount": data["amount"], "reason": data["reason"]}
    if data.get("retry_on"):  # sent with will_retry
        return _of_account("entrusted.retrying", data, retry_on=data["retry_on"], **params)
    return _of_account("entrusted.gave_up", data, **params)


def entrusted_signup(data: dict[str, Any], envelope: Envelope) -> Notice | None:
    what = envelope.type.rsplit(".", 1)[1]
    if what == "ended":
        return None  # loans.loan.paid_off tells the borrower
    extra = {"with_spouse": "（含配偶账户）" if data.get("spouse_account_no") else ""} if what == "signed_up" else {}
    return _of_account(f"entrusted.{what}", data, contract_no=data.get("contract_no") or "", **extra)


def withdrawal_application(data: dict[str, Any], envelope: Envelope) -> Notice | None:
    if data.get("for_loan"):
        return None  # a fund deduction for a loan: loans' own messages tell the borrower (prepayment, instalment)
    return _of_account(
        f"withdrawal.{data['state']}",
        data,
        application_no=data["application_no"],
        reason=data["reason_name"],
        amount=data["amount"],
        bank_card_last4=data["bank_card_last4"],
        opinion=data.get("opinion") or NO_OPINION,
        materials=list(data.get("materials") or NO_MATERIALS),
        paid_on=clock.to_china(envelope.occurred_at).date(),
    )


def appointment(data: dict[str, Any], envelope: Envelope) -> Notice:
    start, end = clock.to_china(data["slot_start"]), clock.to_china(data["slot_end"])
    template = {"reminder_due": "appointment.reminder"}.get(envelope.type.rsplit(".", 1)[1])
    return _of_account(
        template or f"appointment.{envelope.type.rsplit('.', 1)[1]}",
        data,
        date=start.date(),
        time_slot=f"{start:%H:%M}-{end:%H:%M}",
        branch_name=data["branch_name"],
        reason=data["reason_name"],
        materials=list(data.get("materials") or NO_MATERIALS),
    )


def account_credited(data: dict[str, Any], _envelope: Envelope) -> Notice | None:
    posted_on = data["posted_on"]
    if data["kind"] == "regular_deposit":
        month = data.get("month") or f"{posted_on:%Y-%m}"
        return _of_account(
            "deposit.posted", data, happened_on=posted_on, month=month, amount=data["amount"], balance=data["balance"]
        )
    if data["kind"] == "interest":
        # the fund year runs 1 July - 30 June; interest is settled at its end
        ends = posted_on.year if posted_on.month <= 7 else posted_on.year + 1
        return _of_account(
            "interest.settled",
            data,
            happened_on=posted_on,
            fund_year=f"{ends - 1}-{ends}",
            interest=data["amount"],
            settled_on=posted_on,
            balance=data["balance"],
        )
    return None  # supplementary deposits and the like: in the statement, not worth a text


def certificate_issued(data: dict[str, Any], _envelope: Envelope) -> Notice:
    """A certificate issued in the hall: a message in the message centre (the template sends no text)."""
    return _of_account(
        "certificate.issued",
        data,
        happened_on=clock.day_of(data["issued_at"]),
        title=data["title"],
        code=data["verification_code"],
        expires_on=clock.day_of(data["expires_at"]),
    )


def _by_type(contracts: list[EventContract], builder: Builder) -> dict[str, tuple[EventContract, Builder]]:
    return {contract.type: (contract, builder) for contract in contracts}


# every business event a depositor hears about, with its contract and builder
BUSINESS_NOTICES: dict[str, tuple[EventContract, Builder]] = {
    **_by_type([USER_REGISTERED], welcome),
    **_by_type([PASSWORD_CHANGED], password_changed),
    **_by_type([PASSWORD_RESET], password_reset),
    **_by_type(list(LOAN_APPLICATION_EVENTS.values()), loan_application),
    **_by_type([LOAN_DISBURSED], loan_disbursed),
    **_by_type([REPAYMENT_POSTED], repayment_posted),
    **_by_type([REPAYMENT_DUE], repayment_due),
    **_by_type([LOAN_OVERDUE], loan_overdue),
    **_by_type([LOAN_PAID_OFF], loan_paid_off),
    **_by_type([ENTRUSTED_WITHDRAWAL_FAILED], entrusted_failed),
    **_by_type([ENTRUSTED_EVENTS["signed_up"], ENTRUSTED_EVENTS["cancelled"]], entrusted_signup),
    **_by_type(
        [WITHDRAWAL_APPLICATION_EVENTS[state] for state in WITHDRAWAL_NOTICE_STATES],
        withdrawal_application,
    ),
    **_by_type([APPOINTMENT_EVENTS[state] for state in ("booked", "reminder_due", "cancelled")], appointment),
    **_by_type([ACCOUNT_CREDITED], account_credited),
    **_by_type([ACCOUNT_CERTIFICATE_ISSUED, LOAN_CERTIFICATE_ISSUED], certificate_issued),
}
CODE_NOTICES: dict[str, tuple[EventContract, Builder]] = _by_type([SMS_REQUESTED], sms_code)
# what the service subscribes to, by queue: codes, and every business notice
CODE_EVENTS = tuple(contract for contract, _builder in CODE_NOTICES.values())
BUSINESS_EVENTS = tuple(contract for contract, _builder in BUSINESS_NOTICES.values())


def notice_for(data: dict[str, Any], envelope: Envelope) -> Notice | None:
    _contract, builder = {**BUSINESS_NOTICES, **CODE_NOTICES}[envelope.type]
    return builder(data, envelope)
