"""The home page (manual §5, issue 19): the official website's link, QR codes that read back as the links beside
them, and the branches placed inside an outline of Ningxia by their coordinates; password recovery's step change
clears its notice."""

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from chassis import clock
from tests.browser.hall_steps import log_in_zhang, wait_for_sms_code

pytestmark = pytest.mark.browser

# every branch marker's centre, and whether the outline of the region contains it (the browser's own geometry)
MARKERS_INSIDE = """() => {
  const region = document.querySelector('#map-region');
  const svg = region.ownerSVGElement;
  return [...svg.querySelectorAll('.map-marker circle')].map((circle) => {
    const point = svg.createSVGPoint();
    point.x = Number(circle.getAttribute('cx'));
    point.y = Number(circle.getAttribute('cy'));
    return region.isPointInFill(point);
  });
}"""


def test_the_qr_codes_read_back_as_the_links_beside_them(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    expect(page.locator("#home-website")).to_have_attribute("href", "http://www.nxzfgjj.gov.cn")
    links = page.locator('[data-testid="access-link"]')
    expect(links.first.locator("img")).to_be_visible()
    kinds = [links.nth(index).get_attribute("data-kind") for index in range(links.count())]
    assert kinds[:2] == ["hall", "website"], kinds  # the apps and the 公众号 show once they are configured
    for index in range(links.count()):
        item = links.nth(index)
        picture = Image.open(io.BytesIO(item.locator("img").screenshot())).convert("L")
        read = [code.text for code in zxingcpp.read_barcodes(picture)]
        assert read == [item.locator(".qr-url").text_content()], (kinds[index], read)
    assert "示意图" not in page.locator("#main").inner_text()
    shot(page, "home-qr-codes")


def _markers_match_the_list(page: Page, center: str) -> None:
    page.locator("#home-branch-center").select_option(center)
    expect(page.locator(f'#branch-list [data-testid="branch"][data-branch^="{center}-"]').first).to_be_visible()
    listed = page.locator('#branch-list [data-testid="branch"]').count()
    inside = page.evaluate(MARKERS_INSIDE)
    assert len(inside) == listed and all(inside), (center, inside)
    assert page.locator("#branch-close-up .map-marker").count() == listed


def test_every_centres_branches_sit_inside_the_outline_of_ningxia(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    expect(page.locator("#branch-map #map-region")).to_be_visible()
    for center in ("yinchuan", "nx-region", "shizuishan", "wuzhong", "guyuan", "zhongwei"):
        _markers_match_the_list(page, center)
    shot(page, "home-branch-map")


def test_password_recovery_clears_the_code_sent_notice_on_the_next_step(new_context):
    page = new_context().new_page()
    page.goto("/#/recover")
    page.locator("#rec-center").select_option("yinchuan")
    page.locator("#rec-id-number").fill("640105198506153219")
    page.locator("#rec-phone").fill("13895000001")
    sent_at = clock.timestamp()
    page.locator("#rec-send-sms").click()
    expect(page.locator("#flash")).to_have_text("验证码已发送，请查收短信。")
    page.locator("#rec-sms-code").fill(wait_for_sms_code(page, "13895000001", "找回", sent_at))
    page.locator("#rec-next").click()
    expect(page.locator("#rec-step-bar li[aria-current=step]")).to_contain_text("第二步")
    expect(page.locator("#flash")).to_be_empty()  # the first step's notice is not the second's
