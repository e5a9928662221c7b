"""The withdrawal console's path: 预审, 受理 with the reason's materials ticked, approval by another officer
(four-eyes, shown on the page), names and Chinese labels throughout, queue filters, and the trail's pages."""

import re

from sqlalchemy import select, update

from services.withdrawals.models import Applicant, Application, ConsoleAudit
from tests.withdrawals.conftest import rent_body

ACCOUNT = "640100000001"
NAMES = {"wofficer1": "孙丽", "wofficer2": "周强"}


def officer(desk, username: str):
    client = desk.hall.client("withdrawals")
    token = desk.tokens.token(f"staff:{username}", roles=("withdrawal_officer",), name=NAMES[username])
    client.set_cookie("hall_staff_token", token)
    return client


def act(client, case_id: str, to: str, **form) -> str:
    url = f"/console/withdrawals/applications/{case_id}"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    reply = client.post(url + "/transitions", data={"to": to, "csrf_token": csrf, **form}, follow_redirects=True)
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def materials(page: str) -> list[str]:
    return re.findall(r'name="materials" value="([^"]+)"', page)


def test_two_officers_take_a_case_through_with_materials_and_four_eyes(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT)
    case_id = desk.submit(ACCOUNT, rent_body()).get_json()["id"]
    sun, zhou = officer(desk, "wofficer1"), officer(desk, "wofficer2")

    queue = sun.get("/console/withdrawals/").get_data(as_text=True)
    assert "全部待办（1）" in queue and "银川住房公积金管理中心" in queue and "640105********3219" in queue
    assert ">yinchuan<" not in queue and "640105198506153219" not in queue
    assert "已提交（0）" in sun.get("/console/withdrawals/", query_string={"center": "wuzhong"}).get_data(as_text=True)

    page = sun.get(f"/console/withdrawals/applications/{case_id}").get_data(as_text=True)
    assert "预审通过</button>" in page and "下一步由提取业务经办人员办理" in page and "当前：符合全部提取条件" in page
    assert "monthly_rent" not in page and "月租金" in page  # field labels, not keys
    page = act(sun, case_id, "prereviewed")
    needed = materials(page)
    assert needed and "柜台受理</button>" in page
    refused = act(sun, case_id, "accepted", materials=needed[:-1])
    assert "受理前请逐项核对材料" in refused
    page = act(sun, case_id, "accepted", materials=needed)
    assert "操作成功" in page and "受理人：孙丽" in page
    assert "您受理了本案，不能审批" in page and "审批通过</button>" not in page

    other = zhou.get(f"/console/withdrawals/applications/{case_id}").get_data(as_text=True)
    assert "下一步由提取业务经办人员审批（受理人孙丽不得审批）" in other and "审批通过</button>" in other
    done = act(zhou, case_id, "approved")
    assert "操作成功" in done and "孙丽" in done and "staff:" not in done
    with desk.runtime.db.transaction() as session:
        assert session.get(Application, case_id).state in ("approved", "paid")
        sentences = session.scalars(
            select(ConsoleAudit.sentence).where(ConsoleAudit.action == "transition").order_by(ConsoleAudit.id)
        ).all()
    assert sentences[1].startswith("孙丽将提取申请") and f"已核对材料{len(needed)}项" in sentences[1]
    assert sentences[2].startswith("周强将提取申请") and "「审批通过」" in sentences[2]

    per_case = zhou.get(f"/console/withdrawals/applications/{case_id}/audit").get_data(as_text=True)
    assert "孙丽查看了提取申请" in per_case and "周强将提取申请" in per_case
    only_sun = zhou.get("/console/withdrawals/audit", query_string={"staff": "staff:wofficer1"}).get_data(as_text=True)
    assert "操作记录：孙丽的操作" in only_sun and "周强将提取申请" not in only_sun


def test_the_queue_finds_a_case_by_name_or_masked_id_number(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT)
    number = desk.submit(ACCOUNT, rent_body()).get_json()["application_no"]
    sun = officer(desk, "wofficer1")
    for term in (number, "640105198506153219", "张"):
        page = sun.get("/console/withdrawals/", query_string={"q": term}).get_data(as_text=True)
        assert number in page and "共 1 件" in page
    assert "共 0 件" in sun.get("/console/withdrawals/", query_string={"q": "李"}).get_data(as_text=True)
    bad = sun.get("/console/withdrawals/", query_string={"to": "yesterday"})
    assert bad.status_code == 422 and "提交日期止应为" in bad.get_data(as_text=True)


def test_going_on_while_todays_rules_fail_needs_a_written_reason(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT)
    case_id = desk.submit(ACCOUNT, rent_body()).get_json()["id"]
    with desk.runtime.db.transaction() as session:  # accounts froze the account after the case was filed
        session.execute(update(Applicant).values(status="frozen"))
    sun = officer(desk, "wofficer1")
    page = sun.get(f"/console/withdrawals/applications/{case_id}").get_data(as_text=True)
    assert "申请人不再符合提取条件" in page and 'name="override"' in page
    refused = act(sun, case_id, "prereviewed")
    assert "继续办理须写明理由" in refused
    done = act(sun, case_id, "prereviewed", override="账户冻结系司法协助已解除，凭解除通知书办理")
    assert "操作成功" in done and "继续办理的理由：账户冻结系司法协助已解除" in done
