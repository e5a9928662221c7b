"""Delivery through a running service: codes at once, quiet hours, duplicates, non-local numbers, retries."""

import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from chassis import clock
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from services.identity.events import SMS_REQUESTED
from services.loans.events import APPLICATION_EVENTS
from services.notifications.cases.delivery import queue_notice
from services.notifications.cases.notices import notice_for
from services.notifications.models import DevInboxText, InAppMessage, SmsDelivery

pytestmark = pytest.mark.slow(seconds=40)

ZHANG = "640100000001"


def quiet_now() -> dict:
    """Quiet hours from an hour ago to an hour from now (Beijing time): whatever the clock, it is night."""
    now = clock.now_in_china()
    return {
        "quiet_hours_start": f"{now - timedelta(hours=1):%H:%M}",
        "quiet_hours_end": f"{now + timedelta(hours=1):%H:%M}",
    }


def rows(hall, model, *where):
    with hall.runtime("notifications").db.transaction() as session:
        return list(session.scalars(select(model).where(*where)))


def published(hall, event_type):
    with hall.runtime("notifications").db.transaction() as session:
        found = session.execute(select(outbox.c.envelope).where(outbox.c.type == event_type)).scalars().all()
    return [json.loads(item)["data"] for item in found]


def loan_event(state="submitted", account_no=ZHANG, **extra):
    return {
        "application_id": "a-1",
        "application_no": "DK202603050001",
        "account_no": account_no,
        "id_number": "640105198506153219",
        "center": "yinchuan",
        "state": state,
        "state_label": "已提交",
        "amount": Decimal("300000.00"),
        "term_months": 360,
        **extra,
    }


def code_request(mobile="13895000001", code="482916"):
    return {
        "request_id": "req-1",
        "purpose": "register",
        "mobile": mobile,
        "template": "sms_code.register",
        "params": {"code": code, "minutes": 5},
    }


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_code_goes_at_once_even_in_quiet_hours_and_never_reaches_the_logs(start_hall, feed, mode, caplog):
    hall = start_hall(["notifications"], mode=mode, **quiet_now())
    # the service's app factory sets up the root logger: listen on it from here on
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    feed(hall).emit(SMS_REQUESTED, code_request(code="482916"))
    inbox = wait_until(lambda: rows(hall, DevInboxText), what="the code in the dev inbox")
    assert "验证码482916，5分钟内有效" in inbox[0].body and inbox[0].mobile == "13895000001"
    wait_until(lambda: published(hall, "notifications.sms.delivered"), what="sms.delivered")
    (delivery,) = rows(hall, SmsDelivery)
    assert delivery.status == "sent" and delivery.attempts == 1
    assert "482916" not in delivery.body  # kept only until it was sent
    assert published(hall, "notifications.sms.delivered")[0]["mobile_masked"] == "138****0001"
    wait_until(lambda: "sms sent" in caplog.text, what="the sender's log line")
    assert "482916" not in caplog.text and "13895000001" not in caplog.text
    logging.getLogger().removeHandler(caplog.handler)


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_business_notice_waits_out_quiet_hours_but_is_in_the_message_centre_at_once(start_hall, feed, mode):
    hall = start_hall(["notifications"], mode=mode, **quiet_now())
    feed(hall).depositor()
    feed(hall).emit(APPLICATION_EVENTS["approved"], loan_event("approved"))
    (delivery,) = wait_until(lambda: rows(hall, SmsDelivery), what="the notice queued")
    assert delivery.status == "deferred", (delivery.planned_at, delivery.requested_at, delivery.sent_at)
    assert delivery.next_attempt_at > clock.now() + timedelta(minutes=30)
    (message,) = rows(hall, InAppMessage)
    assert message.account_no == ZHANG and message.title == "贷款申请审批通过"
    assert "贷款金额300,000.00元，期限360个月" in message.body
    assert rows(hall, DevInboxText) == []


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_duplicate_event_sends_one_sms(start_hall, feed, mode):
    hall = start_hall(["notifications"], mode=mode)
    feed(hall).depositor()
    envelope = feed(hall).emit(APPLICATION_EVENTS["submitted"], loan_event())
    wait_until(lambda: published(hall, "notifications.sms.delivered"), what="the first SMS")
    # the relay publishes the same envelope again (as after a crash between publishing and marking it sent)
    with hall.runtime("notifications").db.transaction() as session:
        session.execute(update(outbox).where(outbox.c.message_id == envelope.id).values(sent_at=None))
    wait_until(lambda: _sent(hall, envelope.id), what="the outbox row re-sent")
    # and a redelivery that slipped past the inbox reaches the handler's own guard
    with hall.runtime("notifications").db.transaction() as session:
        contract = APPLICATION_EVENTS["submitted"]
        queue_notice(
            session, notice_for(contract.load(envelope), envelope), envelope, hall.runtime("notifications").config
        )
    assert len(rows(hall, SmsDelivery)) == 1
    assert len(rows(hall, InAppMessage)) == 1
    assert len(rows(hall, DevInboxText)) == 1


def _sent(hall, message_id):
    with hall.runtime("notifications").db.transaction() as session:
        return session.scalar(select(outbox.c.sent_at).where(outbox.c.message_id == message_id))


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_non_local_number_fails_with_the_manuals_reason(start_hall, feed, mode):
    hall = start_hall(["notifications"], mode=mode)
    feed(hall).depositor(mobile="13812345678")
    feed(hall).emit(APPLICATION_EVENTS["submitted"], loan_event())
    feed(hall).emit(SMS_REQUESTED, code_request(mobile="13812345678"))
    failed = wait_until(
        lambda: len(published(hall, "notifications.sms.failed")) == 2 and published(hall, "notifications.sms.failed"),
        what="two sms.failed",
    )
    assert {item["template"] for item in failed} == {"loan.submitted", "sms_code.register"}
    for item in failed:
        assert item["reason_code"] == "NUMBER_NOT_LOCAL" and item["mobile_masked"] == "138****5678"
        assert "非宁夏本地号码" in item["reason"] and "短信验证码会发送失败" in item["reason"]
    assert rows(hall, DevInboxText) == []
    assert len(rows(hall, InAppMessage)) == 1  # the message centre still has the notice


def test_a_notice_that_arrives_before_the_contact_waits_for_it(start_hall, feed):
    hall = start_hall(["notifications"], mode="embedded")
    feed(hall).emit(APPLICATION_EVENTS["submitted"], loan_event())
    feed(hall).depositor()
    inbox = wait_until(lambda: rows(hall, DevInboxText), timeout=15, what="the notice after the contact")
    assert inbox[0].body.startswith("【宁夏住房公积金】张伟，您的住房公积金贷款申请（编号DK202603050001）已提交")


def test_over_the_rate_limit_a_notice_is_delayed_not_dropped(start_hall, feed):
    hall = start_hall(["notifications"], mode="embedded", sms_rate_limit=2)
    feed(hall).depositor()
    for state in ("submitted", "prereviewed", "accepted"):
        feed(hall).emit(APPLICATION_EVENTS[state], loan_event(state, application_id=f"a-{state}"))
    wait_until(lambda: len(rows(hall, SmsDelivery)) == 3, what="three notices queued")
    wait_until(lambda: len(rows(hall, DevInboxText)) == 2, what="two sent")
    statuses = sorted(delivery.status for delivery in rows(hall, SmsDelivery))
    assert statuses == ["deferred", "sent", "sent"]
    (late,) = rows(hall, SmsDelivery, SmsDelivery.status == "deferred")
    assert late.next_attempt_at > clock.now() + timedelta(minutes=50)


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_transient_provider_errors_are_retried_then_the_sms_fails(start_hall, feed, fake_gateway, mode):
    config = fake_gateway.config(sms_retry_delays_seconds=("0.05", "0.05"))
    hall = start_hall(["notifications"], mode=mode, **config)
    fake_gateway.script.extend([("error", 503, "SYSTEM_BUSY")] * 3)
    feed(hall).depositor()
    feed(hall).emit(APPLICATION_EVENTS["submitted"], loan_event())
    (failed,) = wait_until(lambda: published(hall, "notifications.sms.failed"), what="sms.failed after retries")
    assert failed["reason_code"] == "SYSTEM_BUSY" and failed["template"] == "loan.submitted"
    (delivery,) = rows(hall, SmsDelivery)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert fake_gateway.received == []


def test_a_text_that_fails_once_is_sent_on_the_retry(start_hall, feed, fake_gateway):
    hall = start_hall(["notifications"], mode="embedded", **fake_gateway.config(sms_retry_delays_seconds=("0.05",)))
    fake_gateway.script.append(("error", 429, "THROTTLED"))
    feed(hall).emit(SMS_REQUESTED, code_request())
    (delivered,) = wait_until(lambda: published(hall, "notifications.sms.delivered"), what="delivered on retry")
    (delivery,) = rows(hall, SmsDelivery)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert delivery.provider_message_id.startswith("gw-")
    assert fake_gateway.received[0]["mobile"] == "13895000001"
    assert delivered["delivery_id"] == delivery.id


def test_a_final_provider_error_fails_at_once(start_hall, feed, fake_gateway):
    hall = start_hall(["notifications"], mode="embedded", **fake_gateway.config())
    fake_gateway.script.append(("error", 400, "BLACKLISTED"))
    feed(hall).depositor()
    feed(hall).emit(APPLICATION_EVENTS["submitted"], loan_event())
    (failed,) = wait_until(lambda: published(hall, "notifications.sms.failed"), what="sms.failed")
    assert failed["reason_code"] == "BLACKLISTED" and "黑名单" in failed["reason"]
    assert rows(hall, SmsDelivery)[0].attempts == 1
