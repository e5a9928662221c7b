from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.accounts.domain.errors import InsufficientFunds, RuleViolation
from services.accounts.domain.ledger import (
    AccountState,
    AccountStatus,
    EntryKind,
    Operation,
    change_status,
    debit_reserved,
    ensure_allows,
    post,
    release,
    reserve,
    running_balances,
    summary_for,
)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
operations = st.lists(
    st.tuples(
        st.sampled_from(["regular", "supplementary", "interest", "withdraw", "reserve", "release", "debit"]),
        amounts,
    ),
    max_size=60,
)


def apply(state, operation, amount):
    """One operation; returns the new state and the entry it appended, if any."""
    if operation == "reserve":
        return reserve(state, amount), None
    if operation == "release":
        return release(state, amount), None
    if operation == "debit":
        posting = debit_reserved(state, amount)
        return posting.state, posting.entry
    kind = {
        "regular": EntryKind.REGULAR_DEPOSIT,
        "supplementary": EntryKind.SUPPLEMENTARY_DEPOSIT,
        "interest": EntryKind.INTEREST,
        "withdraw": EntryKind.WITHDRAWAL,
    }[operation]
    posting = post(state, kind, amount)
    return posting.state, posting.entry


@settings(max_examples=300, deadline=None)
@given(operations)
def test_any_sequence_keeps_balance_equal_to_the_ledger_and_available_never_negative(sequence):
    state = AccountState()
    entries = []
    for operation, amount in sequence:
        try:
            state, entry = apply(state, operation, amount)
        except RuleViolation as refused:
            assert refused.code in {"INSUFFICIENT_FUNDS", "RESERVATION_EXCEEDED"}
            continue
        if entry is not None:
            entries.append(entry)
        assert state.balance == sum((e.amount for e in entries), Decimal("0"))
        assert state.available >= 0
        assert state.reserved >= 0
    balances = running_balances(e.amount for e in entries)
    assert [e.balance_after for e in entries] == balances
    assert (balances[-1] if balances else Decimal("0")) == state.balance


def test_a_deposit_is_credited_with_its_chinese_summary_and_balance_after():
    posting = post(AccountState(balance=Decimal("1000.00")), EntryKind.REGULAR_DEPOSIT, Decimal("1440.00"))
    assert posting.state.balance == Decimal("2440.00")
    assert posting.entry.amount == Decimal("1440.00")
    assert posting.entry.balance_after == Decimal("2440.00")
    assert posting.entry.summary == "汇缴"


def test_a_withdrawal_is_a_negative_entry():
    posting = post(AccountState(balance=Decimal("5000.00")), EntryKind.WITHDRAWAL, Decimal("1800.00"))
    assert posting.entry.amount == Decimal("-1800.00")
    assert posting.state.balance == Decimal("3200.00")
    assert posting.entry.summary == "提取"


def test_each_kind_has_its_chinese_label():
    labels = [kind.label for kind in EntryKind]
    assert labels == ["汇缴", "补缴", "提取", "结息"]
    assert summary_for(EntryKind.REGULAR_DEPOSIT, "2026年03月") == "2026年03月汇缴"
    assert summary_for(EntryKind.WITHDRAWAL, note="租房提取") == "提取（租房提取）"


def test_reserving_more_than_available_raises_insufficient_funds_in_chinese():
    state = AccountState(balance=Decimal("3000.00"), reserved=Decimal("2000.00"))
    with pytest.raises(InsufficientFunds) as refused:
        reserve(state, Decimal("1000.01"))
    assert refused.value.code == "INSUFFICIENT_FUNDS"
    assert refused.value.detail == "可用余额不足：可用余额1,000.00元，本次需1,000.01元"


def test_a_direct_withdrawal_cannot_spend_reserved_money():
    state = AccountState(balance=Decimal("3000.00"), reserved=Decimal("2000.00"))
    with pytest.raises(InsufficientFunds):
        post(state, EntryKind.WITHDRAWAL, Decimal("1500.00"))


def test_reserve_then_debit_moves_money_out_once():
    state = reserve(AccountState(balance=Decimal("10000.00")), Decimal("6000.00"))
    assert state.available == Decimal("4000.00")
    posting = debit_reserved(state, Decimal("6000.00"), reference="WD-1")
    assert posting.state == AccountState(balance=Decimal("4000.00"), reserved=Decimal("0.00"))
    assert posting.entry.kind is EntryKind.WITHDRAWAL
    assert posting.entry.amount == Decimal("-6000.00")
    assert posting.entry.reference == "WD-1"


def test_release_gives_the_reservation_back():
    state = release(reserve(AccountState(balance=Decimal("800.00")), Decimal("500.00")), Decimal("500.00"))
    assert state.available == Decimal("800.00")


def test_releasing_or_debiting_more_than_reserved_is_refused():
    state = reserve(AccountState(balance=Decimal("800.00")), Decimal("500.00"))
    for action in (release, debit_reserved):
        with pytest.raises(RuleViolation) as refused:
            action(state, Decimal("500.01"))
        assert refused.value.code == "RESERVATION_EXCEEDED"


@pytest.mark.parametrize("amount", ["0", "-5", "1.234"])
def test_amounts_must_be_positive_fen(amount):
    with pytest.raises(RuleViolation) as refused:
        post(AccountState(), EntryKind.REGULAR_DEPOSIT, Decimal(amount))
    assert refused.value.code == "INVALID_AMOUNT"


def test_a_frozen_account_takes_deposits_but_no_new_withdrawal():
    frozen = AccountState(AccountStatus.FROZEN, Decimal("5000.00"))
    assert post(frozen, EntryKind.REGULAR_DEPOSIT, Decimal("100.00")).state.balance == Decimal("5100.00")
    with pytest.raises(RuleViolation) as refused:
        reserve(frozen, Decimal("100.00"))
    assert refused.value.code == "ACCOUNT_STATUS_FORBIDS"
    assert "冻结" in refused.value.detail
    with pytest.raises(RuleViolation):
        post(frozen, EntryKind.WITHDRAWAL, Decimal("100.00"))


def test_a_reservation_made_before_a_freeze_can_still_be_paid_out():
    state = change_status(reserve(AccountState(balance=Decimal("900.00")), Decimal("300.00")), AccountStatus.FROZEN)
    assert debit_reserved(state, Decimal("300.00")).state.balance == Decimal("600.00")


def test_a_sealed_account_withdraws_and_takes_supplementary_but_no_regular_deposit():
    sealed = AccountState(AccountStatus.SEALED, Decimal("5000.00"))
    assert reserve(sealed, Decimal("5000.00")).available == Decimal("0.00")
    assert post(sealed, EntryKind.SUPPLEMENTARY_DEPOSIT, Decimal("100.00")).state.balance == Decimal("5100.00")
    assert post(sealed, EntryKind.INTEREST, Decimal("75.00")).state.balance == Decimal("5075.00")
    with pytest.raises(RuleViolation) as refused:
        post(sealed, EntryKind.REGULAR_DEPOSIT, Decimal("100.00"))
    assert refused.value.detail == "账户状态为“封存”，不能办理汇缴"


def test_only_a_normal_account_may_apply_for_a_loan():
    ensure_allows(AccountStatus.NORMAL, Operation.APPLY_LOAN)
    for status in (AccountStatus.SEALED, AccountStatus.FROZEN, AccountStatus.CLOSED):
        with pytest.raises(RuleViolation):
            ensure_allows(status, Operation.APPLY_LOAN)


def test_a_closed_account_allows_nothing():
    for operation in Operation:
        with pytest.raises(RuleViolation):
            ensure_allows(AccountStatus.CLOSED, operation)


def test_seal_and_unseal_round_trip():
    sealed = change_status(AccountState(balance=Decimal("10.00")), AccountStatus.SEALED)
    assert change_status(sealed, AccountStatus.NORMAL).status is AccountStatus.NORMAL


def test_an_account_closes_only_when_empty():
    with pytest.raises(RuleViolation) as refused:
        change_status(AccountState(balance=Decimal("0.01")), AccountStatus.CLOSED)
    assert refused.value.code == "ACCOUNT_NOT_EMPTY"
    assert change_status(AccountState(), AccountStatus.CLOSED).status is AccountStatus.CLOSED


def test_a_closed_account_cannot_be_reopened():
    with pytest.raises(RuleViolation) as refused:
        change_status(AccountState(AccountStatus.CLOSED), AccountStatus.NORMAL)
    assert refused.value.code == "STATUS_CHANGE_NOT_ALLOWED"


def test_running_balance_starts_from_the_opening_balance():
    amounts = [Decimal("1440.00"), Decimal("-1800.00"), Decimal("138.04")]
    assert running_balances(amounts, opening=Decimal("500.00")) == [
        Decimal("1940.00"),
        Decimal("140.00"),
        Decimal("278.04"),
    ]
