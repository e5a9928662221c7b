"""SMS-code caps: resend after 60 s, 10 a day per mobile and purpose, and a limit per IP — each answer says when."""

from datetime import timedelta

from chassis import clock
from services.identity.models import SmsCode


def _send(ih, person, ip="198.51.100.7"):
    body = {"purpose": "register", **ih.step1(person)}
    return ih.client.post(f"{ih.API}/sms-codes", json=body, headers={"X-Forwarded-For": ip})


def _issued_earlier(ih, mobile, count, ip="198.51.100.7", purpose="register"):
    now = clock.now()
    with ih.runtime.db.transaction() as session:
        for index in range(count):
            at = now - timedelta(seconds=90 + index)
            session.add(
                SmsCode(
                    mobile=mobile,
                    purpose=purpose,
                    code_hash="0" * 64,
                    ip=ip,
                    issued_at=at,
                    expires_at=at + timedelta(minutes=5),
                    wrong_attempts=0,
                )
            )


def test_resend_waits_60_seconds_and_says_so(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    assert _send(ih, ih.LI).status_code == 202
    again = _send(ih, ih.LI)
    problem = again.get_json()
    assert (again.status_code, problem["code"]) == (429, "TOO_MANY_REQUESTS")
    assert 55 <= problem["retry_after"] <= 60 and again.headers["Retry-After"] == str(problem["retry_after"])
    assert "秒后再试" in problem["detail"]
    assert len(ih.events("identity.sms.requested")) == 1


def test_ten_codes_a_day_per_mobile_and_purpose(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    _issued_earlier(ih, ih.LI["mobile"], 9)
    assert _send(ih, ih.LI).status_code == 202  # the tenth
    _issued_earlier(ih, ih.LI["mobile"], 1)  # and one more a little earlier: past the cap, not the 60 s
    with ih.runtime.db.transaction() as session:
        session.query(SmsCode).filter(SmsCode.code_hash != "0" * 64).update(
            {SmsCode.issued_at: clock.now() - timedelta(seconds=70)}
        )
    capped = _send(ih, ih.LI)
    assert (capped.status_code, capped.get_json()["code"]) == (429, "TOO_MANY_REQUESTS")
    assert "10次上限" in capped.get_json()["detail"] and capped.get_json()["retry_after"] > 60


def test_one_ip_cannot_ask_for_codes_without_end(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    ih.feed_depositor(ih.ZHANG, ih.ZHANG_ACCOUNT)
    _issued_earlier(ih, "13700000000", 20, ip="203.0.113.9")
    busy_ip = _send(ih, ih.LI, ip="203.0.113.9")
    assert (busy_ip.status_code, busy_ip.get_json()["code"]) == (429, "TOO_MANY_REQUESTS")
    assert busy_ip.get_json()["retry_after"] > 3000  # the oldest of the 20 ages out of the hour
    assert _send(ih, ih.ZHANG, ip="203.0.113.10").status_code == 202
