"""The client's address as the edge saw it.

Only the edge writes X-Forwarded-For: it drops what a client sent and sets the header to the one address it
saw (or, behind a configured trusted proxy, the address that proxy saw). A service believes the header only
when the request came from an address in HALL_TRUSTED_PROXIES (the edge's; loopback by default, as in `make
run` and `make up`; the edge pods' network in Kubernetes). From anyone else the header is ignored, so a client
cannot pick the address a per-IP limit counts.
"""

import ipaddress
import os
from functools import lru_cache

from flask import request

TRUSTED_PROXIES_VARIABLE = "HALL_TRUSTED_PROXIES"
DEFAULT_TRUSTED_PROXIES = "127.0.0.1/32,::1/128"


@lru_cache(maxsize=8)
def _networks(raw: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())


def trusted_networks() -> tuple:
    return _networks(os.environ.get(TRUSTED_PROXIES_VARIABLE, DEFAULT_TRUSTED_PROXIES))


def is_trusted(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_networks())


def client_address(environ: dict | None = None) -> str:
    """The caller's address: X-Forwarded-For (its last entry, the one the edge wrote) when the request came
    from a trusted proxy, else the connection's own peer address."""
    environ = request.environ if environ is None else environ
    peer = environ.get("REMOTE_ADDR") or ""
    if is_trusted(peer):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return (peer or "unknown")[:64]
