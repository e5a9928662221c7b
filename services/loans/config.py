"""Settings of the loans service (environment variables LOANS_* or HALL_*), and the per-centre loan policy."""

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from chassis.certificates.settings import CertificateSettings
from chassis.config import ServiceConfig
from services.loans.domain.eligibility import DEFAULT_POLICY, LoanPolicy

DEFAULT_BANKS = (
    "icbc=中国工商银行宁夏回族自治区分行",
    "ccb=中国建设银行宁夏回族自治区分行",
    "abc=中国农业银行宁夏回族自治区分行",
    "boc=中国银行宁夏回族自治区分行",
    "bocom=交通银行宁夏回族自治区分行",
    "nxbank=宁夏银行",
)

DEFAULT_MATERIALS = (
    "借款人及配偶身份证、户口簿原件及复印件",
    "婚姻状况证明（结婚证或离婚证、单身声明）",
    "购房合同或协议及首付款发票（收据）",
    "借款人本人名下的还款银行卡",
    "收入证明",
)


# the centres' names as their certificates print them (accounts' directory holds the same names)
DEFAULT_CENTER_NAMES = (
    "nx-region=宁夏住房资金管理中心（区直）",
    "yinchuan=银川住房公积金管理中心",
    "shizuishan=石嘴山市住房公积金管理中心",
    "wuzhong=吴忠市住房公积金管理中心",
    "guyuan=固原市住房公积金管理中心",
    "zhongwei=中卫市住房公积金管理中心",
)


@dataclass(frozen=True)
class LoansConfig(CertificateSettings, ServiceConfig):
    # `code=name` items: the entrusted banks (受托银行) an applicant may choose
    entrusted_banks: tuple = DEFAULT_BANKS
    # what the prereviewed applicant brings to the counter (in loans.application.prereviewed)
    counter_materials: tuple = DEFAULT_MATERIALS
    # `center:field=value` items overriding DOMAIN.md's Yinchuan-like policy, e.g. `wuzhong:max_amount_single=600000`
    policy_overrides: tuple = ()
    # contract numbers whose bank deduction fails in the repayment run (to create overdue loans in demos and tests)
    failing_contracts: tuple = ()
    # penalty interest (罚息) runs at the contract rate raised by this factor, per day on the overdue instalment
    penalty_rate_multiplier: str = "1.5"
    due_reminder_days: int = 3
    # a month's entrusted withdrawal that failed (not for want of balance) is asked again the next day, this many
    # times in all per fund account; then the card pays what the fund did not, and the borrower is told
    entrusted_attempts: int = 3
    entrusted_retry_days: int = 1
    # days after a month's end before its deposit counts as due (连续足额缴存; HALL_DEPOSIT_GRACE_DAYS serves
    # loans and withdrawals alike, so both count the same months)
    deposit_grace_days: int = 0
    # the console's staff cookies are marked Secure where set (and always when HALL_EMBEDDED=false: production
    # sits behind TLS that ends before the service sees the request)
    secure_cookies: bool = False
    # a console session untouched this long is signed out (the staff token's own expiry bounds it too)
    console_idle_minutes: int = 30

    def banks(self) -> list[dict[str, str]]:
        return [dict(zip(("code", "name"), item.split("=", 1), strict=True)) for item in self.entrusted_banks]

    center_names: tuple = DEFAULT_CENTER_NAMES

    def center_name(self, code: str) -> str:
        for item in self.center_names:
            key, _, name = item.partition("=")
            if key == code:
                return name
        return "宁夏住房公积金管理中心"

    def bank_name(self, code: str) -> str | None:
        return next((bank["name"] for bank in self.banks() if bank["code"] == code), None)

    def policy_for(self, center: str | None) -> LoanPolicy:
        """DOMAIN.md's defaults with this centre's overrides applied."""
        kinds = {item.name: item.type for item in fields(LoanPolicy)}
        changes = {}
        for item in self.policy_overrides:
            scope, _, assignment = item.partition(":")
            name, _, value = assignment.partition("=")
            if scope == center and name in kinds:
                changes[name] = _typed(value, kinds[name])
        return replace(DEFAULT_POLICY, **changes)


def _typed(value: str, kind: object) -> object:
    if kind is int or kind == "int":
        return int(value)
    if kind is Decimal or kind == "Decimal":
        return Decimal(value)
    return value
