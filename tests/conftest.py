import os
import secrets

# the tests run the production shape on this machine, with the dev inbox and dev secrets: a declared workstation
os.environ.setdefault("HALL_WORKSTATION", "true")

pytest_plugins = ["chassis.testing"]

# production-shaped test halls (HALL_EMBEDDED=false) refuse the development certificate key: each run has its own
os.environ.setdefault("HALL_CERTIFICATE_KEY", secrets.token_urlsafe(32))


def pytest_collection_modifyitems(items) -> None:
    """The files that take longest start first. `make test` hands each worker a file at a time; the longest ones
    started last would keep one worker busy for minutes after the others had finished. A file's weight is the
    largest `slow(seconds=...)` of its tests (their time on a busy machine); the other files keep their order."""

    def seconds(item) -> float:
        return max((mark.kwargs.get("seconds", 10) for mark in item.iter_markers("slow")), default=0)

    weight: dict = {}
    for item in items:
        weight[item.path] = max(weight.get(item.path, 0), seconds(item))
    items.sort(key=lambda item: -weight[item.path])  # stable: the order within a weight is kept
