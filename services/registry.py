"""Every service of the hall, in start-up order (identity first: the others verify its tokens)."""

from importlib import import_module

from chassis.service import Service

NAMES = ("identity", "accounts", "loans", "withdrawals", "notifications")


def load(name: str) -> Service:
    return import_module(f"services.{name}.app").service


def all_services() -> list[Service]:
    return [load(name) for name in NAMES]
