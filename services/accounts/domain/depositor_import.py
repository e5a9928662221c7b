"""Validating an import of depositors with their employer and account: every row is checked, all or none.

Input is a list of JSON objects or CSV text with a header row. Columns (English keys; the CSV header may use
the Chinese labels instead): center, name, id_number, mobile, employer_name, employer_account_no,
deposit_base, employer_ratio, personal_ratio, opened_on (YYYY-MM-DD) and the optional account_no.

Ratios are fractions: 12% is written 0.12, as everywhere in this package. A value above 1 such as "12" or
"12%" is refused with that hint rather than guessed, because 0.12 and 12 cannot both be meant.

Rows are numbered from 1 in the order given; in a CSV file row n is the n-th line after the header, blank
lines included (they are skipped, not renumbered), so the number points at the spreadsheet line n+1.
Duplicates are checked within the file only; against the database is the service's job.
"""

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from chassis.money import parse_money
from chassis.pii import birth_date_of, is_valid_id_number, is_valid_mobile, normalize_id_number
from services.accounts.domain.deposits import MonthlyDeposit, check_base, check_ratio, monthly_deposit
from services.accounts.domain.directory import Directory
from services.accounts.domain.errors import ImportRejected, RowError, RuleViolation

FIELD_LABELS = {
    "center": "所属中心",
    "name": "姓名",
    "id_number": "身份证号",
    "mobile": "手机号码",
    "employer_name": "单位名称",
    "employer_account_no": "单位账号",
    "deposit_base": "缴存基数",
    "employer_ratio": "单位缴存比例",
    "personal_ratio": "个人缴存比例",
    "opened_on": "开户日期",
    "account_no": "个人账号",
}
REQUIRED_FIELDS = tuple(field for field in FIELD_LABELS if field != "account_no")
_FIELD_OF_HEADER = {label: field for field, label in FIELD_LABELS.items()}

_EMPLOYER_ACCOUNT_NO = re.compile(r"^[0-9A-Za-z]{4,30}$")
_ACCOUNT_NO = re.compile(r"^\d{6,20}$")


@dataclass(frozen=True)
class ImportRules:
    max_rows: int = 50_000
    name_max_length: int = 30


@dataclass(frozen=True)
class DepositorRow:
    """A clean row; the employer's ratios are the account's (an employer may differ per employee)."""

    row: int
    center: str
    name: str
    id_number: str
    mobile: str
    employer_name: str
    employer_account_no: str
    deposit_base: Decimal
    employer_ratio: Decimal
    personal_ratio: Decimal
    opened_on: date
    account_no: str | None
    monthly: MonthlyDeposit


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _ratio(value: Any) -> Decimal:
    text = _text(value)
    if text.endswith("%"):
        raise ValueError(f"比例请按小数填写，如{text}填{_as_fraction_hint(text[:-1])}")
    try:
        ratio = Decimal(text)
    except InvalidOperation as error:
        raise ValueError("比例应为小数，如12%填0.12") from error
    if not ratio.is_finite():
        raise ValueError("比例应为小数，如12%填0.12")
    if ratio > 1:
        raise ValueError(f"比例请按小数填写，如{text}%填{_as_fraction_hint(text)}")
    return ratio


def _as_fraction_hint(percent_text: str) -> str:
    try:
        return format((Decimal(percent_text.strip()) / 100).normalize(), "f")
    except InvalidOperation:
        return "0.12"


class _RowChecker:
    """Checks one row field by field, so that one bad field does not hide the others."""

    def __init__(self, number: int, record: dict[str, Any], directory: Directory, today: date, rules: ImportRules):
        self.number = number
        self.record = record
        self.directory = directory
        self.today = today
        self.rules = rules
        self.errors: list[RowError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(RowError(self.number, field, message))

    def value(self, field: str) -> str:
        text = _text(self.record.get(field))
        if not text and field in REQUIRED_FIELDS:
            self.fail(field, f"{FIELD_LABELS[field]}不能为空")
        return text

    def check(self) -> DepositorRow | None:
        center = self.value("center")
        if center and not self.directory.is_known(center):
            self.fail("center", f"不存在的管理中心：{center}，应为{'、'.join(self.directory.codes())}之一")
        name = self.value("name")
        if len(name) > self.rules.name_max_length:
            self.fail("name", f"姓名不能超过{self.rules.name_max_length}个字")
        id_number = normalize_id_number(self.value("id_number"))
        if id_number and not is_valid_id_number(id_number):
            self.fail("id_number", "身份证号不正确（应为18位，出生日期和校验位须正确）")
        mobile = self.value("mobile")
        if mobile and not is_valid_mobile(mobile):
            self.fail("mobile", "手机号码格式不正确，应为11位手机号")
        employer_name = self.value("employer_name")
        employer_account_no = self.value("employer_account_no")
        if employer_account_no and not _EMPLOYER_ACCOUNT_NO.match(employer_account_no):
            self.fail("employer_account_no", "单位账号应为4-30位字母或数字")
        account_no = _text(self.record.get("account_no")) or None
        if account_no and not _ACCOUNT_NO.match(account_no):
            self.fail("account_no", "个人账号应为6-20位数字")
        opened_on = self.opened_on(id_number)
        deposit = self.deposit(center)
        if self.errors or deposit is None:
            return None
        return DepositorRow(
            row=self.number,
            center=center,
            name=name,
            id_number=id_number,
            mobile=mobile,
            employer_name=employer_name,
            employer_account_no=employer_account_no,
            deposit_base=deposit.base,
            employer_ratio=deposit.employer_ratio,
            personal_ratio=deposit.personal_ratio,
            opened_on=opened_on,
            account_no=account_no,
            monthly=deposit,
        )

    def opened_on(self, id_number: str) -> date:
        text = self.value("opened_on")
        if not text:
            return self.today
        try:
            opened_on = date.fromisoformat(text)
        except ValueError:
            self.fail("opened_on", "开户日期格式应为YYYY-MM-DD")
            return self.today
        if opened_on > self.today:
            self.fail("opened_on", "开户日期不能晚于今天")
        elif is_valid_id_number(id_number) and opened_on < birth_date_of(id_number):
            self.fail("opened_on", "开户日期不能早于出生日期")
        return opened_on

    def deposit(self, center: str) -> MonthlyDeposit | None:
        """The base and both ratios, each checked on its own; the monthly figures when all three are good."""
        rules = self.directory.deposit_rules(center) if self.directory.is_known(center) else None
        good: dict[str, Decimal] = {}
        for field, parse in (
            ("deposit_base", parse_money),
            ("employer_ratio", _ratio),
            ("personal_ratio", _ratio),
        ):
            text = self.value(field)
            if not text:
                continue
            try:
                value = parse(text)
            except ValueError as error:
                self.fail(field, f"{FIELD_LABELS[field]}：{error}")
                continue
            if rules is None:
                continue
            try:
                good[field] = check_base(value, rules) if field == "deposit_base" else check_ratio(value, rules, field)
            except RuleViolation as violation:
                self.fail(field, violation.detail)
        if rules is None or len(good) < 3:
            return None
        return monthly_deposit(good["deposit_base"], good["employer_ratio"], good["personal_ratio"], rules)


def _cross_row_errors(numbered: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """Duplicate ID numbers and account numbers, and one employer account number with two names or centres."""
    errors = []
    first_id: dict[str, int] = {}
    first_account: dict[str, int] = {}
    employers: dict[str, tuple[int, str, str]] = {}
    for number, record in numbered:
        id_number = normalize_id_number(_text(record.get("id_number")))
        if id_number:
            if id_number in first_id:
                errors.append(RowError(number, "id_number", f"与第{first_id[id_number]}条记录的身份证号重复"))
            else:
                first_id[id_number] = number
        account_no = _text(record.get("account_no"))
        if account_no:
            if account_no in first_account:
                message = f"与第{first_account[account_no]}条记录的个人账号重复"
                errors.append(RowError(number, "account_no", message))
            else:
                first_account[account_no] = number
        employer_no = _text(record.get("employer_account_no"))
        if not employer_no:
            continue
        name, center = _text(record.get("employer_name")), _text(record.get("center"))
        if employer_no not in employers:
            employers[employer_no] = (number, name, center)
            continue
        first, first_name, first_center = employers[employer_no]
        if name != first_name:
            message = f"单位账号{employer_no}在第{first}条记录中的单位名称为“{first_name}”，与本条不一致"
            errors.append(RowError(number, "employer_name", message))
        if center != first_center:
            message = f"单位账号{employer_no}在第{first}条记录中属于{first_center}，与本条所属中心不一致"
            errors.append(RowError(number, "center", message))
    return errors


def _validate_numbered(
    numbered: list[tuple[int, Any]], directory: Directory, today: date, rules: ImportRules
) -> list[DepositorRow]:
    if not numbered:
        raise ImportRejected([RowError(0, "rows", "没有可导入的记录")])
    if len(numbered) > rules.max_rows:
        message = f"一次最多导入{rules.max_rows}条记录，本次为{len(numbered)}条"
        raise ImportRejected([RowError(0, "rows", message)])
    errors: list[RowError] = []
    clean: list[DepositorRow] = []
    records: list[tuple[int, dict[str, Any]]] = []
    for number, record in numbered:
        if not isinstance(record, dict):
            errors.append(RowError(number, "row", "每条记录应为一个对象"))
            continue
        records.append((number, record))
        if "_extra" in record:
            errors.append(RowError(number, "row", f"列数多于表头，多出：{record['_extra']}"))
        checker = _RowChecker(number, record, directory, today, rules)
        row = checker.check()
        errors.extend(checker.errors)
        if row is not None:
            clean.append(row)
    errors.extend(_cross_row_errors(records))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))
    return clean


def validate_rows(
    rows: Sequence[Any], directory: Directory, today: date, rules: ImportRules = ImportRules()
) -> list[DepositorRow]:
    """Every row clean, or `ImportRejected` carrying every problem of every row (nothing is imported)."""
    return _validate_numbered(list(enumerate(rows, start=1)), directory, today, rules)


def rows_from_csv(text: str) -> list[tuple[int, dict[str, str]]]:
    """The CSV's records as (row number, dict by field); blank lines are skipped but keep their number."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise ImportRejected([RowError(0, "header", "文件为空，第一行应为表头")])
    fields = [_FIELD_OF_HEADER.get(name.strip(), name.strip().lower()) for name in header]
    missing = [field for field in REQUIRED_FIELDS if field not in fields]
    if missing:
        labels = "、".join(f"{field}（{FIELD_LABELS[field]}）" for field in missing)
        raise ImportRejected([RowError(0, "header", f"表头缺少列：{labels}")])
    records = []
    for number, values in enumerate(reader, start=1):
        if not any(value.strip() for value in values):
            continue
        record = dict(zip(fields, values, strict=False))
        if len(values) > len(fields):
            record["_extra"] = "、".join(values[len(fields) :])
        records.append((number, record))
    return records


def validate_csv(
    text: str, directory: Directory, today: date, rules: ImportRules = ImportRules()
) -> list[DepositorRow]:
    """`validate_rows` over CSV text with a header row (Chinese or English column names)."""
    return _validate_numbered(rows_from_csv(text), directory, today, rules)
