"""Settings of the accounts service (environment variables ACCOUNTS_* or HALL_*)."""

from dataclasses import dataclass, field
from decimal import Decimal

from chassis.certificates.settings import CertificateSettings
from chassis.config import ServiceConfig
from services.accounts.domain.interest import InterestRules


@dataclass(frozen=True)
class AccountsConfig(CertificateSettings, ServiceConfig):
    # annual rate of deposit interest and the day basis of the daily rate (domain/interest.py)
    interest_rate: str = "0.015"
    interest_day_basis: int = 360
    # "centre=prefix": a new personal account number is the prefix and an 8-digit sequence number
    account_prefixes: tuple[str, ...] = field(
        default_factory=lambda: (
            "nx-region=6400",
            "yinchuan=6401",
            "shizuishan=6402",
            "wuzhong=6403",
            "guyuan=6404",
            "zhongwei=6405",
        )
    )

    # the addresses the home page shows as links and QR codes (§5), beside the hall's own public_url; an empty one
    # is not shown. The region's website is the manual's; a centre with its own sets "website" in centers.json.
    official_website: str = "http://www.nxzfgjj.gov.cn"
    wechat_url: str = ""
    android_app_url: str = ""
    ios_app_url: str = ""

    @property
    def interest_rules(self) -> InterestRules:
        return InterestRules(annual_rate=Decimal(self.interest_rate), day_basis=self.interest_day_basis)

    def account_prefix(self, center: str) -> str:
        for item in self.account_prefixes:
            key, _, prefix = item.partition("=")
            if key == center:
                return prefix
        return "6400"
