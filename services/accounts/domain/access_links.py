"""The other ways into the hall shown on its home page (§5): this hall's own address, the official website of the
depositor's centre, the 公众号 and the apps. Each is an address from configuration; an unset one is not shown."""

from dataclasses import dataclass


@dataclass(frozen=True)
class AccessLink:
    kind: str  # hall | website | wechat | android | ios
    label: str
    url: str


# (kind, label) in the order the manual lists them, the hall's own address first
LINK_KINDS: tuple[tuple[str, str], ...] = (
    ("hall", "本网上业务大厅"),
    ("website", "官方网站"),
    ("wechat", "微信公众号"),
    ("android", "手机APP（Android版）"),
    ("ios", "手机APP（iOS版）"),
)


def access_links(addresses: dict[str, str]) -> list[AccessLink]:
    """The links whose address is configured, in the manual's order."""
    return [AccessLink(kind, label, addresses[kind]) for kind, label in LINK_KINDS if addresses.get(kind)]
