"""The one shape of a refused business rule (pure Python: domain modules import it without Flask)."""


class RuleViolation(Exception):
    """A business rule refused the request; `code` is stable upper snake case, `detail` is Chinese for users,
    `field` names the input at fault (if one is)."""

    def __init__(self, code: str, detail: str, field: str | None = None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleViolation):
            return NotImplemented
        return (self.code, self.detail, self.field) == (other.code, other.detail, other.field)

    def __hash__(self) -> int:
        return hash((self.code, self.detail, self.field))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.detail!r}, field={self.field!r})"
