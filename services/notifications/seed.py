"""Demo data: a few messages in 张伟's message centre, and the demo depositors' contacts. Idempotent."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from chassis.runtime import Runtime
from services.notifications.domain.templates import render_in_app
from services.notifications.models import InAppMessage, Recipient

ZHANG_WEI = "640100000001"

# accounts' events bring the real replica; this only makes the demo work before they arrive, and any
# event is newer than it
_CONTACTS = (
    ("640100000001", "640105198506153219", "13895000001", "yinchuan", "张伟"),
    ("640300000002", "64030219920720051X", "13995000002", "wuzhong", "李娜"),
)
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)

_MESSAGES = (
    (
        "seed:zhangwei:deposit-2026-01",
        "deposit.posted",
        30,
        {"month": "2026-01", "amount": "1440.00", "balance": "56789.12"},
    ),
    (
        "seed:zhangwei:deposit-2026-02",
        "deposit.posted",
        2,
        {"month": "2026-02", "amount": "1440.00", "balance": "58229.12"},
    ),
    (
        "seed:zhangwei:interest-2025",
        "interest.settled",
        60,
        {"fund_year": "2024-2025", "interest": "812.34", "settled_on": "2025-06-30", "balance": "52000.00"},
    ),
)


def seed(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.db.transaction() as session:
        for account_no, id_number, mobile, center, name in _CONTACTS:
            if session.get(Recipient, account_no) is None:
                session.add(
                    Recipient(
                        account_no=account_no,
                        id_number=id_number,
                        mobile=mobile,
                        center=center,
                        name=name,
                        contact_as_of=_LONG_AGO,
                    )
                )
        existing = set(
            session.scalars(select(InAppMessage.source_event_id).where(InAppMessage.account_no == ZHANG_WEI))
        )
        for source, template, days_ago, params in _MESSAGES:
            if source in existing:
                continue
            title, body = render_in_app(template, {"name": "张伟", **params})
            session.add(
                InAppMessage(
                    account_no=ZHANG_WEI,
                    source_event_id=source,
                    template=template,
                    title=title,
                    body=body,
                    created_at=now - timedelta(days=days_ago),
                    read_at=now - timedelta(days=days_ago - 1) if days_ago > 30 else None,
                )
            )
