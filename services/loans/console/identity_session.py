"""Staff log in through identity's staff sessions: the one call the console makes to another service.

ServiceClient only has get_json, so the POST is made here: over HTTP when identity has a URL (make up), in
process through its WSGI app when embedded. (Wanted in the chassis: `ServiceClient.post_json`.)
"""

import requests
from werkzeug.test import Client

from chassis.errors import ApiError
from chassis.http import local_app
from chassis.runtime import current_runtime

STAFF_SESSIONS = "/api/v1/identity/staff-sessions"


def open_staff_session(username: str, password: str, client_ip: str | None) -> str:
    """The staff access token for these credentials; ApiError with identity's code and Chinese detail if refused."""
    payload = {"username": username, "password": password}
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    base_url = current_runtime().config.service_url("identity")
    try:
        if base_url:
            response = requests.post(base_url + STAFF_SESSIONS, json=payload, headers=headers, timeout=5)
            status, body = response.status_code, _json(response)
        else:
            app = local_app("identity")
            if app is None:
                raise ConnectionError("identity is not running in this process")
            response = Client(app).post(STAFF_SESSIONS, json=payload, headers=headers)
            status, body = response.status_code, response.get_json(silent=True)
    except (requests.RequestException, ConnectionError) as error:
        raise ApiError("AUTH_UNAVAILABLE", "登录服务暂不可用，请稍后再试", 503) from error
    body = body or {}
    if status in (200, 201) and body.get("access_token"):
        return body["access_token"]
    if status >= 500 or status == 404:
        raise ApiError("AUTH_UNAVAILABLE", "登录服务暂不可用，请稍后再试", 503)
    raise ApiError(body.get("code") or "BAD_CREDENTIALS", body.get("detail") or "用户名或密码错误", status)


def _json(response: requests.Response) -> dict | None:
    try:
        return response.json()
    except ValueError:
        return None
