"""The message centre: my messages, unread count, pages, marking read; nobody sees anyone else's. Dev inbox."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chassis import clock
from chassis.bus.outbox import history_at
from chassis.bus.tables import inbox
from chassis.testing import wait_until
from services.accounts.events import ACCOUNT_CREDITED
from services.identity.events import SMS_REQUESTED
from services.loans.events import APPLICATION_EVENTS as LOAN_APPLICATION_EVENTS
from services.notifications.app import service
from services.notifications.models import InAppMessage, Recipient

ZHANG_WEI = "640100000001"

LI_NA = "640300000002"


def credited(account_no, days_ago, entry):
    posted_on = clock.today() - timedelta(days=days_ago)
    return {
        "entry_id": entry,
        "account_no": account_no,
        "id_number": "640105198506153219",
        "center": "yinchuan",
        "kind": "regular_deposit",
        "amount": Decimal("1440.00"),
        "balance": Decimal("56789.12"),
        "posted_on": posted_on,
        "month": f"{posted_on:%Y-%m}",
    }


def handled(hall, event_type):
    with hall.runtime("notifications").db.transaction() as session:
        return session.scalar(select(func.count()).select_from(inbox).where(inbox.c.event_type == event_type))


def message_count(hall):
    with hall.runtime("notifications").db.transaction() as session:
        return session.scalar(select(func.count()).select_from(InAppMessage))


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_each_depositor_sees_and_marks_only_their_own_messages(start_hall, feed, test_tokens, mode):
    hall = start_hall(["notifications"], mode=mode)
    test_tokens.install(hall.runtime("notifications"))
    feed(hall).depositor()
    feed(hall).depositor(account_no=LI_NA, mobile="13995000002", name="李娜", id_number="64030219920720051X")
    for days_ago in (3, 2, 1, 3 * 365):  # the last one is history, not news
        feed(hall).emit(ACCOUNT_CREDITED, credited(ZHANG_WEI, days_ago, f"e-{days_ago}"))
    wait_until(lambda: handled(hall, "accounts.account.credited") == 4, what="four deposits handled")
    assert message_count(hall) == 3
    client = hall.client("notifications")
    zhang = test_tokens.depositor("u-zhang", acct=ZHANG_WEI, name="张伟")
    li = test_tokens.depositor("u-li", acct=LI_NA, center="wuzhong", name="李娜")

    page = client.get("/api/v1/notifications/me?page=1&page_size=2", headers=zhang).get_json()
    assert (page["total"], page["unread"], page["page"], page["page_size"], len(page["items"])) == (3, 3, 1, 2, 2)
    newest = page["items"][0]
    assert newest["title"] == "缴存已入账" and newest["read"] is False
    assert newest["body"].startswith("张伟，您20") and "1,440.00元已入账" in newest["body"]

    assert client.get("/api/v1/notifications/me", headers=li).get_json()["total"] == 0
    stolen = client.post(f"/api/v1/notifications/me/{newest['id']}/read", headers=li)
    assert stolen.status_code == 404 and stolen.get_json()["code"] == "MESSAGE_NOT_FOUND"

    read = client.post(f"/api/v1/notifications/me/{newest['id']}/read", headers=zhang)
    assert read.status_code == 200 and read.get_json()["read"] is True
    again = client.post(f"/api/v1/notifications/me/{newest['id']}/read", headers=zhang).get_json()
    assert again["read_at"] == read.get_json()["read_at"]
    assert client.get("/api/v1/notifications/me", headers=zhang).get_json()["unread"] == 2


def test_the_message_centre_needs_a_depositor_token(start_hall, test_tokens):
    hall = start_hall(["notifications"])
    test_tokens.install(hall.runtime("notifications"))
    client = hall.client("notifications")
    assert client.get("/api/v1/notifications/me").status_code == 401
    staff = client.get("/api/v1/notifications/me", headers=test_tokens.staff("staff:officer1", "loan_officer"))
    assert staff.status_code == 403
    bad_page = client.get("/api/v1/notifications/me?page_size=500", headers=test_tokens.depositor("u", acct="1"))
    assert bad_page.status_code == 422 and bad_page.get_json()["code"] == "VALIDATION_FAILED"


def test_the_dev_inbox_shows_texts_by_number(start_hall, feed):
    hall = start_hall(["notifications"])
    feed(hall).emit(
        SMS_REQUESTED,
        {
            "request_id": "r",
            "purpose": "register",
            "mobile": "13895000001",
            "template": "sms_code.register",
            "params": {"code": "246810", "minutes": 5},
        },
    )
    client = hall.client("notifications")
    items = wait_until(
        lambda: client.get("/api/v1/notifications/dev/sms?phone=13895000001").get_json()["items"], what="dev inbox"
    )
    assert items[0]["phone"] == "138****0001" and "246810" in items[0]["body"]
    assert client.get("/api/v1/notifications/dev/sms?phone=13995000002").get_json()["items"] == []
    page = client.get("/dev/sms?phone=13895000001")
    assert page.status_code == 200 and "246810" in page.get_data(as_text=True)
    assert client.get("/api/v1/notifications/dev/sms?phone=12").status_code == 422


def test_without_dev_inbox_there_is_no_dev_page_or_api(tmp_path):
    config = service.load_config(database_url=f"sqlite:///{tmp_path / 'n.db'}", dev_inbox=False)
    runtime = service.runtime(config)
    runtime.migrate()
    client = service.create_app(runtime=runtime).test_client()
    assert client.get("/api/v1/notifications/dev/sms?phone=13895000001").status_code == 404
    assert client.get("/dev/sms").status_code == 404
    runtime.stop()


def test_a_message_is_dated_when_its_event_happened_and_old_history_makes_none(start_hall, feed, test_tokens):
    hall = start_hall(["notifications"])
    hall.seed()
    hall.seed()  # the demo contacts once
    test_tokens.install(hall.runtime("notifications"))
    three_days_ago = clock.now() - timedelta(days=3)
    with history_at(three_days_ago):
        feed(hall).emit(LOAN_APPLICATION_EVENTS["submitted"], application_event("DK-1"))
    with history_at(clock.now() - timedelta(days=40)):
        feed(hall).emit(LOAN_APPLICATION_EVENTS["submitted"], application_event("DK-2"))
    wait_until(lambda: handled(hall, "loans.application.submitted") == 2, what="both events handled")
    headers = test_tokens.depositor("u-zhang", acct=ZHANG_WEI)
    page = hall.client("notifications").get("/api/v1/notifications/me", headers=headers).get_json()
    assert page["total"] == 1
    created_at = datetime.fromisoformat(page["items"][0]["created_at"])
    assert abs(created_at - three_days_ago) < timedelta(seconds=1)
    with hall.runtime("notifications").db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Recipient)) == 2


def application_event(application_no: str) -> dict:
    return {
        "application_id": application_no,
        "application_no": application_no,
        "account_no": ZHANG_WEI,
        "id_number": "640105198506153219",
        "center": "yinchuan",
        "state": "submitted",
        "state_label": "已提交",
        "amount": Decimal("300000.00"),
        "term_months": 360,
        "opinion": None,
        "materials": [],
        "contract_no": None,
    }
