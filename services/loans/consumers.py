"""Handlers of the events loans consumes: the eligibility read model, kept from accounts' and withdrawals' events,
and the answers to the fund deductions loans asked withdrawals for."""

from datetime import datetime

from services.loans.cases import entrusted_withdrawals, prepayments
from services.loans.cases.fund_deductions import INSTALMENT, PREPAYMENT, record_settlement
from services.loans.cases.loan_book import on_fund_deduction_settled
from services.loans.models import BalancePosting, DepositMonth, Depositor, WithdrawalInProgress

WITHDRAWAL_FINISHED = frozenset({"paid", "rejected", "cancelled"})
WITHDRAWAL_ORDER = {"submitted": 0, "prereviewed": 1, "accepted": 2, "approved": 3}
DEPOSIT_KINDS = frozenset({"regular_deposit", "supplementary_deposit"})


def remember_depositor(delivery) -> None:
    data, at = delivery.data, delivery.event.occurred_at
    depositor = delivery.session.get(Depositor, data["account_no"])
    if depositor is None:
        depositor = Depositor(account_no=data["account_no"], balance_as_of=None, status_as_of=None)
        delivery.session.add(depositor)
    depositor.id_number = data["id_number"]
    depositor.name = data["name"]
    depositor.center = data["center"]
    depositor.deposit_base = data["deposit_base"]
    # a posting or a status change may have overtaken the registration: keep whichever is newer
    if _is_newer(at, depositor.balance_as_of):
        depositor.balance, depositor.balance_as_of = data["balance"], at
    if _is_newer(at, depositor.status_as_of):
        depositor.status, depositor.status_as_of = data["status"], at


def remember_posting(delivery) -> None:
    data, at = delivery.data, delivery.event.occurred_at
    month = data.get("month") if data["kind"] in DEPOSIT_KINDS and data.get("month_in_full", True) else None
    if month and delivery.session.get(DepositMonth, (data["account_no"], month)) is None:
        delivery.session.add(DepositMonth(account_no=data["account_no"], month=month, paid_on=data["posted_on"]))
    if delivery.session.get(BalancePosting, data["entry_id"]) is None:
        delivery.session.add(
            BalancePosting(
                entry_id=data["entry_id"],
                account_no=data["account_no"],
                posted_on=data["posted_on"],
                occurred_at=at,
                balance=data["balance"],
            )
        )
    depositor = delivery.session.get(Depositor, data["account_no"])
    if depositor is None:
        # registration not seen yet: a retry brings it back after accounts.depositor.registered
        raise LookupError(f"depositor {data['account_no']} not known yet")
    if _is_newer(at, depositor.balance_as_of):
        depositor.balance, depositor.balance_as_of = data["balance"], at


def remember_status(delivery) -> None:
    data, at = delivery.data, delivery.event.occurred_at
    depositor = delivery.session.get(Depositor, data["account_no"])
    if depositor is None:
        raise LookupError(f"depositor {data['account_no']} not known yet")
    if _is_newer(at, depositor.status_as_of):
        depositor.status, depositor.status_as_of = data["status_to"], at


def remember_withdrawal(delivery) -> None:
    data = delivery.data
    row = delivery.session.get(WithdrawalInProgress, data["application_id"])
    if row is None:
        delivery.session.add(
            WithdrawalInProgress(
                application_id=data["application_id"], account_no=data["account_no"], state=data["state"]
            )
        )
        return
    # a finished application stays finished; otherwise only move forward (events may arrive out of order)
    if row.state in WITHDRAWAL_FINISHED:
        return
    if data["state"] in WITHDRAWAL_FINISHED or WITHDRAWAL_ORDER.get(data["state"], -1) > WITHDRAWAL_ORDER.get(
        row.state, -1
    ):
        row.state = data["state"]


def _is_newer(at: datetime, seen: datetime | None) -> bool:
    return seen is None or at >= seen


def follow_entrusted_signups(delivery) -> None:
    entrusted_withdrawals.follow_signups(delivery)


# what a settled fund deduction does, by its purpose (cases/fund_deductions.py): a prepayment completes or fails;
# a month's instalment counts what the fund gave and posts (loan_book), the card paying the rest
SETTLEMENT_HANDLERS = {PREPAYMENT: prepayments.settle_from_fund_account, INSTALMENT: on_fund_deduction_settled}


def settle_fund_deduction(delivery) -> None:
    record_settlement(delivery, SETTLEMENT_HANDLERS)
