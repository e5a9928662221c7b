"""The home page (manual §5, issue 19): the official website's link, QR codes that read back as the links beside
them, and the branches placed inside an outline of Ningxia by their coordinates."""

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.test_browser_hall_details import log_in_zhang

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
