"""The reviewer console: login form with CSRF, a queue per role, search, the case page with its actions,
CSRF on every decision, and an audit line for every view of a case. Staff tokens are set as the cookie."""

import re

import pytest
from sqlalchemy import select

from chassis.console import china_time
from services.loans.models import ConsoleAuditEntry

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}


@pytest.fixture
def world(loans_world):
    world = loans_world("embedded")
    world.feed_depositor(ZHANG_WEI, months=6)
    return world


def submitted(world, application_body) -> dict:
    reply = world.client.post(
        "/api/v1/loans/applications", json=application_body(), headers=world.depositor_headers(ZHANG_WEI)
    )
    return reply.get_json()


def console_as(world, username: str):
    client = world.hall.client("loans")
    client.set_cookie("hall_staff_token", world.staff_token(username))
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_pages_need_a_staff_login(world):
    reply = world.client.get("/console/loans/")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/console/loans/login")
    depositor = world.hall.client("loans")
    depositor.set_cookie("hall_staff_token", world.depositor_headers(ZHANG_WEI)["Authorization"][7:])
    assert depositor.get("/console/loans/").status_code == 403


def test_login_form_refuses_a_post_without_its_csrf_token(world):
    client = world.hall.client("loans")
    form = client.get("/console/loans/login")
    assert form.status_code == 200 and "工作人员登录" in form.get_data(as_text=True)
    assert "HttpOnly" in form.headers["Set-Cookie"] and "SameSite=Strict" in form.headers["Set-Cookie"]
    forged = world.hall.client("loans").post(
        "/console/loans/login", data={"username": "officer1", "password": "Demo123456", "csrf_token": "guess"}
    )
    assert forged.status_code == 400 and "页面已过期" in forged.get_data(as_text=True)
    blank = client.post(
        "/console/loans/login",
        data={"username": "", "password": "", "csrf_token": csrf_of(form.get_data(as_text=True))},
    )
    assert blank.status_code == 422 and "请输入用户名和密码" in blank.get_data(as_text=True)


def test_each_role_sees_its_own_queue(world, application_body):
    application = submitted(world, application_body)
    officer_page = console_as(world, "officer1").get("/console/loans/").get_data(as_text=True)
    assert application["application_no"] in officer_page
    assert "640105********3219" in officer_page and "640105198506153219" not in officer_page
    approver_page = console_as(world, "approver1").get("/console/loans/").get_data(as_text=True)
    assert application["application_no"] not in approver_page and "暂无待办业务" in approver_page


def test_search_by_application_number_or_id_number(world, application_body):
    application = submitted(world, application_body)
    client = console_as(world, "bank1")
    for term in (application["application_no"], ZHANG_WEI["id_number"]):
        page = client.get("/console/loans/", query_string={"q": term}).get_data(as_text=True)
        assert application["application_no"] in page
    assert "暂无待办业务" in client.get("/console/loans/", query_string={"q": "DK000"}).get_data(as_text=True)


def test_case_page_shows_the_case_and_is_audited(world, application_body):
    application = submitted(world, application_body)
    client = console_as(world, "officer1")
    page = client.get(f"/console/loans/applications/{application['id']}").get_data(as_text=True)
    for text in (application["application_no"], "符合全部贷款条件", "已提交", "预审通过", "预审不通过"):
        assert text in page
    approver_page = console_as(world, "approver1").get(f"/console/loans/applications/{application['id']}")
    assert "预审通过</button>" not in approver_page.get_data(as_text=True)  # not the approver's step
    with world.runtime.db.transaction() as session:
        views = session.scalars(select(ConsoleAuditEntry).where(ConsoleAuditEntry.subject == application["id"])).all()
    assert [(entry.staff, entry.action) for entry in views] == [
        ("staff:officer1", "view_case"),
        ("staff:approver1", "view_case"),
    ]


def test_a_decision_needs_the_csrf_token_and_is_audited(world, application_body):
    application = submitted(world, application_body)
    client = console_as(world, "officer1")
    page = client.get(f"/console/loans/applications/{application['id']}").get_data(as_text=True)
    url = f"/console/loans/applications/{application['id']}/transitions"
    forged = client.post(url, data={"to": "prereviewed", "version": "1", "csrf_token": "x" * 64})
    assert forged.status_code == 403
    done = client.post(url, data={"to": "prereviewed", "version": "1", "csrf_token": csrf_of(page)})
    assert done.status_code == 302
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "办理成功" in after and "预审通过（请携带材料到柜台）" in after
    stale = client.post(url, data={"to": "accepted", "version": "1", "csrf_token": csrf_of(page)})
    assert stale.status_code == 409 and "已被他人处理" in stale.get_data(as_text=True)
    reject = client.post(url, data={"to": "rejected", "version": "2", "opinion": "", "csrf_token": csrf_of(page)})
    assert reject.status_code == 422 and "必须填写审核意见" in reject.get_data(as_text=True)
    with world.runtime.db.transaction() as session:
        actions = [entry.action for entry in session.scalars(select(ConsoleAuditEntry).order_by(ConsoleAuditEntry.id))]
    assert "transition" in actions
    assert world.events("loans.application.prereviewed") == ["loans.application.prereviewed"]


def test_logout_clears_the_cookie(world):
    client = console_as(world, "officer1")
    page = client.get("/console/loans/").get_data(as_text=True)
    reply = client.post("/console/loans/logout", data={"csrf_token": csrf_of(page)})
    assert reply.status_code == 302 and "hall_staff_token=;" in reply.headers["Set-Cookie"]


def test_pages_show_china_time_and_take_their_styles_from_a_file(world, application_body):
    application = submitted(world, application_body)
    client = console_as(world, "officer1")
    shown = china_time(application["submitted_at"])  # the API answers UTC; staff read UTC+8
    for url in ("/console/loans/", f"/console/loans/applications/{application['id']}"):
        page = client.get(url).get_data(as_text=True)
        assert shown in page
        assert "<style" not in page and "style=" not in page  # the gateway's CSP blocks inline styles
        assert 'href="/console/loans/static/console.css"' in page
    stylesheet = client.get("/console/loans/static/console.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
