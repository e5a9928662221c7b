"""The console's session as chassis.console.StaffConsole keeps it, seen through the loans console: logout
checks CSRF, an idle session is signed out, cookies are Secure when configured, and sign-in and logout are
written to the trail as sentences with the officer's name."""

import re
from datetime import timedelta

from sqlalchemy import select

from chassis import clock
from services.loans.models import ConsoleAuditEntry


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def signed_in(world, username: str):
    client = world.hall.client("loans")
    client.set_cookie("hall_staff_token", world.staff_token(username))
    return client


def test_logout_needs_the_pages_csrf_token(loans_world):
    world = loans_world("embedded")
    client = signed_in(world, "officer1")
    page = client.get("/console/loans/").get_data(as_text=True)
    forged = client.post("/console/loans/logout", data={"csrf_token": "guess"})
    assert forged.status_code == 403
    assert client.get("/console/loans/").status_code == 200  # still signed in
    done = client.post("/console/loans/logout", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 302 and "hall_staff_token=;" in done.headers["Set-Cookie"]


def test_an_idle_session_is_signed_out(loans_world):
    world = loans_world("embedded", console_idle_minutes=1)
    client = signed_in(world, "officer1")
    first = client.get("/console/loans/")
    assert first.status_code == 200
    assert any(cookie.startswith("hall_console_seen=") for cookie in first.headers.getlist("Set-Cookie"))
    with clock.travelled_to(clock.now() + timedelta(seconds=30)):
        assert client.get("/console/loans/").status_code == 200  # a page within the minute keeps it alive
    with clock.travelled_to(clock.now() + timedelta(seconds=150)):
        idle = client.get("/console/loans/")
    assert idle.status_code == 302 and idle.headers["Location"].endswith("/console/loans/login?reason=timeout")
    assert "hall_staff_token=;" in idle.headers["Set-Cookie"]
    assert "登录已超时" in client.get(idle.headers["Location"]).get_data(as_text=True)


def test_cookies_are_secure_when_configured(loans_world):
    world = loans_world("embedded", secure_cookies=True)
    reply = signed_in(world, "officer1").get("/console/loans/")
    seen = next(value for value in reply.headers.getlist("Set-Cookie") if value.startswith("hall_console_seen="))
    assert "Secure" in seen and "HttpOnly" in seen and "SameSite=Strict" in seen


def test_sign_in_and_out_through_identity_are_sentences_in_the_trail(start_hall):
    hall = start_hall(["identity", "loans"])
    hall.runtime("identity").service.seed(hall.runtime("identity"))
    client = hall.client("loans")
    form = client.get("/console/loans/login").get_data(as_text=True)
    wrong_console = client.post(
        "/console/loans/login", data={"username": "wofficer1", "password": "Demo123456", "csrf_token": csrf_of(form)}
    )
    assert wrong_console.status_code == 403 and "没有办理贷款业务的权限" in wrong_console.get_data(as_text=True)
    reply = client.post(  # the refused form's nonce still serves
        "/console/loans/login", data={"username": "officer1", "password": "Demo123456", "csrf_token": csrf_of(form)}
    )
    assert reply.status_code == 302
    page = client.get("/console/loans/").get_data(as_text=True)
    assert "王建国（中心贷款科）" in page and "银川住房公积金管理中心" in page and "staff:" not in page
    client.post("/console/loans/logout", data={"csrf_token": csrf_of(page)})
    with hall.runtime("loans").db.transaction() as session:
        trail = session.scalars(select(ConsoleAuditEntry).order_by(ConsoleAuditEntry.id)).all()
        assert [(row.action, row.staff_name, row.sentence) for row in trail] == [
            ("login", "王建国", "王建国登录了贷款审核工作台"),
            ("logout", "王建国", "王建国退出了贷款审核工作台"),
        ]
