"""Each role's path through both staff consoles in headless Chromium: signed in by keyboard alone, at a 1366 px
desk screen and at tablet width (768 px, no sideways scrolling of the page), on the demo data. The loan cases it
moves are the console's own demo queue (马军, 杨磊, 白雪, 黄强, 周婷), which no other browser test reads."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
TABLET = {"width": 768, "height": 1024}


def keyboard_login(page: Page, console: str, username: str) -> None:
    """Sign in with Tab, typing and Enter only: the username field has the focus when the form opens."""
    page.goto(f"/console/{console}/login")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type("Demo123456")
    page.keyboard.press("Enter")
    expect(page.locator(".who")).to_be_visible()


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], widths


def open_case_of(page: Page, console: str, name: str, **query) -> None:
    page.goto(f"/console/{console}/?" + "&".join(f"{key}={value}" for key, value in query.items()))
    row = page.locator("tbody tr", has_text=name)
    expect(row).to_have_count(1)
    row.locator("a").last.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def press_step(page: Page, button: str, **fields) -> None:
    form = page.locator("form", has=page.get_by_role("button", name=button, exact=True))
    for box in form.locator('input[name="materials"]').all():
        box.focus()
        page.keyboard.press("Space")  # ticked from the keyboard
        expect(box).to_be_checked()
    override = form.locator('textarea[name="override"]')
    if override.count():
        override.fill("经核实申请人情况已变化，材料齐全，同意继续办理")
    for field, value in fields.items():
        form.locator(f'[name="{field}"]').fill(value)
    form.get_by_role("button", name=button, exact=True).focus()
    page.keyboard.press("Enter")


def test_loan_officer_approver_and_bank_each_take_their_steps(new_context, shot):
    officer = new_context(viewport=DESK).new_page()
    keyboard_login(officer, "loans", "officer1")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("待办业务（中心贷款科）")
    expect(officer.locator(".who")).to_contain_text("王建国（中心贷款科）")
    officer.locator("#center").select_option("shizuishan")
    officer.get_by_role("button", name="查询").click()
    expect(officer.locator("tbody")).to_contain_text("石嘴山市住房公积金管理中心")
    shot(officer, "console-loans-queue-1366")
    open_case_of(officer, "loans", "马军", center="shizuishan")
    expect(officer.locator("#next-actor")).to_contain_text("下一步由中心贷款科办理")
    press_step(officer, "柜台受理")
    expect(officer.locator(".msg.ok[role=status]")).to_have_text("办理成功")
    press_step(officer, "初审通过", opinion="符合贷款条件，同意")
    expect(officer.locator("#next-actor")).to_contain_text("出具初审意见的王建国不得审批")
    expect(officer.get_by_role("button", name="审批通过")).to_have_count(0)
    shot(officer, "console-loans-case-1366")

    approver = new_context(viewport=TABLET).new_page()
    keyboard_login(approver, "loans", "approver1")
    open_case_of(approver, "loans", "杨磊")
    expect(approver.locator("#h-eligibility")).to_be_visible()
    no_sideways_scroll(approver)
    press_step(approver, "审批通过", opinion="同意贷款")
    expect(approver.get_by_role("heading", level=1)).to_contain_text("中心审批通过")
    shot(approver, "console-loans-approver-768")

    bank = new_context(viewport=DESK).new_page()
    keyboard_login(bank, "loans", "bank1")
    open_case_of(bank, "loans", "白雪")
    press_step(bank, "签订合同", contract_no="NX-ZW-2026-0105")
    expect(bank.locator("#h-bank + dl")).to_contain_text("NX-ZW-2026-0105")
    open_case_of(bank, "loans", "黄强")
    press_step(bank, "抵押登记", mortgage_no="宁(2026)银川市不动产证明第0098765号")
    expect(bank.locator("#h-bank + dl")).to_contain_text("不动产证明第0098765号")
    open_case_of(bank, "loans", "周婷")
    press_step(bank, "放款", amount="290000.00", account="6222021234567890123")
    expect(bank.locator(".msg.error")).to_contain_text("与审批金额 280000.00 元不一致")
    press_step(bank, "放款", amount="280000.00", account="6222021234567890123")
    expect(bank.get_by_role("heading", level=1)).to_contain_text("已放款")
    expect(bank.locator("#h-bank + dl")).not_to_contain_text("6222021234567890123")
    shot(bank, "console-loans-bank-1366")

    bank.get_by_role("link", name="操作记录").first.click()
    expect(bank.locator("tbody")).to_contain_text("赵磊将贷款申请")
    expect(bank.locator("tbody")).to_contain_text("王建国将贷款申请")
    bank.locator("#staff").select_option(label="王建国")
    bank.get_by_role("button", name="查看").click()
    expect(bank.get_by_role("heading", level=1)).to_have_text("操作记录：王建国的操作")
    expect(bank.locator("tbody")).not_to_contain_text("赵磊将")


def test_withdrawal_officers_keep_accepting_and_approving_apart(new_context, shot):
    accepter = new_context(viewport=DESK).new_page()
    keyboard_login(accepter, "withdrawals", "wofficer1")
    expect(accepter.get_by_role("heading", level=1)).to_have_text("业务队列")
    accepter.get_by_role("link", name=re.compile(r"^已受理（\d+）$")).click()
    open_case_of(accepter, "withdrawals", "李娜", status="accepted")
    expect(accepter.locator("#next-actor")).to_contain_text("您受理了本案，不能审批")
    expect(accepter.get_by_role("button", name="审批通过")).to_have_count(0)
    expect(accepter.locator(".card").first).to_contain_text("吴忠市住房公积金管理中心")
    expect(accepter.locator(".card").first).to_contain_text("贷款合同编号")  # a field label, not its key
    shot(accepter, "console-withdrawals-accepter-1366")

    approver = new_context(viewport=TABLET).new_page()
    keyboard_login(approver, "withdrawals", "wofficer2")
    open_case_of(approver, "withdrawals", "李娜", status="accepted")
    expect(approver.locator("#next-actor")).to_contain_text("受理人孙丽不得审批")
    no_sideways_scroll(approver)
    # the approval itself is left to tests/withdrawals (the Flask tests): approving 李娜's case here would end the
    # withdrawal the hall journey's loan refusal rests on, in the demo data all browser tests share
    approve = approver.get_by_role("button", name="审批通过", exact=True)
    approve.focus()
    expect(approve).to_be_focused()
    expect(approve).to_be_enabled()
    shot(approver, "console-withdrawals-approver-768")
