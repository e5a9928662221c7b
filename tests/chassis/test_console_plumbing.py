"""The staff consoles' shared plumbing (chassis/console.py) on a tiny Flask app: the login nonce, the session
cookie, CSRF tokens bound to the session token, the role filter on the signed-in officer, and China time."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import Flask, make_response, render_template_string

from chassis.console import (
    csrf_ok,
    csrf_token,
    end_session,
    issue_login_nonce,
    keep_session,
    login_nonce_ok,
    register_console_filters,
    signed_in_staff,
)


@pytest.fixture
def app(test_tokens):
    app = Flask("console_probe")
    runtime = SimpleNamespace(token_verifier=None)
    test_tokens.install(runtime)
    app.extensions["hall.runtime"] = runtime
    register_console_filters(app)

    @app.get("/console/probe/login")
    def login_form():
        response = make_response()
        response.set_data(issue_login_nonce(response, path="/console/probe"))
        return response

    @app.post("/console/probe/login")
    def login():
        if not login_nonce_ok():
            return "expired", 400
        return keep_session(make_response("in"), app.config["NEXT_TOKEN"], login_path="/console/probe")

    @app.get("/console/probe/")
    def page():
        caller, token = signed_in_staff("loan_officer")
        if caller is None:
            return "signed out", 401
        return {"sub": caller.sub, "csrf": csrf_token(token, "probe")}

    @app.post("/console/probe/act")
    def act():
        caller, token = signed_in_staff("loan_officer")
        if caller is None:
            return "signed out", 401
        return ("done", 200) if csrf_ok(token, "probe") else ("forged", 403)

    @app.post("/console/probe/logout")
    def logout():
        return end_session(make_response("out"))

    @app.get("/at")
    def at():
        return render_template_string("{{ moment|china_time }}", moment=app.config["MOMENT"])

    return app


def signed_in(app, token: str):
    client = app.test_client()
    client.set_cookie("hall_staff_token", token)
    return client


def test_login_form_accepts_only_its_own_nonce(app, test_tokens):
    app.config["NEXT_TOKEN"] = test_tokens.token("staff:officer1", roles=("loan_officer",))
    client = app.test_client()
    form = client.get("/console/probe/login")
    cookie = form.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console/probe" in cookie
    nonce = form.get_data(as_text=True)

    assert client.post("/console/probe/login", data={"csrf_token": "guess"}).status_code == 400
    stranger = app.test_client()  # a form posted from another site carries no nonce cookie
    assert stranger.post("/console/probe/login", data={"csrf_token": nonce}).status_code == 400

    reply = client.post("/console/probe/login", data={"csrf_token": nonce})
    assert reply.status_code == 200
    cookies = reply.headers.getlist("Set-Cookie")
    session = next(value for value in cookies if value.startswith("hall_staff_token="))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/" in session
    assert any(value.startswith("hall_console_login=;") for value in cookies)  # the nonce is spent
    assert client.get("/console/probe/").get_json()["sub"] == "staff:officer1"


def test_csrf_token_is_bound_to_the_session_token(app, test_tokens):
    mine = test_tokens.token("staff:officer1", roles=("loan_officer",))
    theirs = test_tokens.token("staff:officer2", roles=("loan_officer",))
    client = signed_in(app, mine)
    token = client.get("/console/probe/").get_json()["csrf"]

    assert client.post("/console/probe/act", data={"csrf_token": token}).status_code == 200
    assert client.post("/console/probe/act", data={}).status_code == 403
    assert signed_in(app, theirs).post("/console/probe/act", data={"csrf_token": token}).status_code == 403
    assert csrf_token(mine, "probe") != csrf_token(mine, "another")  # one console's token is no good in another


def test_signed_in_staff_needs_a_valid_token_with_one_of_the_roles(app, test_tokens):
    assert app.test_client().get("/console/probe/").status_code == 401
    assert signed_in(app, "not-a-jwt").get("/console/probe/").status_code == 401
    expired = test_tokens.token("staff:officer1", roles=("loan_officer",), ttl=-60)
    assert signed_in(app, expired).get("/console/probe/").status_code == 401
    wrong_role = test_tokens.token("staff:wofficer1", roles=("withdrawal_officer",))
    assert signed_in(app, wrong_role).get("/console/probe/").status_code == 401
    depositor = test_tokens.token("user-1", acct="640100000001")
    assert signed_in(app, depositor).get("/console/probe/").status_code == 401
    admin = test_tokens.token("staff:admin", roles=("admin",))
    assert signed_in(app, admin).get("/console/probe/").get_json()["sub"] == "staff:admin"


def test_logout_clears_the_session_cookie(app, test_tokens):
    client = signed_in(app, test_tokens.token("staff:officer1", roles=("loan_officer",)))
    reply = client.post("/console/probe/logout")
    assert reply.headers["Set-Cookie"].startswith("hall_staff_token=;")
    assert client.get("/console/probe/").status_code == 401


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2024, 12, 31, 20, 30), "2025-01-01 04:30"),  # naive, as SQLite returns it: UTC
        (datetime(2024, 12, 31, 20, 30, tzinfo=UTC), "2025-01-01 04:30"),
        ("2025-03-01T09:15:00+08:00", "2025-03-01 09:15"),
        (None, ""),
    ],
)
def test_console_times_are_china_time(app, moment, shown):
    app.config["MOMENT"] = moment
    assert app.test_client().get("/at").get_data(as_text=True) == shown
