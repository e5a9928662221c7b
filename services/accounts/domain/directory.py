"""The six management centres of the region, their branches (网点) and each centre's deposit bounds."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from services.accounts.domain.deposits import DepositRules
from services.accounts.domain.errors import RuleViolation

CENTERS_FILE = Path(__file__).resolve().parent.parent / "content" / "centers.json"


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    address: str
    phone: str
    hours: str
    lat: float
    lng: float


@dataclass(frozen=True)
class Center:
    code: str
    name: str
    short_name: str
    deposit_rules: DepositRules
    branches: tuple[Branch, ...]
    # the centre's own website, where it has one apart from the region's (content/centers.json "website")
    website: str | None = None


@dataclass(frozen=True)
class Directory:
    """The centres in official order; deposit rules apply from `effective_from` to `effective_to`."""

    centers: tuple[Center, ...]
    effective_from: date
    effective_to: date

    def codes(self) -> list[str]:
        return [center.code for center in self.centers]

    def is_known(self, code: str) -> bool:
        return any(center.code == code for center in self.centers)

    def center(self, code: str) -> Center:
        for center in self.centers:
            if center.code == code:
                return center
        raise RuleViolation("UNKNOWN_CENTER", f"不存在的管理中心：{code}", field="center")

    def branches(self, code: str) -> tuple[Branch, ...]:
        return self.center(code).branches

    def deposit_rules(self, code: str) -> DepositRules:
        return self.center(code).deposit_rules


def _center_from(record: dict) -> Center:
    rules = DepositRules(
        base_min=Decimal(record["deposit_base_min"]),
        base_max=Decimal(record["deposit_base_max"]),
        ratio_min=Decimal(record["ratio_min"]),
        ratio_max=Decimal(record["ratio_max"]),
    )
    branches = tuple(
        Branch(
            code=branch["code"],
            name=branch["name"],
            address=branch["address"],
            phone=branch["phone"],
            hours=branch["hours"],
            lat=float(branch["lat"]),
            lng=float(branch["lng"]),
        )
        for branch in record["branches"]
    )
    return Center(record["code"], record["name"], record["short_name"], rules, branches, record.get("website"))


def load_directory(path: Path = CENTERS_FILE) -> Directory:
    document = json.loads(path.read_text(encoding="utf-8"))
    return Directory(
        centers=tuple(_center_from(record) for record in document["centers"]),
        effective_from=date.fromisoformat(document["fund_year"]["effective_from"]),
        effective_to=date.fromisoformat(document["fund_year"]["effective_to"]),
    )


@cache
def default_directory() -> Directory:
    """The directory shipped in content/centers.json, read once per process."""
    return load_directory()
