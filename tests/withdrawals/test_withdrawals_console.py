"""The officers' console: login form with CSRF, the staff cookie, queues, the case page, actions and the audit."""

import re

from sqlalchemy import select

from chassis.console import china_time
from services.withdrawals.models import ConsoleAudit
from tests.withdrawals.conftest import rent_body

ACCOUNT = "640100000001"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _logged_in(desk, username: str, *roles: str):
    client = desk.hall.client("withdrawals")
    token = desk.staff(username, *roles)["Authorization"].removeprefix("Bearer ")
    client.set_cookie("hall_staff_token", token)
    return client


def test_login_form_refuses_a_post_without_its_csrf_token(desk):
    desk = desk("embedded")
    client = desk.hall.client("withdrawals")
    form = client.get("/console/withdrawals/login")
    assert "工作人员登录" in form.get_data(as_text=True)
    forged = client.post(
        "/console/withdrawals/login", data={"username": "wofficer1", "password": "x", "csrf_token": "no"}
    )
    assert forged.status_code == 400


def test_pages_need_a_withdrawal_officer(desk):
    desk = desk("embedded")
    anonymous = desk.hall.client("withdrawals").get("/console/withdrawals/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].endswith("/console/withdrawals/login")
    loan_officer = _logged_in(desk, "officer1", "loan_officer").get("/console/withdrawals/")
    assert loan_officer.status_code == 403  # signed in, but not for withdrawals (as the loans console answers)


def test_queue_case_page_action_and_audit(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT)
    case_id = desk.submit(ACCOUNT, rent_body()).get_json()["id"]
    client = _logged_in(desk, "wofficer1")

    queue = client.get("/console/withdrawals/?status=submitted").get_data(as_text=True)
    assert "张伟" in queue and case_id in queue and "已提交（1）" in queue

    page = client.get(f"/console/withdrawals/applications/{case_id}").get_data(as_text=True)
    assert "6222020200000000014" not in page and "0014" in page  # the card is masked
    assert 'value="prereviewed"' in page

    forged = client.post(
        f"/console/withdrawals/applications/{case_id}/transitions", data={"to": "prereviewed", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    done = client.post(
        f"/console/withdrawals/applications/{case_id}/transitions",
        data={"to": "prereviewed", "csrf_token": _csrf(page)},
    )
    assert done.status_code == 302
    assert desk.case(ACCOUNT, case_id)["status"] == "prereviewed"

    refused = client.post(
        f"/console/withdrawals/applications/{case_id}/transitions",
        data={"to": "rejected", "csrf_token": _csrf(page)},
        follow_redirects=True,
    )
    assert "退回申请须填写审核意见" in refused.get_data(as_text=True)

    with desk.runtime.db.transaction() as session:
        audit = [(row.staff, row.action) for row in session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id))]
    assert ("staff:wofficer1", "view_case") in audit and ("staff:wofficer1", "transition") in audit
    trail = client.get("/console/withdrawals/audit").get_data(as_text=True)
    assert "查看了提取申请" in trail and "view_case" not in trail


def test_officer_logs_in_through_identity_and_gets_a_strict_http_only_cookie(start_hall):
    hall = start_hall(["identity", "withdrawals"], mode="embedded")
    identity = hall.runtime("identity")
    identity.service.seed(identity)
    client = hall.client("withdrawals")
    form = client.get("/console/withdrawals/login").get_data(as_text=True)
    wrong = client.post(
        "/console/withdrawals/login", data={"username": "wofficer1", "password": "nope", "csrf_token": _csrf(form)}
    )
    assert wrong.status_code == 401
    loan_officer = client.post(
        "/console/withdrawals/login",
        data={"username": "officer1", "password": "Demo123456", "csrf_token": _csrf(form)},
    )
    assert loan_officer.status_code == 403 and "没有提取业务经办权限" in loan_officer.get_data(as_text=True)
    done = client.post(
        "/console/withdrawals/login",
        data={"username": "wofficer1", "password": "Demo123456", "csrf_token": _csrf(form)},
    )
    assert done.status_code == 302
    cookie = done.headers["Set-Cookie"]
    assert cookie.startswith("hall_staff_token=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "业务队列" in client.get("/console/withdrawals/").get_data(as_text=True)


def test_pages_show_china_time_and_take_their_styles_from_a_file(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT)
    case = desk.submit(ACCOUNT, rent_body()).get_json()
    client = _logged_in(desk, "wofficer1")
    for url in ("/console/withdrawals/?status=submitted", f"/console/withdrawals/applications/{case['id']}"):
        page = client.get(url).get_data(as_text=True)
        assert china_time(case["created_at"]) in page
        assert "<style" not in page and "style=" not in page  # the gateway's CSP blocks inline styles
        assert 'href="/console/withdrawals/static/console.css"' in page
    stylesheet = client.get("/console/withdrawals/static/console.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
