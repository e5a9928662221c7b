"""Handlers of the events notifications consumes: the contacts replica, codes, and every business notice."""

import logging
from datetime import timedelta

from chassis import clock
from services.accounts.events import CONTACT_CHANGED, DEPOSITOR_REGISTERED
from services.notifications.delivery import queue_notice
from services.notifications.events import handlers
from services.notifications.models import Recipient
from services.notifications.notices import BUSINESS_NOTICES, CODE_NOTICES, notice_for

log = logging.getLogger("notifications.consumers")


@handlers.on(DEPOSITOR_REGISTERED, CONTACT_CHANGED, purpose="contacts")
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


# codes have a queue of their own: a burst of business notices never holds back a code someone waits for
@handlers.on(*(contract for contract, _builder in CODE_NOTICES.values()), purpose="sms-codes")
def deliver_code(delivery) -> None:
    _deliver(delivery)


@handlers.on(*(contract for contract, _builder in BUSINESS_NOTICES.values()), purpose="notices")
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
