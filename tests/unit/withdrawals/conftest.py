"""Fixtures for pre-application checks: a depositor in good standing and a valid request for each reason."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.withdrawals.domain.reason_catalogue import DEFAULT_CATALOGUE
from services.withdrawals.domain.rules import (
    ApplicantFacts,
    PreApplicationCheck,
    WithdrawalRequest,
    check_pre_application,
)

TODAY = date(2026, 6, 15)
CARD = "6222021234567890128"

ZHANG_WEI = ApplicantFacts(
    name="张伟",
    account_status="normal",
    balance=Decimal("52368.40"),
    available=Decimal("52368.40"),
    continuous_deposit_months=38,
)

VALID_FIELDS: dict[str, dict[str, object]] = {
    "01": {"contract_no": "YC2026-0001234", "house_price": "860000.00", "purchase_date": "2026-03-18"},
    "02": {"permit_no": "乡字第640122202600017号", "project_cost": "120000", "approval_date": "2026-02-10"},
    "03": {"retirement_date": "2026-05-31"},
    "04": {"assessment_no": "宁劳鉴〔2026〕0321号", "termination_date": "2026-04-30"},
    "05": {"departure_kind": "出境定居", "departure_date": "2026-05-20"},
    "06": {
        "loan_contract_no": "ICBC-NX-2019-88812",
        "loan_bank": "中国工商银行银川分行",
        "loan_outstanding": "236000.00",
    },
    "07": {
        "monthly_rent": "1500.00",
        "lease_start": "2026-03-01",
        "lease_end": "2027-02-28",
        "no_home_declared": True,
    },
    "08": {
        "heir_name": "张小红",
        "heir_id_number": "11010519491231002X",
        "heir_relationship": "子女",
        "death_date": "2026-04-02",
    },
    "09": {"patient_relationship": "父母", "expenses": "68000.00", "diagnosis_date": "2026-01-20"},
    "99": {"description": "失业后生活困难，申请提取"},
}


def build_facts(**changes) -> ApplicantFacts:
    return replace(ZHANG_WEI, **changes)


def run_check(
    reason: str,
    amount: object = "5000.00",
    applicant: ApplicantFacts = ZHANG_WEI,
    card: str = CARD,
    card_holder: str | None = None,
    catalogue=DEFAULT_CATALOGUE,
    **field_changes,
) -> PreApplicationCheck:
    """The check of a valid request for `reason`, with `field_changes` applied (None drops a field)."""
    fields = {**VALID_FIELDS.get(reason, {}), **field_changes}
    fields = {name: value for name, value in fields.items() if value is not None}
    request = WithdrawalRequest(
        reason=reason, amount=amount, bank_card=card, today=TODAY, fields=fields, card_holder=card_holder
    )
    return check_pre_application(request, applicant, catalogue)


@pytest.fixture
def facts():
    """facts(**changes): 张伟's facts with some changed."""
    return build_facts


@pytest.fixture
def check():
    """check(reason, amount=..., applicant=..., **field_changes): the check of a request for `reason`."""
    return run_check
