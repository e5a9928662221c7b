"""Handlers of the events accounts consumes: the withdrawal saga's steps on the money (reserve, debit, release)."""

from chassis.bus import Delivery
from services.accounts.cases.reservations import (
    debit_for_application,
    release_for_application,
    reserve_for_application,
)


def on_application_approved(delivery: Delivery) -> None:
    reserve_for_application(delivery.session, delivery.data)


def on_application_paid(delivery: Delivery) -> None:
    debit_for_application(delivery.session, delivery.data)


def on_payment_failed(delivery: Delivery) -> None:
    release_for_application(delivery.session, delivery.data)
