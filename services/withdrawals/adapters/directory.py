"""Branches (网点) where appointments are kept, from accounts' directory API, cached for a few minutes.

When accounts cannot be reached, `branches.json` (a copy of its directory config, refreshed by hand when the
directory changes) answers, so booking keeps working; the API wins whenever it answers.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from services.withdrawals.domain.reason_catalogue import CENTRE_CODES

log = logging.getLogger("withdrawals.directory")
_FALLBACK = Path(__file__).with_name("branches.json")


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    center: str
    address: str = ""
    phone: str = ""
    hours: str = ""


class BranchDirectory:
    def __init__(self, runtime, ttl_seconds: float):
        self.runtime = runtime
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[float, tuple[Branch, ...]]] = {}
        self._lock = threading.Lock()

    def of_center(self, center: str) -> tuple[Branch, ...]:
        with self._lock:
            cached = self._cache.get(center)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
        branches = self._fetch(center)
        with self._lock:
            self._cache[center] = (time.monotonic(), branches)
        return branches

    def find(self, code: str, center_first: str | None = None) -> Branch | None:
        """A branch by code; the caller's own centre is searched first."""
        order = [center_first] if center_first in CENTRE_CODES else []
        order += [center for center in CENTRE_CODES if center not in order]
        for center in order:
            for branch in self.of_center(center):
                if branch.code == code:
                    return branch
        return None

    def _fetch(self, center: str) -> tuple[Branch, ...]:
        try:
            reply = self.runtime.client("accounts").get_json(f"/api/v1/accounts/centers/{center}/branches")
            if reply.status == 200:
                items = reply.body.get("items", []) if isinstance(reply.body, dict) else reply.body
                return tuple(_branch(item, center) for item in items or [])
            log.warning("accounts directory answered %s; using the local copy", reply.status)
        except Exception as error:  # the directory is a convenience; booking must not fail with it
            log.warning("accounts directory unreachable (%s); using the local copy", type(error).__name__)
        copy = json.loads(_FALLBACK.read_text(encoding="utf-8"))
        return tuple(_branch(item, center) for item in copy.get(center, []))


def _branch(item: dict, center: str) -> Branch:
    return Branch(
        code=item["code"],
        name=item["name"],
        center=center,
        address=item.get("address", ""),
        phone=item.get("phone", ""),
        hours=item.get("hours", ""),
    )


def directory_of(runtime) -> BranchDirectory:
    """One directory (and cache) per running service."""
    directory = getattr(runtime, "_branch_directory", None)
    if directory is None:
        directory = BranchDirectory(runtime, runtime.config.branch_cache_seconds)
        runtime._branch_directory = directory
    return directory
