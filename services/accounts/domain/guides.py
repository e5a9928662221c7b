"""Service guides (办事指南): Markdown articles with a small front-matter, filtered by centre and topic.

An article is content/guides/<anything>.md and starts with

    ---
    id: loan-conditions
    title: 住房公积金个人住房贷款申请条件
    category: loan            (loan | withdrawal | deposit | other)
    center: all               (a centre code, or all for every centre)
    updated: 2026-07-01
    summary: 一句话简介（可选）
    ---

followed by the Markdown body. The front-matter is a few `key: value` lines, parsed here by hand. A body may
quote a rule the code applies by its name in double braces, e.g. `{{连续足额缴存}}`: the article then says
exactly what the hall counts, and cannot drift from it.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

from services.accounts.domain.directory import default_directory
from services.accounts.domain.errors import RuleViolation
from services.accounts.events import CONTINUITY_RULE_TEXT

GUIDES_FOLDER = Path(__file__).resolve().parent.parent / "content" / "guides"
ALL_CENTERS = "all"
_REQUIRED_KEYS = ("id", "title", "category", "center", "updated")
RULES_QUOTED = {"{{连续足额缴存}}": CONTINUITY_RULE_TEXT}


class GuideCategory(StrEnum):
    LOAN = "loan"
    WITHDRAWAL = "withdrawal"
    DEPOSIT = "deposit"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"loan": "贷款", "withdrawal": "提取", "deposit": "缴存", "other": "其他"}[self.value]


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    category: GuideCategory
    center: str
    updated: date
    summary: str
    body: str

    def applies_to(self, center: str) -> bool:
        return self.center in (ALL_CENTERS, center)


class MalformedGuide(ValueError):
    """A content file is wrong: a build-time mistake of whoever wrote it, never a user's."""


def parse_guide(text: str, source: str = "<text>") -> Guide:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise MalformedGuide(f"{source}: the file must start with a --- front-matter line")
    try:
        closing = next(index for index, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise MalformedGuide(f"{source}: the front-matter is not closed with ---") from None
    meta: dict[str, str] = {}
    for line in lines[1:closing]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, separator, value = line.partition(":")
        if not separator:
            raise MalformedGuide(f"{source}: front-matter line without a colon: {line!r}")
        meta[key.strip()] = value.strip()
    missing = [key for key in _REQUIRED_KEYS if not meta.get(key)]
    if missing:
        raise MalformedGuide(f"{source}: front-matter misses {', '.join(missing)}")
    try:
        category = GuideCategory(meta["category"])
        updated = date.fromisoformat(meta["updated"])
    except ValueError as error:
        raise MalformedGuide(f"{source}: {error}") from None
    body = "\n".join(lines[closing + 1 :]).strip()
    for name, rule in RULES_QUOTED.items():
        body = body.replace(name, rule)
    if not body:
        raise MalformedGuide(f"{source}: the article has no body")
    return Guide(
        id=meta["id"],
        title=meta["title"],
        category=category,
        center=meta["center"],
        updated=updated,
        summary=meta.get("summary", ""),
        body=body,
    )


@dataclass(frozen=True)
class GuideLibrary:
    guides: tuple[Guide, ...]

    def select(self, center: str | None = None, category: str | None = None) -> list[Guide]:
        """Guides for `center` (its own and the shared ones) of `category`, newest first, then by title."""
        if category is not None and category not in {member.value for member in GuideCategory}:
            raise RuleViolation("UNKNOWN_CATEGORY", f"不存在的指南分类：{category}", field="category")
        chosen = [
            guide
            for guide in self.guides
            if (center is None or guide.applies_to(center)) and (category is None or guide.category == category)
        ]
        return sorted(chosen, key=lambda guide: (-guide.updated.toordinal(), guide.category, guide.id))

    def get(self, guide_id: str) -> Guide:
        for guide in self.guides:
            if guide.id == guide_id:
                return guide
        raise RuleViolation("GUIDE_NOT_FOUND", "该办事指南不存在或已下线", field="id")


def load_guides(folder: Path = GUIDES_FOLDER, known_centers: set[str] | None = None) -> GuideLibrary:
    """Every *.md in `folder`; refuses duplicate ids and, when `known_centers` is given, unknown centres."""
    guides: list[Guide] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.md")):
        guide = parse_guide(path.read_text(encoding="utf-8"), source=path.name)
        if guide.id in seen:
            raise MalformedGuide(f"{path.name}: id {guide.id} is already used by {seen[guide.id]}")
        if known_centers is not None and guide.center not in known_centers | {ALL_CENTERS}:
            raise MalformedGuide(f"{path.name}: unknown center {guide.center}")
        seen[guide.id] = path.name
        guides.append(guide)
    return GuideLibrary(tuple(guides))


@cache
def default_guides() -> GuideLibrary:
    """The articles shipped in content/guides/, checked against the shipped directory, read once."""
    return load_guides(known_centers=set(default_directory().codes()))
