"""The errors a depositor, an employer's file or a staff member can cause in the accounts domain."""

from dataclasses import dataclass

from chassis.rules import RuleViolation as BaseRuleViolation


class RuleViolation(BaseRuleViolation):
    """A business rule of the accounts domain refused the request."""


class InsufficientFunds(RuleViolation):
    """The available balance (balance − reserved) cannot cover a reservation or a debit."""

    def __init__(self, detail: str):
        super().__init__("INSUFFICIENT_FUNDS", detail, field="amount")


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an import: `row` counts data rows from 1 (a CSV header is not a row)."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}条记录 {self.field}：{self.message}" if self.row else f"{self.field}：{self.message}"


class ImportRejected(RuleViolation):
    """An import had at least one bad row, so nothing was imported; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        super().__init__("IMPORT_REJECTED", f"导入数据共有{len(errors)}处错误，未导入任何记录，请修改后重新导入")
        self.errors = errors

    def field_errors(self) -> dict[str, list[str]]:
        return self.errors_by_row()

    def errors_by_row(self) -> dict[str, list[str]]:
        """The `errors` member of a problem+json body: "3.mobile" (row.field) → messages."""
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            key = f"{error.row}.{error.field}" if error.row else error.field
            grouped.setdefault(key, []).append(error.message)
        return grouped
