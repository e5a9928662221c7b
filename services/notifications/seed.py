"""Demo data: the demo depositors' contacts, so codes reach them before accounts' events arrive. Idempotent.

张伟's message centre fills from the demo's own events, each message dated when its event happened (the other
services' seeds tell their history at the moments it happened; anything older than `notice_max_age_days` is
history, not news, and makes no message).
"""

from datetime import UTC, datetime

from chassis.runtime import Runtime
from services.notifications.models import Recipient

# accounts' events bring the real replica; this only makes the demo work before they arrive, and any
# event is newer than it
_CONTACTS = (
    ("640100000001", "640105198506153219", "13895000001", "yinchuan", "张伟"),
    ("640300000002", "64030219920720051X", "13995000002", "wuzhong", "李娜"),
)
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def seed(runtime: Runtime) -> None:
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
