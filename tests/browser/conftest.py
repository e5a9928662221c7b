"""Browser-test fixtures: the embedded hall served by waitress in this process, headless Debian chromium, and
screenshots of every page visited under tests/artifacts/screenshots/ (git-ignored)."""

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
# Playwright waits this long for an element; the hall answers in milliseconds, so a miss is a real failure
ACTION_TIMEOUT_MS = 10_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.fixture(scope="session")
def hall_url(tmp_path_factory) -> Iterator[str]:
    """Every service, the gateway and the web hall on a free port, with demo data in a fresh data folder."""
    from waitress.server import create_server

    data_dir = tmp_path_factory.mktemp("hall-data")
    previous = os.environ.get("HALL_DATA_DIR")
    # the services read their SQLite paths from it while they are built, so it is set first
    os.environ["HALL_DATA_DIR"] = str(data_dir)
    from gateway.embedded import EmbeddedHall

    hall = EmbeddedHall()
    server = create_server(hall.gateway, host="127.0.0.1", port=0, threads=8)  # port 0: any free port
    port = server.effective_port
    thread = threading.Thread(target=_serve, args=(server,), name="browser-hall", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=5)
        hall.stop()
        if previous is None:
            os.environ.pop("HALL_DATA_DIR", None)
        else:
            os.environ["HALL_DATA_DIR"] = previous


def _serve(server) -> None:
    with contextlib.suppress(OSError):  # closing the listening socket ends run() this way
        server.run()


@pytest.fixture(scope="session")
def playwright() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser, hall_url):
    """`new_context(**options)` → a fresh browser context (its own cookies and sessionStorage) on the hall,
    in China's time zone so "today" is the hall's today; closed after the test, which fails if a page threw
    an uncaught script error meanwhile."""
    opened = []
    script_errors: list[str] = []

    def open_context(**options):
        settings = {"base_url": hall_url, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.on(
            "page", lambda page: page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        )
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()
    assert not script_errors, "uncaught script errors in the pages:\n" + "\n".join(script_errors)


class Shots:
    """Saves full-page screenshots named `<test>-<NN>-<name>.png` and remembers them for the report."""

    def __init__(self, test_name: str):
        # "test_li_na_registers_..." → "li_na_registers": short enough to read in a file list
        words = re.sub(r"[^a-z0-9_]+", "_", test_name.lower()).removeprefix("test_").strip("_").split("_")
        self.prefix = "_".join(words[:3])
        self.count = 0
        self.saved: list[Path] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob(f"{self.prefix}-*.png"):
            old.unlink()

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)
        return path


@pytest.fixture
def shot(request) -> Shots:
    return Shots(request.node.name)
