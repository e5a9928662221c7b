"""Errors a user (depositor or staff) can cause in the loans domain: a stable code and a Chinese detail."""

from chassis.rules import RuleViolation as BaseRuleViolation


class RuleViolation(BaseRuleViolation):
    """A business rule of the loans domain refused the request."""


class TransitionRefused(RuleViolation):
    """The workflow refused to move an application: illegal step, wrong role, missing opinion or four-eyes."""


class ApplicationRefused(RuleViolation):
    """Filing or moving an application was refused: an unknown bank, failed conditions (`failures` lists each,
    code, detail and whom it concerns), or a decision taken on a page someone else had changed meanwhile."""

    def __init__(self, code: str, detail: str, field: str | None = None, failures: tuple[dict, ...] = ()):
        super().__init__(code, detail, field)
        self.failures = failures

    def problem_extra(self) -> dict:
        return {"failures": list(self.failures)} if self.failures else {}


def stale_page() -> ApplicationRefused:
    return ApplicationRefused("VERSION_CONFLICT", "该申请已被他人处理，请刷新后重试")
