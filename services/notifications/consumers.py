"""Handlers of the events notifications consumes: the contacts replica, codes, and every business notice."""

import logging
from datetime import timedelta

from chassis import clock
from services.notifications.cases.delivery import queue_notice
from services.notifications.cases.notices import notice_for
from services.notifications.models import Recipient

log = logging.getLogger("notifications.consumers")


def keep_contact(delivery) -> None:
    """The recipients replica: who a depositor is and the mobile reserved at the centre."""
    data, occurred = delivery.data, delivery.event.occurred_at
    recipient = delivery.session.get(Recipient, data["account_no"])
    if recipient is None:
        recipient = Recipient(account_no=data["account_no"], name="", contact_as_of=occurred, mobile=data["mobile"])
        delivery.session.add(recipient)
    elif recipient.contact_as_of <= occurred:
        recipient.mobile, recipient.contact_as_of = data["mobile"], occurred
    recipient.id_number, recipient.center = data["id_number"], data["center"]
    if data.get("name"):
        recipient.name = data["name"]


def deliver_code(delivery) -> None:
    _deliver(delivery)


def deliver_notice(delivery) -> None:
    _deliver(delivery)


def _deliver(delivery) -> None:
    notice = notice_for(delivery.data, delivery.event)
    if notice is None:
        return
    happened_on = notice.happened_on or clock.day_of(delivery.event.occurred_at)
    if happened_on < clock.today() - timedelta(days=delivery.config.notice_max_age_days):
        return  # history (a replayed ledger, the demo's past), not news
    if notice.needs_name and not (notice.account_no or notice.id_number):
        log.warning("no account number or ID number in the event: nobody to notify")
        return
    queue_notice(delivery.session, notice, delivery.event, delivery.config)
