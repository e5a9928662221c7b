"""The loans console's work queues: filters by state, centre, submission date and days waiting; search by
application number, ID number (shown masked) or name; counts per queue, paging, oldest first by default."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from chassis import clock
from services.loans.models import ConsoleAuditEntry, LoanApplication


def application(number: int, *, state: str, center: str = "yinchuan", name: str = "张伟", days_ago: int = 0) -> dict:
    moment = clock.start_of_day(clock.today() - timedelta(days=days_ago)) + timedelta(hours=3, minutes=number)
    return {
        "id": f"00000000-0000-0000-0000-{number:012d}",
        "application_no": f"DK{moment:%Y%m%d}{number:06d}",
        "applicant_sub": f"u{number}",
        "account_no": f"64{number:010d}",
        "id_number": f"64010519850615{number:04d}",
        "name": name,
        "center": center,
        "amount": Decimal("300000.00"),
        "term_months": 240,
        "method": "equal_installment",
        "annual_rate": Decimal("0.026"),
        "monthly_income": Decimal("9000.00"),
        "repayment_card": "6222021234567890128",
        "entrusted_bank": "icbc",
        "house_address": "银川市金凤区示范路1号",
        "house_area": Decimal("98.50"),
        "house_price": Decimal("600000.00"),
        "first_home": True,
        "new_house": True,
        "eligibility": "{}",
        "state": state,
        "submitted_at": moment,
        "updated_at": moment,
        "version": 1,
    }


@pytest.fixture
def officer(loans_world):
    world = loans_world("embedded")
    rows = [
        application(1, state="submitted", days_ago=9, name="张伟"),
        application(2, state="submitted", days_ago=3, center="wuzhong", name="李娜"),
        application(3, state="prereviewed", days_ago=5, name="王芳"),
        application(4, state="accepted", days_ago=1, center="wuzhong", name="张敏"),
        application(5, state="approved", days_ago=2, name="刘洋"),  # the bank's, not the officer's
        application(6, state="disbursed", days_ago=30, name="张伟"),  # finished
    ]
    with world.runtime.db.transaction() as session:
        session.execute(insert(LoanApplication), rows)
    client = world.hall.client("loans")
    client.set_cookie("hall_staff_token", world.staff_token("officer1"))
    client.world = world
    return client


def numbers(page: str) -> list[str]:
    return re.findall(r">(DK\d+)</a>", page)


def shown(client, **query) -> str:
    reply = client.get("/console/loans/", query_string=query)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_data(as_text=True)


def test_the_officers_queue_is_oldest_first_with_counts_per_queue(officer):
    page = shown(officer)
    assert [number[-6:] for number in numbers(page)] == ["000001", "000003", "000002", "000004"]
    assert "全部待办（4）" in page and "已提交（2）" in page and "柜台已受理（1）" in page
    assert "吴忠市住房公积金管理中心" in page and "9 天" in page and ">wuzhong<" not in page
    newest = shown(officer, order="newest")
    assert [number[-6:] for number in numbers(newest)] == ["000004", "000002", "000003", "000001"]


def test_filters_by_state_centre_dates_and_days_waiting(officer):
    assert [n[-1] for n in numbers(shown(officer, status="submitted"))] == ["1", "2"]
    assert [n[-1] for n in numbers(shown(officer, center="wuzhong"))] == ["2", "4"]
    by_centre = shown(officer, center="wuzhong")
    assert "全部待办（2）" in by_centre and "已提交（1）" in by_centre  # counts follow the filters
    since = (clock.today() - timedelta(days=4)).isoformat()
    assert [n[-1] for n in numbers(shown(officer, **{"from": since}))] == ["2", "4"]
    until = (clock.today() - timedelta(days=4)).isoformat()
    assert [n[-1] for n in numbers(shown(officer, to=until))] == ["1", "3"]
    assert [n[-1] for n in numbers(shown(officer, days="5"))] == ["1", "3"]
    assert [n[-1] for n in numbers(shown(officer, days="5", status="submitted"))] == ["1"]


def test_bad_filters_are_named_in_chinese(officer):
    reply = officer.get("/console/loans/", query_string={"from": "2025-13-40", "days": "-1", "status": "paid_off"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "提交日期起应为 年-月-日" in page and "等待天数应为" in page and "不在本岗位的待办范围内" in page


def test_search_by_number_id_number_or_name_shows_the_id_masked(officer):
    with officer.world.runtime.db.transaction() as session:
        number = session.scalar(select(LoanApplication.application_no).where(LoanApplication.name == "王芳"))
    assert numbers(shown(officer, q=number.lower())) == [number]
    by_id = shown(officer, q="640105198506150002")
    assert [n[-1] for n in numbers(by_id)] == ["2"]
    assert "640105********0002" in by_id and "640105198506150002" not in by_id  # not even in the search box
    by_name = shown(officer, q="张")  # a search includes finished cases
    assert [n[-1] for n in numbers(by_name)] == ["6", "1", "4"]
    with officer.world.runtime.db.transaction() as session:
        trail = session.scalars(select(ConsoleAuditEntry.sentence).where(ConsoleAuditEntry.action == "search")).all()
    assert any("查询了“640105********0002”" in sentence for sentence in trail)


def test_pages_of_fifty(loans_world):
    world = loans_world("embedded")
    with world.runtime.db.transaction() as session:
        session.execute(insert(LoanApplication), [application(n, state="submitted", days_ago=n) for n in range(1, 62)])
    client = world.hall.client("loans")
    client.set_cookie("hall_staff_token", world.staff_token("officer1"))
    first = shown(client)
    assert len(numbers(first)) == 50 and "第 1 / 2 页" in first and "共 61 件" in first
    assert numbers(first)[0].endswith("000061")  # the longest waiting first
    second = shown(client, page="2")
    assert len(numbers(second)) == 11 and "上一页" in second
    search = shown(client, q="张伟")  # a search past one page counts its matches
    assert len(numbers(search)) == 50 and "共 61 件" in search and "第 1 / 2 页" in search
    assert len(numbers(shown(client, q="张伟", page="2"))) == 11
