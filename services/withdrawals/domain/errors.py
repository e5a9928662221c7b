"""The errors a depositor or staff member can cause in the withdrawals domain: a code and a Chinese detail."""

from dataclasses import dataclass

from chassis.rules import RuleViolation as BaseRuleViolation


class RuleViolation(BaseRuleViolation):
    """A business rule of the withdrawals domain refused the request."""


@dataclass(frozen=True)
class RuleFailure:
    """One failed rule of a pre-application; a check collects them all rather than stop at the first."""

    code: str
    message: str
    field: str | None = None


class PreApplicationRefused(RuleViolation):
    """A pre-application broke at least one rule; `failures` lists each, in the order they were checked."""

    def __init__(self, failures: tuple[RuleFailure, ...]):
        super().__init__(
            "WITHDRAWAL_RULES_FAILED",
            f"提取申请未通过校验，共{len(failures)}项不符合：" + "；".join(failure.message for failure in failures),
        )
        self.failures = failures

    def field_errors(self) -> dict[str, list[str]]:
        return self.errors_by_field()

    def problem_extra(self) -> dict:
        return {"failed_rules": [failure.code for failure in self.failures]}

    def errors_by_field(self) -> dict[str, list[str]]:
        """The `errors` member of a problem+json body; rules about the case as a whole go under "_general"."""
        grouped: dict[str, list[str]] = {}
        for failure in self.failures:
            grouped.setdefault(failure.field or "_general", []).append(failure.message)
        return grouped


class TransitionRefused(RuleViolation):
    """The workflow refused to move an application or appointment: illegal step, wrong role, four-eyes..."""


class SlotUnavailable(RuleViolation):
    """The asked day or slot cannot be booked: weekend, holiday, past, too far ahead, not a set time."""
