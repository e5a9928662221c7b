"""Events the accounts service publishes (contracts) and the handlers of those it consumes."""

from chassis.bus import Subscriptions

handlers = Subscriptions("accounts")
