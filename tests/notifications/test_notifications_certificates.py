"""A certificate issued in accounts or loans becomes one message in the depositor's message centre, and no text."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from chassis import clock
from chassis.testing import wait_until
from services.accounts.events import CERTIFICATE_ISSUED as ACCOUNT_CERTIFICATE_ISSUED
from services.loans.events import CERTIFICATE_ISSUED as LOAN_CERTIFICATE_ISSUED
from services.notifications.cases.delivery import queue_notice
from services.notifications.cases.notices import notice_for
from services.notifications.models import InAppMessage, SmsDelivery

ZHANG_WEI = "640100000001"


def _count(hall, model) -> int:
    with hall.runtime("notifications").db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_an_issued_certificate_is_a_message_once_and_never_a_text(start_hall, feed, test_tokens, mode):
    hall = start_hall(["notifications"], mode=mode)
    test_tokens.install(hall.runtime("notifications"))
    feed(hall).depositor()
    issued_at = clock.now()
    data = {
        "certificate_id": "c-1",
        "account_no": ZHANG_WEI,
        "kind": "deposit",
        "title": "住房公积金缴存证明",
        "verification_code": "ABCD-EFGH-JKLM-NPQR",
        "issued_at": issued_at,
        "expires_at": issued_at + timedelta(days=90),
    }
    envelope = feed(hall).emit(ACCOUNT_CERTIFICATE_ISSUED, data)
    feed(hall).emit(LOAN_CERTIFICATE_ISSUED, {**data, "certificate_id": "c-2", "loan_id": "l-1", "kind": "payoff"})
    wait_until(lambda: _count(hall, InAppMessage) == 2, what="two certificate messages")

    client = hall.client("notifications")
    page = client.get("/api/v1/notifications/me", headers=test_tokens.depositor("u-zhang", acct=ZHANG_WEI)).get_json()
    titles = {item["title"] for item in page["items"]}
    assert titles == {"电子证明已开具"}
    bodies = " ".join(item["body"] for item in page["items"])
    assert "张伟，您的住房公积金缴存证明已开具，验证码ABCD-EFGH-JKLM-NPQR" in bodies
    expires_on = clock.day_of(issued_at + timedelta(days=90))
    assert f"有效期至{expires_on.year}年{expires_on.month}月{expires_on.day}日" in bodies
    assert _count(hall, SmsDelivery) == 0

    # the same event handled again (a redelivery past the inbox) adds nothing
    runtime = hall.runtime("notifications")
    with runtime.db.transaction() as session:
        loaded = ACCOUNT_CERTIFICATE_ISSUED.load(envelope)
        queue_notice(session, notice_for(loaded, envelope), envelope, runtime.config)
    assert _count(hall, InAppMessage) == 2
