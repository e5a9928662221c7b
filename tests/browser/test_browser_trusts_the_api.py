"""The page trusts the API (issue 19): the steps ahead on a progress page, whether it offers 撤销申请 or 取消预约,
and each withdrawal reason's own fields are what the service answers, not copies kept in the JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.hall_steps import log_in_zhang

pytestmark = pytest.mark.browser

# the depositor's own GET, with the token the page keeps in sessionStorage
API_GET = """async (path) => {
  const session = JSON.parse(sessionStorage.getItem('nxhall.session'));
  const reply = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + session.access_token } });
  return reply.json();
}"""


def _progress_matches_the_service(page: Page, path: str, timeline: str, cancel: str) -> dict:
    case = page.evaluate(API_GET, path)
    expect(page.locator(f"#{timeline} [data-testid=timeline-entry]")).to_have_count(len(case["timeline"]))
    pending = page.locator(f"#{timeline} [data-testid=timeline-pending] .tl-state")
    expect(pending).to_have_text([step["label"] for step in case["steps_ahead"]])
    expect(page.locator(f"#{cancel}")).to_have_count(1 if case["can_cancel"] else 0)
    return case


def test_progress_pages_show_the_services_steps_ahead_and_cancel_offer(new_context):
    page = new_context().new_page()
    log_in_zhang(page)
    loans = page.evaluate(API_GET, "/loans/applications?page_size=50")["items"]
    withdrawals = page.evaluate(API_GET, "/withdrawals/applications?page_size=50")["items"]
    assert loans and withdrawals  # the demo gives 张伟 both
    seen = []
    for application in loans[:2]:
        page.goto(f"/#/loans/applications/{application['id']}")
        seen.append(
            _progress_matches_the_service(
                page, f"/loans/applications/{application['id']}", "application-timeline", "application-cancel"
            )
        )
    for application in withdrawals[:2]:
        page.goto(f"/#/withdrawals/applications/{application['id']}")
        seen.append(
            _progress_matches_the_service(
                page, f"/withdrawals/applications/{application['id']}", "wd-timeline", "wd-cancel"
            )
        )
    assert any(case["steps_ahead"] for case in seen)  # some steps were still ahead, so the labels were compared


def test_each_reasons_fields_are_the_ones_the_service_describes(new_context):
    page = new_context().new_page()
    log_in_zhang(page)
    reasons = page.evaluate(API_GET, "/withdrawals/reasons?center=yinchuan")["items"]
    page.goto("/#/withdrawals/apply")
    select = page.locator("#wd-reason")
    expect(select.locator("option")).to_have_count(len(reasons) + 1)
    for reason in reasons:
        select.select_option(reason["code"])
        shown = page.locator("#wd-extra-fields input, #wd-extra-fields select")
        expect(shown).to_have_count(len(reason["fields"]))
        assert [shown.nth(i).get_attribute("name") for i in range(shown.count())] == [
            f["name"] for f in reason["fields"]
        ]
        for spec in reason["fields"]:
            if spec["kind"] == "text":
                control = page.locator(f'#wd-extra-fields [name="{spec["name"]}"]')
                expect(control).to_have_attribute("maxlength", str(spec["max_length"]))
            expect(
                page.locator(f'#wd-extra-fields label[for="wd-field-{spec["name"].replace("_", "-")}"]')
            ).to_contain_text(spec["label"])
        expect(page.locator("#wd-amount")).to_have_js_property("readOnly", reason["closes_account"])
