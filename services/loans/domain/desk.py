"""What the reviewer console asks of an officer at a step, beyond the workflow: the counter materials ticked at
受理, a written reason to go on while the applicant fails the conditions today, and the entrusted bank's records
(contract, mortgage registration, disbursement) with the disbursed amount equal to the approved one."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from services.loans.domain.errors import TransitionRefused
from services.loans.domain.workflow import ApplicationState

S = ApplicationState
# steps that need a written reason when today's conditions fail (a refusal never does)
OVERRIDABLE = frozenset({S.PREREVIEWED, S.ACCEPTED, S.PRELIMINARILY_APPROVED, S.APPROVED, S.CONTRACT_SIGNED})
_CARD = re.compile(r"^\d{12,19}$")
_REFERENCE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff（）()\-第号]{4,40}$")


@dataclass(frozen=True)
class BankRecord:
    """What the bank officer records at 签订合同, 抵押登记 and 放款 (None where the step does not ask it)."""

    contract_no: str | None = None
    contract_date: date | None = None
    mortgage_no: str | None = None
    amount: Decimal | None = None
    disbursed_on: date | None = None
    account: str | None = None


def materials_unticked(required: Iterable[str], ticked: Iterable[str]) -> list[str]:
    """The counter materials the officer has not ticked (at 受理 every one must be)."""
    done = set(ticked)
    return [item for item in required if item not in done]


def check_materials(target: ApplicationState, required: Iterable[str], ticked: Iterable[str]) -> list[str]:
    if target is not S.ACCEPTED:
        return []
    missing = materials_unticked(required, ticked)
    if missing:
        raise TransitionRefused(
            "MATERIALS_NOT_CHECKED", "受理前请逐项核对材料，尚未勾选：" + "、".join(missing), "materials"
        )
    return list(required)


def check_override(target: ApplicationState, eligible_now: bool, reason: str | None) -> str | None:
    """The written reason for going on while the applicant fails today's conditions; None when none is needed."""
    if eligible_now or target not in OVERRIDABLE:
        return None
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise TransitionRefused(
            "OVERRIDE_REASON_REQUIRED", "申请人当前不符合贷款条件，继续办理须写明理由（不少于4个字）", "override"
        )
    return reason[:300]


def bank_record(
    target: ApplicationState, form: Mapping[str, str], *, approved: Decimal, earliest: date, today: date
) -> BankRecord | None:
    """The bank officer's entries for `target`, checked; None for a step that is not the bank's record."""
    if target is S.CONTRACT_SIGNED:
        return BankRecord(
            contract_no=_reference(form, "contract_no", "合同编号", longest=32),
            contract_date=_day(form, "contract_date", "合同签订日期", earliest, today),
        )
    if target is S.MORTGAGE_REGISTERED:
        return BankRecord(mortgage_no=_reference(form, "mortgage_no", "抵押登记证明号"))
    if target is S.DISBURSED:
        raw = (form.get("amount") or "").strip().replace(",", "")
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise TransitionRefused("AMOUNT_INVALID", "请填写放款金额，如 300000.00", "amount") from None
        if amount != approved:
            raise TransitionRefused(
                "AMOUNT_MISMATCH", f"放款金额 {amount:.2f} 元与审批金额 {approved:.2f} 元不一致，请核对", "amount"
            )
        account = (form.get("account") or "").strip().replace(" ", "")
        if not _CARD.match(account):
            raise TransitionRefused("ACCOUNT_INVALID", "请填写收款账号（12至19位数字）", "account")
        return BankRecord(
            amount=amount,
            disbursed_on=_day(form, "disbursed_on", "放款日期", earliest, today),
            account=account,
        )
    return None


def _reference(form: Mapping[str, str], field: str, label: str, longest: int = 40) -> str:
    value = (form.get(field) or "").strip()
    if not _REFERENCE.match(value) or len(value) > longest:
        raise TransitionRefused(f"{field.upper()}_INVALID", f"请填写{label}（4至{longest}位字母、数字或汉字）", field)
    return value


def _day(form: Mapping[str, str], field: str, label: str, earliest: date, today: date) -> date:
    raw = (form.get(field) or "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise TransitionRefused(f"{field.upper()}_INVALID", f"请填写{label}，如 2025-03-01", field) from None
    if day > today:
        raise TransitionRefused(f"{field.upper()}_INVALID", f"{label}不能晚于今天", field)
    if day < earliest:
        raise TransitionRefused(f"{field.upper()}_INVALID", f"{label}不能早于{earliest:%Y-%m-%d}", field)
    return day
