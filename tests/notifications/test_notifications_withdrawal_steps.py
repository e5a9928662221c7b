"""A withdrawal's pre-review and the counter's acceptance each become one message for the applicant (issue 19):
the pre-review's lists the materials to bring to the counter, as loans' does."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chassis.testing import wait_until
from services.notifications.cases.delivery import queue_notice
from services.notifications.cases.notices import notice_for
from services.notifications.models import InAppMessage
from services.withdrawals.events import APPLICATION_EVENTS

ZHANG_WEI = "640100000001"
MATERIALS = ["本人身份证", "本人银行卡", "房屋租赁合同"]


def _messages(hall) -> int:
    with hall.runtime("notifications").db.transaction() as session:
        return session.scalar(select(func.count()).select_from(InAppMessage))


def withdrawal(state: str, label: str) -> dict:
    return {
        "application_id": "w-1",
        "application_no": "TQ2026000123",
        "account_no": ZHANG_WEI,
        "id_number": "640105198506153219",
        "center": "yinchuan",
        "state": state,
        "state_label": label,
        "reason": "07",
        "reason_name": "租房",
        "amount": Decimal("1800.00"),
        "bank_card_last4": "0014",
        "opinion": None,
        "materials": MATERIALS,
    }


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_prereview_and_acceptance_are_one_message_each(start_hall, feed, test_tokens, mode):
    hall = start_hall(["notifications"], mode=mode)
    test_tokens.install(hall.runtime("notifications"))
    feed(hall).depositor()
    prereviewed = feed(hall).emit(APPLICATION_EVENTS["prereviewed"], withdrawal("prereviewed", "预审通过"))
    feed(hall).emit(APPLICATION_EVENTS["accepted"], withdrawal("accepted", "已受理"))
    wait_until(lambda: _messages(hall) == 2, what="two withdrawal messages")

    headers = test_tokens.depositor("u-zhang", acct=ZHANG_WEI)
    page = hall.client("notifications").get("/api/v1/notifications/me", headers=headers).get_json()
    by_title = {item["title"]: item["body"] for item in page["items"]}
    assert set(by_title) == {"提取申请预审通过", "提取申请已受理"}
    assert "TQ2026000123" in by_title["提取申请预审通过"]
    assert "请携带以下材料到柜台办理：本人身份证、本人银行卡、房屋租赁合同。" in by_title["提取申请预审通过"]
    assert "柜台已受理" in by_title["提取申请已受理"]

    # the same event handled again (a redelivery past the inbox) adds nothing
    runtime = hall.runtime("notifications")
    with runtime.db.transaction() as session:
        loaded = APPLICATION_EVENTS["prereviewed"].load(prereviewed)
        queue_notice(session, notice_for(loaded, prereviewed), prereviewed, runtime.config)
    assert _messages(hall) == 2
