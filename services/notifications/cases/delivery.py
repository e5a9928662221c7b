"""Delivering notices: queue each one (SMS + in-app message) in the consumer's transaction, then a sender
claims due texts, hands them to the provider, retries transient errors and publishes the outcome."""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chassis import clock, metrics, tracing
from chassis.bus import Envelope, publish
from chassis.db import Database
from chassis.logs import correlation_id_var
from chassis.pii import mask_mobile
from services.notifications.adapters.sms import ProviderError, SmsProvider
from services.notifications.cases.notices import Notice
from services.notifications.config import NotificationsConfig
from services.notifications.domain import templates
from services.notifications.domain.delivery import (
    delivery_key,
    next_attempt_at,
    normalized_mobile,
    refusal_for_number,
    send_time,
)
from services.notifications.events import SMS_DELIVERED, SMS_FAILED
from services.notifications.models import InAppMessage, Recipient, SmsDelivery

log = logging.getLogger("notifications.delivery")

WAITING = ("queued", "deferred")
STALE_REASON = "短信发送失败：验证码已过期，请重新获取。"

# sender loops of this process, woken when a transaction queues a text that is due now
_sender_wakeups: list[threading.Event] = []


class RecipientUnknown(Exception):
    """The depositor's contact has not reached the replica yet (events of two services race): retry later."""


@dataclass(frozen=True)
class Queued:
    delivery: SmsDelivery | None
    message: InAppMessage | None


def find_recipient(session: Session, notice: Notice) -> Recipient | None:
    if notice.account_no:
        found = session.get(Recipient, notice.account_no)
        if found is not None:
            return found
    if notice.id_number:
        return session.scalars(select(Recipient).where(Recipient.id_number == notice.id_number).limit(1)).first()
    return None


def queue_notice(session: Session, notice: Notice, envelope: Envelope, config: NotificationsConfig) -> Queued:
    """The in-app message and the SMS of one notice, in the caller's transaction. Idempotent per event."""
    template = templates.TEMPLATES[notice.template]
    params = dict(notice.params)
    mobile, account_no = notice.mobile, notice.account_no
    if notice.needs_name:
        recipient = find_recipient(session, notice)
        if recipient is None:
            raise RecipientUnknown(f"no contact yet for the recipient of {envelope.type}")
        params["name"] = recipient.name or "缴存职工"
        mobile, account_no = recipient.mobile, recipient.account_no
    body = templates.render(notice.template, params)  # a template the event cannot fill fails here, loudly
    message = None
    if template.in_app and account_no:
        message = _add_in_app(session, envelope, account_no, notice.template, params)
    delivery = _add_sms(session, envelope, notice.template, mobile, account_no, body, config) if template.sms else None
    return Queued(delivery, message)


def _add_in_app(session: Session, envelope: Envelope, account_no: str, key: str, params: dict) -> InAppMessage:
    existing = session.scalars(
        select(InAppMessage).where(InAppMessage.source_event_id == envelope.id, InAppMessage.account_no == account_no)
    ).first()
    if existing is not None:
        return existing
    title, text = templates.render_in_app(key, params)
    message = InAppMessage(
        account_no=account_no,
        source_event_id=envelope.id,
        template=key,
        title=title,
        body=text,
        created_at=min(envelope.occurred_at, clock.now()),  # dated when it happened, never in the future
    )
    session.add(message)
    return message


def _add_sms(
    session: Session,
    envelope: Envelope,
    key: str,
    mobile: str | None,
    account_no: str | None,
    body: str,
    config: NotificationsConfig,
) -> SmsDelivery:
    number = normalized_mobile(mobile)
    unique = delivery_key(envelope.id, number)
    existing = session.scalars(select(SmsDelivery).where(SmsDelivery.delivery_key == unique)).first()
    if existing is not None:
        return existing
    template = templates.TEMPLATES[key]
    policy = config.delivery_policy()
    now = clock.now()
    delivery = SmsDelivery(
        delivery_key=unique,
        source_event_id=envelope.id,
        source_event_type=envelope.type,
        correlation_id=(envelope.correlation_id or "")[:64],
        traceparent=tracing.current_traceparent(),
        account_no=account_no,
        template=key,
        mobile=number,
        body=body,
        urgent=template.urgent,
        attempts=0,
        requested_at=now,
        stale_at=now + template.stale_after if template.stale_after else None,
    )
    refusal = refusal_for_number(number, policy)
    if refusal is not None:
        delivery.status, delivery.planned_at, delivery.next_attempt_at = "failed", now, None
        delivery.error_code, delivery.error = refusal.code, refusal.reason
        _forget_secret(delivery)
        session.add(delivery)
        session.flush()
        publish(session, SMS_FAILED, _failed_payload(delivery))
        return delivery
    earlier = [] if template.urgent else _planned_to(session, number, now, config)
    planned = send_time(now, template.urgent, earlier, policy)
    delivery.planned_at = delivery.next_attempt_at = planned
    delivery.status = "queued" if planned <= now else "deferred"
    session.add(delivery)
    session.flush()
    if delivery.status == "queued":
        sa_event.listen(session, "after_commit", lambda _session: wake_senders(), once=True)
    return delivery


def _planned_to(session: Session, number: str, now: datetime, config: NotificationsConfig) -> list[datetime]:
    """When this number's other non-urgent texts went or will go: what its rate limit counts."""
    since = now - timedelta(minutes=config.sms_rate_window_minutes)
    rows = session.scalars(
        select(SmsDelivery.planned_at).where(
            SmsDelivery.mobile == number,
            SmsDelivery.urgent.is_(False),
            SmsDelivery.status != "failed",
            SmsDelivery.planned_at > since,
        )
    ).all()
    return list(rows)


def wake_senders() -> None:
    for wakeup in list(_sender_wakeups):
        wakeup.set()


# -- sending --------------------------------------------------------------------------------------------------
def send_due(db: Database, config: NotificationsConfig, provider: SmsProvider, batch: int = 20) -> int:
    """Send every text that is due now; answers how many were handed to the provider (sent or not)."""
    handled = 0
    while True:
        claimed = _claim(db, config, batch)
        for delivery_id in claimed:
            _send_one(db, config, provider, delivery_id)
        handled += len(claimed)
        if len(claimed) < batch:
            return handled


def _claim(db: Database, config: NotificationsConfig, batch: int) -> list[str]:
    """Mark due texts `sending` for a while, so a second sender (another worker) leaves them alone; a text
    whose sender died mid-call is due again when that lease runs out."""
    now = clock.now()
    with db.transaction() as session:
        rows = session.scalars(
            select(SmsDelivery)
            .where(
                or_(SmsDelivery.status.in_(WAITING), SmsDelivery.status == "sending"),
                SmsDelivery.next_attempt_at <= now,
            )
            .order_by(SmsDelivery.urgent.desc(), SmsDelivery.next_attempt_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.status = "sending"
            row.attempts += 1
            row.next_attempt_at = now + timedelta(seconds=config.sms_claim_seconds)
        return [row.id for row in rows]


def _send_one(db: Database, config: NotificationsConfig, provider: SmsProvider, delivery_id: str) -> None:
    with db.transaction() as session:
        delivery = session.get(SmsDelivery, delivery_id)
        mobile, body, stale_at = delivery.mobile, delivery.body, delivery.stale_at
        correlation, traceparent, template = delivery.correlation_id, delivery.traceparent, delivery.template
    token = correlation_id_var.set(correlation or None)
    # the text ends the trace of what asked for it (a loan step, a code), however late the sender sends it
    sending = tracing.continued(traceparent, "sms send", "client", **{"hall.sms.template": template})
    try:
        with sending:
            if stale_at is not None and clock.now() > stale_at:
                _record_failure(db, delivery_id, "STALE", STALE_REASON, retryable=False, config=config)
                return
            try:
                message_id = provider.send(mobile, body, delivery_id)
            except ProviderError as error:
                failure = error.failure
                _record_failure(db, delivery_id, failure.code, failure.reason, failure.retryable, config)
                return
            _record_sent(db, delivery_id, message_id)
    finally:
        correlation_id_var.reset(token)


def _record_sent(db: Database, delivery_id: str, message_id: str) -> None:
    with db.transaction() as session:
        delivery = session.get(SmsDelivery, delivery_id)
        delivery.status, delivery.sent_at = "sent", clock.now()
        metrics.sms_sent.labels(delivery.template).inc()
        delivery.provider_message_id, delivery.next_attempt_at = message_id, None
        delivery.error_code = delivery.error = None
        _forget_secret(delivery)
        publish(
            session,
            SMS_DELIVERED,
            {
                "delivery_id": delivery.id,
                "source_event_id": delivery.source_event_id,
                "template": delivery.template,
                "mobile_masked": mask_mobile(delivery.mobile),
                "delivered_at": delivery.sent_at,
            },
        )
    log.info("sms sent", extra={"event_type": "notifications.sms.delivered"})


def _record_failure(
    db: Database, delivery_id: str, code: str, reason: str, retryable: bool, config: NotificationsConfig
) -> None:
    policy = config.delivery_policy()
    now = clock.now()
    with db.transaction() as session:
        delivery = session.get(SmsDelivery, delivery_id)
        delivery.error_code, delivery.error = code, reason
        template = templates.TEMPLATES[delivery.template]
        retry_at = None
        if retryable:
            retry_at = next_attempt_at(
                delivery.attempts,
                now,
                urgent=delivery.urgent,
                requested_at=delivery.requested_at,
                stale_after=template.stale_after,
                policy=policy,
            )
        metrics.sms_failures.labels(code, "false" if retry_at is not None else "true").inc()
        if retry_at is not None:
            delivery.next_attempt_at, delivery.status = retry_at, "deferred"
            log.warning("sms provider error %s, retry %s scheduled", code, delivery.attempts)
            return
        delivery.status, delivery.next_attempt_at = "failed", None
        _forget_secret(delivery)
        publish(session, SMS_FAILED, _failed_payload(delivery))
    log.warning("sms failed: %s", code, extra={"event_type": "notifications.sms.failed"})


def _failed_payload(delivery: SmsDelivery) -> dict:
    return {
        "delivery_id": delivery.id,
        "source_event_id": delivery.source_event_id,
        "template": delivery.template,
        "mobile_masked": mask_mobile(delivery.mobile),
        "reason_code": delivery.error_code,
        "reason": delivery.error,
    }


def _forget_secret(delivery: SmsDelivery) -> None:
    """Once a code has gone (or never will), the stored text keeps it starred: it was only needed to send."""
    secret = templates.TEMPLATES[delivery.template].secret_params
    if secret:
        delivery.body = templates.SIGNATURE + "（验证码短信，内容已隐去）"


def sender_loop(runtime, stop: threading.Event) -> None:
    """The worker's (and the embedded hall's) background loop: sends what is due, woken at once for new texts."""
    from services.notifications.adapters.sms import build_provider

    config: NotificationsConfig = runtime.config
    provider = build_provider(config, runtime.db)
    wakeup = threading.Event()
    _sender_wakeups.append(wakeup)
    try:
        while not stop.is_set():
            wakeup.clear()
            try:
                send_due(runtime.db, config, provider)
            except Exception:
                log.exception("sms sender pass failed")
            wakeup.wait(config.sms_send_poll_seconds)
    finally:
        _sender_wakeups.remove(wakeup)
