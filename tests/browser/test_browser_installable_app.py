"""The installable hall (issue 19, an installable app for phones): Chromium's own installability check passes, the
service worker keeps the shell and opens the hall offline, an API answer is never served from or kept in a cache,
and a release is taken whole — the new worker fills a cache of its own, waits for 立即更新, and deletes the old one."""

import contextlib
import re
import shutil
import threading

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser

ZHANG = {"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

CACHED_URLS = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    found[name] = (await cache.keys()).map((request) => new URL(request.url).pathname + new URL(request.url).search);
  }
  return found;
}"""
TRY_FETCH = "(path) => fetch(path).then((r) => `answered ${r.status}`, () => 'no network')"


def wait_for_worker(page: Page) -> str:
    """Waits until the service worker controls the page; returns its release (the cache's version)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page.evaluate("() => caches.keys()")


@pytest.fixture
def profile_context(playwright, hall_url, tmp_path):
    """A browser with a profile of its own on disk, as a phone's is: Chromium offers to install an app only outside
    incognito, and every context of the shared browser is one. Fails the test on an uncaught script error."""
    from tests.browser.conftest import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS

    script_errors: list[str] = []
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=hall_url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **PHONE,
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.on("page", lambda page: page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}")))
    yield context
    context.close()
    assert not script_errors, "uncaught script errors in the pages:\n" + "\n".join(script_errors)


def test_the_hall_installs_opens_offline_and_never_keeps_an_api_answer(profile_context, shot):
    context = profile_context
    page = context.pages[0] if context.pages else context.new_page()
    api_answers = []
    page.on("response", lambda r: "/api/" in r.url and api_answers.append(r))
    page.goto("/#/login")
    caches = wait_for_worker(page)
    assert len(caches) == 1 and re.fullmatch(r"hall-shell-[0-9a-f]{16}", caches[0]), caches

    devtools = context.new_cdp_session(page)
    assert devtools.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = devtools.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == [], manifest["errors"]

    # 张伟 logs in and opens pages full of personal data: none of it reaches a cache or comes out of one
    page.locator("#login-center").select_option(ZHANG["center"])
    page.locator("#login-username").fill(ZHANG["username"])
    page.locator("#login-password").fill(ZHANG["password"])
    page.locator("#login-submit").click()
    expect(page.locator("#home-welcome")).to_be_visible()
    page.goto("/#/account")
    expect(page.locator("#account-account-info dd[data-testid=field-balance]")).to_contain_text("元")
    page.goto("/#/loans/calculator")
    expect(page.locator("#calc-rates-table")).to_be_visible()
    assert api_answers, "the pages asked the API nothing"
    assert not [r.url for r in api_answers if r.from_service_worker], "an API answer came through the worker's cache"
    kept = page.evaluate(CACHED_URLS)
    paths = [path for urls in kept.values() for path in urls]
    assert "/" in paths and "/app/main.js" in paths and "/offline.html" in paths
    assert not [path for path in paths if path.startswith("/api/") or "640100000001" in path], paths

    context.set_offline(True)
    page.reload()
    # the shell comes from the worker's cache, and the page says the network is gone
    expect(page.locator("#hall-name")).to_have_text("宁夏住房公积金网上业务大厅")
    expect(page.locator("#offline-notice")).to_contain_text("网络未连接")
    assert page.evaluate(TRY_FETCH, "/api/v1/loans/rates") == "no network"  # never an old answer from a cache
    shot(page, "offline-shell")
    page.goto("/no/such/page")  # a page the worker does not keep: the offline page
    expect(page.locator("#offline-page h1")).to_have_text("网络未连接")
    assert_accessible(page, "the offline page")
    shot(page, "offline-page")

    context.set_offline(False)
    page.goto("/#/loans/calculator")
    expect(page.locator("#offline-notice")).to_have_count(0)
    expect(page.locator("#calc-rates-table")).to_be_visible()


@pytest.fixture
def release_hall(hall_url, tmp_path):
    """A second gateway in front of the services the hall of `hall_url` runs in this process, serving a copy of
    the web app that the test can release a new version of: (base URL, web folder)."""
    from waitress.server import create_server

    from gateway.config import WEB_DIR, GatewayConfig
    from gateway.embedded import EmbeddedGateway

    web = tmp_path / "web"
    shutil.copytree(WEB_DIR, web)
    server = create_server(
        EmbeddedGateway(GatewayConfig.from_env("gateway", web_dir=str(web))), host="127.0.0.1", port=0, threads=4
    )
    thread = threading.Thread(target=_serve, args=(server,), name="release-hall", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", web
    server.close()
    thread.join(timeout=5)


def _serve(server) -> None:
    with contextlib.suppress(OSError):
        server.run()


def test_a_release_is_taken_whole_after_the_prompt_and_the_old_cache_is_deleted(new_context, release_hall):
    base, web = release_hall
    page = new_context(base_url=base).new_page()
    page.goto("/#/loans/calculator")
    expect(page.locator("#calc-rates-table")).to_be_visible()
    (first,) = wait_for_worker(page)

    # a release changes the stylesheet and a module
    for name, marker in (("styles.css", "/* release 2 */"), ("app/format.js", "// release 2")):
        path = web / name
        path.write_text(path.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
    page.reload()
    expect(page.locator("#update-notice")).to_contain_text("网上业务大厅已更新")
    # until the person says so, the page runs the old release whole: the new files are not mixed in
    assert "release 2" not in page.evaluate("() => fetch('/styles.css').then((r) => r.text())")
    assert "release 2" not in page.evaluate("() => fetch('/app/format.js').then((r) => r.text())")
    waiting = page.evaluate("() => caches.keys()")  # the new release sits complete beside the old one
    assert first in waiting and len(waiting) == 2, waiting

    with page.expect_navigation():
        page.locator("#update-reload").click()
    expect(page.locator("#calc-rates-table")).to_be_visible()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#update-notice")).to_have_count(0)
    (second,) = page.evaluate("() => caches.keys()")  # the old release's cache is gone
    assert second != first
    assert "release 2" in page.evaluate("() => fetch('/styles.css').then((r) => r.text())")
    assert "release 2" in page.evaluate("() => fetch('/app/format.js').then((r) => r.text())")
