"""The public directory: centres, their branches, the ways into the hall and the service guides."""

import re
from urllib.parse import unquote

import segno


def test_centres_and_branches_need_no_token(accounts_hall):
    client = accounts_hall(seed=False).client("accounts")
    centers = client.get("/api/v1/accounts/centers").get_json()
    assert [center["code"] for center in centers] == [
        "nx-region",
        "yinchuan",
        "shizuishan",
        "wuzhong",
        "guyuan",
        "zhongwei",
    ]
    assert centers[1]["name"] == "银川住房公积金管理中心"
    branches = client.get("/api/v1/accounts/centers/yinchuan/branches").get_json()
    assert branches and set(branches[0]) == {"code", "name", "address", "phone", "hours", "lat", "lng"}
    missing = client.get("/api/v1/accounts/centers/beijing/branches")
    assert missing.status_code == 404 and missing.get_json()["code"] == "CENTER_NOT_FOUND"


def test_guides_filter_by_centre_and_category_and_open_by_id(accounts_hall):
    client = accounts_hall(seed=False).client("accounts")
    for category in ("loan", "withdrawal"):
        guides = client.get(f"/api/v1/accounts/guides?center=wuzhong&category={category}").get_json()
        assert len(guides) >= 3 and {guide["category"] for guide in guides} == {category}
        assert all(guide["center"] in ("all", "wuzhong") for guide in guides)
    yinchuan_only = [g for g in client.get("/api/v1/accounts/guides").get_json() if g["center"] == "yinchuan"]
    wuzhong = {g["id"] for g in client.get("/api/v1/accounts/guides?center=wuzhong").get_json()}
    assert yinchuan_only and not {g["id"] for g in yinchuan_only} & wuzhong
    article = client.get("/api/v1/accounts/guides/loan-conditions").get_json()
    assert article["title"] and "申请条件" in article["body"]
    assert client.get("/api/v1/accounts/guides/no-such-guide").status_code == 404
    bad = client.get("/api/v1/accounts/guides?category=tax")
    assert bad.status_code == 422 and bad.get_json()["code"] == "VALIDATION_FAILED"


def _modules(svg: str) -> str:
    """The drawing of the dark modules: the d attribute of segno's one path."""
    return re.search(r"""\sd=['"]([^'"]+)['"]""", svg).group(1)


def _decoded_svg(data_uri: str) -> str:
    prefix = "data:image/svg+xml;charset=utf-8,"
    assert data_uri.startswith(prefix)
    return unquote(data_uri[len(prefix) :])


def test_access_links_carry_the_configured_addresses_and_real_qr_codes(start_hall):

    settings = {
        "accounts": {
            "public_url": "https://hall.example.test/",
            "wechat_url": "https://mp.example.test/nxgjj",
            "android_app_url": "https://app.example.test/android",
        }
    }
    client = start_hall(["accounts"], settings=settings).client("accounts")
    links = client.get("/api/v1/accounts/access-links?center=yinchuan").get_json()
    # the manual's order; the iOS app has no address configured, so it is not shown
    assert [(link["kind"], link["url"]) for link in links] == [
        ("hall", "https://hall.example.test/"),
        ("website", "http://www.nxzfgjj.gov.cn"),
        ("wechat", "https://mp.example.test/nxgjj"),
        ("android", "https://app.example.test/android"),
    ]
    assert links[1]["label"] == "官方网站"
    for link in links:
        svg = _decoded_svg(link["qr_svg"])
        # segno's drawing of exactly this address (the browser test reads the codes back with another decoder)
        expected = segno.make(link["url"], error="m").svg_inline(scale=4, border=4)
        assert svg.startswith("<svg") and f"<title>{link['label']}</title>" in svg
        assert _modules(svg) == _modules(expected)
    missing = client.get("/api/v1/accounts/access-links?center=beijing")
    assert missing.status_code == 404 and missing.get_json()["code"] == "CENTER_NOT_FOUND"
