"""Notifications' HTTP API: `depositor` (the message centre), and `dev_inbox` (development only: the texts sent)."""


def blueprints() -> list:
    from services.notifications.api import depositor

    return [depositor.blp]
