"""Events the identity service publishes (contracts) and the handlers of those it consumes."""

from chassis.bus import Subscriptions

handlers = Subscriptions("identity")
