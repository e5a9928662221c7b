"""The one shape of a refused business rule, and of who acts (pure Python: domain modules import it without Flask)."""

from dataclasses import dataclass, field
from typing import Any


class RuleViolation(Exception):
    """A business rule refused the request; `code` is stable upper snake case, `detail` is Chinese for users,
    `field` names the input at fault (if one is). Use cases raise it (or a subclass); the HTTP status of each
    code is decided once per service (`Service(error_statuses=...)`), never in the use case."""

    def __init__(self, code: str, detail: str, field: str | None = None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field

    def field_errors(self) -> dict[str, list[str]]:
        """The `errors` member of a problem+json body."""
        return {self.field: [self.detail]} if self.field else {}

    def problem_extra(self) -> dict[str, Any]:
        """More members for the problem+json body (e.g. the list of failed rules)."""
        return {}

    @property
    def retry_after(self) -> int | None:
        """Seconds a caller should wait before trying again, when waiting helps."""
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleViolation):
            return NotImplemented
        return (self.code, self.detail, self.field) == (other.code, other.detail, other.field)

    def __hash__(self) -> int:
        return hash((self.code, self.detail, self.field))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.detail!r}, field={self.field!r})"


@dataclass(frozen=True)
class Actor:
    """Who makes a move: a user (or "system") and the roles they act in."""

    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
