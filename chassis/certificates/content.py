"""What a certificate says, in plain Python: printed lines, their masked public form, an optional table."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CertificateContent:
    """The facts of one certificate as printed (`lines`) and as the public verification shows them
    (`public_lines`, personal data masked). `table` is the statement's rows; `note` the small print."""

    title: str
    center_name: str
    lines: tuple[tuple[str, str], ...]
    public_lines: tuple[tuple[str, str], ...]
    table_columns: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = ()
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "center_name": self.center_name,
            "lines": [list(line) for line in self.lines],
            "public_lines": [list(line) for line in self.public_lines],
            "table_columns": list(self.table_columns),
            "table_rows": [list(row) for row in self.table_rows],
            "note": self.note,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CertificateContent":
        return cls(
            title=data["title"],
            center_name=data["center_name"],
            lines=tuple(tuple(line) for line in data["lines"]),
            public_lines=tuple(tuple(line) for line in data["public_lines"]),
            table_columns=tuple(data.get("table_columns") or ()),
            table_rows=tuple(tuple(row) for row in data.get("table_rows") or ()),
            note=data.get("note", ""),
            extra=dict(data.get("extra") or {}),
        )
