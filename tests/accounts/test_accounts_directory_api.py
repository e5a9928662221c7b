"""The public directory: centres, their branches, and the service guides by centre and category."""


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
