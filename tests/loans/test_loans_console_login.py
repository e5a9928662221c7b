"""Logging in to the console through identity's staff sessions (identity and loans running together)."""

import re


def test_staff_log_in_through_identity_and_get_an_httponly_cookie(start_hall):
    hall = start_hall(["identity", "loans"])
    hall.runtime("identity").service.seed(hall.runtime("identity"))
    client = hall.client("loans")
    form = client.get("/console/loans/login").get_data(as_text=True)
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)

    wrong = client.post(
        "/console/loans/login", data={"username": "officer1", "password": "wrong-pass1", "csrf_token": nonce}
    )
    assert wrong.status_code == 401 and "工作人员登录" in wrong.get_data(as_text=True)

    form = client.get("/console/loans/login").get_data(as_text=True)
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    reply = client.post(
        "/console/loans/login", data={"username": "officer1", "password": "Demo123456", "csrf_token": nonce}
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    cookie = next(value for value in reply.headers.getlist("Set-Cookie") if value.startswith("hall_staff_token="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    queue = client.get("/console/loans/")
    assert queue.status_code == 200 and "待办业务（中心贷款科）" in queue.get_data(as_text=True)
