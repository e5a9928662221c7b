"""The loans console's case page: the counter materials ticked at 受理, eligibility now and at submission with
the differences marked, a written reason to go on while today's conditions fail (kept in the trail), four-eyes
and who may act next, the bank's records with the amount checked, and the trail per case and per officer."""

import re

import pytest
from sqlalchemy import select, update

from chassis import clock
from services.loans.config import DEFAULT_MATERIALS
from services.loans.models import ConsoleAuditEntry, Depositor, Loan, LoanApplication

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
STAFF = {
    "officer1": ("王建国", "loan_officer"),
    "officer2": ("刘芳", "loan_officer"),
    "approver1": ("陈明", "loan_approver"),
    "bank1": ("赵磊", "bank_officer"),
}


@pytest.fixture
def desk(loans_world, application_body):
    world = loans_world("embedded")
    world.feed_depositor(ZHANG_WEI, months=24)
    reply = world.client.post(
        "/api/v1/loans/applications", json=application_body(), headers=world.depositor_headers(ZHANG_WEI)
    )
    assert reply.status_code == 201, reply.get_json()
    world.application = reply.get_json()
    return world


def officer(world, username: str):
    name, role = STAFF[username]
    client = world.hall.client("loans")
    client.set_cookie("hall_staff_token", world.tokens.token(f"staff:{username}", roles=(role,), name=name))
    return client


def case_url(world) -> str:
    return f"/console/loans/applications/{world.application['id']}"


def step(world, client, to: str, expect: int = 302, **form) -> str:
    page = client.get(case_url(world)).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    reply = client.post(
        case_url(world) + "/transitions", data={"to": to, "version": version, "csrf_token": csrf, **form}
    )
    assert reply.status_code == expect, reply.get_data(as_text=True)[-3000:]
    return reply.get_data(as_text=True)


def trail(world) -> list[str]:
    with world.runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(ConsoleAuditEntry.sentence)
                .where(ConsoleAuditEntry.action == "transition")
                .order_by(ConsoleAuditEntry.id)
            )
        )


def test_every_role_takes_its_steps_with_names_materials_and_bank_records(desk):
    wang, liu, chen, zhao = (officer(desk, name) for name in ("officer1", "officer2", "approver1", "bank1"))
    page = wang.get(case_url(desk)).get_data(as_text=True)
    assert "下一步由中心贷款科办理" in page and "当前符合全部贷款条件" in page
    step(desk, wang, "prereviewed")

    refused = step(desk, wang, "accepted", expect=422, materials=list(DEFAULT_MATERIALS[:2]))
    assert "受理前请逐项核对材料" in refused and DEFAULT_MATERIALS[4] in refused
    step(desk, wang, "accepted", materials=list(DEFAULT_MATERIALS))
    step(desk, wang, "preliminarily_approved", opinion="同意")

    own = wang.get(case_url(desk)).get_data(as_text=True)
    assert "下一步由中心审批办理（出具初审意见的王建国不得审批）" in own
    blocked = chen.get(case_url(desk)).get_data(as_text=True)
    assert "审批通过</button>" in blocked and "王建国（中心贷款科）" in blocked and "staff:" not in blocked
    assert "审批通过</button>" not in liu.get(case_url(desk)).get_data(as_text=True)  # not an approver
    step(desk, chen, "approved")

    bad = step(desk, zhao, "contract_signed", expect=422, contract_no="", contract_date=clock.today().isoformat())
    assert "请填写合同编号" in bad
    step(desk, zhao, "contract_signed", contract_no="NX-ICBC-2025-0001", contract_date=clock.today().isoformat())
    step(desk, zhao, "mortgage_registered", mortgage_no="宁(2025)银川市不动产证明第0012345号")
    form = {"disbursed_on": clock.today().isoformat(), "account": "6222021234567890123"}
    mismatch = step(desk, zhao, "disbursed", expect=422, amount="310000.00", **form)
    assert "放款金额 310000.00 元与审批金额 300000.00 元不一致" in mismatch
    step(desk, zhao, "disbursed", amount="300000.00", **form)

    final = zhao.get(case_url(desk)).get_data(as_text=True)
    assert "NX-ICBC-2025-0001" in final and "不动产证明第0012345号" in final and "6222021234567890123" not in final
    with desk.runtime.db.transaction() as session:
        loan = session.scalar(select(Loan).where(Loan.application_id == desk.application["id"]))
        assert loan.contract_no == "NX-ICBC-2025-0001" and loan.disbursed_on == clock.today()
    sentences = trail(desk)
    assert sentences[1].startswith("王建国将贷款申请") and "已核对材料5项" in sentences[1]
    assert "赵磊" in sentences[-1] and "放款 300000.00 元" in sentences[-1] and "0123" in sentences[-1]
    assert "6222021234567890123" not in sentences[-1]


def test_going_on_while_conditions_fail_needs_a_written_reason(desk):
    wang = officer(desk, "officer1")
    with desk.runtime.db.transaction() as session:  # accounts sealed the account after the application
        session.execute(update(Depositor).values(status="sealed"))
    page = wang.get(case_url(desk)).get_data(as_text=True)
    assert "申请人当前不符合贷款条件" in page and 'class="changed"' in page and 'name="override"' in page
    refused = step(desk, wang, "prereviewed", expect=422)
    assert "继续办理须写明理由" in refused
    step(desk, wang, "rejected", expect=302, opinion="账户已封存")  # refusing needs no reason
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(LoanApplication.state)) == "rejected"


def test_the_reason_for_an_override_is_in_the_trail(desk):
    wang = officer(desk, "officer1")
    with desk.runtime.db.transaction() as session:
        session.execute(update(Depositor).values(status="sealed"))
    step(desk, wang, "prereviewed", override="单位已补办启封手续，材料见附件")
    assert "继续办理的理由：单位已补办启封手续" in trail(desk)[0]


def test_the_trail_per_case_and_per_officer(desk):
    wang, chen = officer(desk, "officer1"), officer(desk, "approver1")
    step(desk, wang, "prereviewed")
    chen.get(case_url(desk))
    per_case = wang.get(case_url(desk) + "/audit").get_data(as_text=True)
    assert f"操作记录：贷款申请 {desk.application['application_no']}" in per_case
    assert "王建国查看了贷款申请" in per_case and "陈明查看了贷款申请" in per_case
    everyone = wang.get("/console/loans/audit").get_data(as_text=True)
    assert '<option value="staff:approver1">陈明</option>' in everyone
    only_chen = wang.get("/console/loans/audit", query_string={"staff": "staff:approver1"}).get_data(as_text=True)
    assert "操作记录：陈明的操作" in only_chen and "王建国将贷款申请" not in only_chen
