"""What a depositor reads about themselves (info, account, statement, deposits, withdrawals) and nobody else's."""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from tests.accounts.demo_dates import (
    deposited_months,
    li_na_supplementary,
    settled_fund_years,
    zhang_wei_rent_withdrawal_day,
)

ZHANG_WEI, LI_NA = "640100000001", "640300000002"


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_basic_info_is_masked_and_the_account_matches_the_statement(accounts_hall, as_depositor, mode):
    hall = accounts_hall(mode)
    client = hall.client("accounts")
    headers = as_depositor(ZHANG_WEI)

    me = client.get("/api/v1/accounts/me", headers=headers).get_json()
    assert me["name"] == "张伟"
    assert me["id_number"] == "640105********3219"
    assert me["mobile"] == "138****0001"
    assert me["employer_name"] == "宁夏银川建设集团有限公司"
    assert me["center"] == "yinchuan" and me["center_name"] == "银川住房公积金管理中心"

    account = client.get("/api/v1/accounts/me/account", headers=headers).get_json()
    assert account["account_no"] == ZHANG_WEI and account["status"] == "normal"
    assert account["monthly_amount"] == "2040.00" and account["paid_up_to"] == str(deposited_months()[-1])
    assert account["available"] == account["balance"]

    statement = client.get("/api/v1/accounts/me/statement?page_size=100", headers=headers).get_json()
    rows = statement["items"]
    expected = len(deposited_months()) + len(settled_fund_years()) + 1  # deposits, settlements, one withdrawal
    assert statement["total"] == len(rows) == expected
    assert rows[0]["balance"] == account["balance"]  # newest first; each row carries the balance after it
    for newer, older in itertools.pairwise(rows):
        assert Decimal(newer["balance"]) == Decimal(older["balance"]) + Decimal(newer["amount"])
    assert Decimal(rows[-1]["balance"]) == Decimal(rows[-1]["amount"])
    assert set(rows[0]) == {"id", "posted_on", "kind", "kind_label", "summary", "amount", "balance"}


def test_statement_takes_a_date_range_and_pages(accounts_hall, as_depositor):
    client = accounts_hall().client("accounts")
    headers = as_depositor(ZHANG_WEI)
    fund_year = settled_fund_years()[-1]
    start, end = date(fund_year - 1, 7, 1), date(fund_year, 6, 30)
    rent_paid = start <= zhang_wei_rent_withdrawal_day() <= end
    year = client.get(
        f"/api/v1/accounts/me/statement?from={start}&to={end}&page=2&page_size=5", headers=headers
    ).get_json()
    assert year["total"] == 12 + 1 + rent_paid  # a year of deposits, its settlement, maybe the rent withdrawal
    assert year["page"] == 2 and len(year["items"]) == 5
    assert all(str(start) <= row["posted_on"] <= str(end) for row in year["items"])
    interest = client.get(f"/api/v1/accounts/me/statement?from={end}&to={end}", headers=headers).get_json()
    assert [row["summary"] for row in interest["items"]] == [f"{fund_year}年度结息"]
    backwards = client.get(f"/api/v1/accounts/me/statement?from={end}&to={start}", headers=headers)
    assert backwards.status_code == 422 and backwards.get_json()["code"] == "VALIDATION_FAILED"


def test_deposits_and_withdrawals_lists_and_details(accounts_hall, as_depositor):
    client = accounts_hall().client("accounts")
    headers = as_depositor(LI_NA)
    deposits = client.get("/api/v1/accounts/me/deposits?page_size=100", headers=headers).get_json()["items"]
    supplementary = [row for row in deposits if row["kind"] == "supplementary"]
    assert len(supplementary) == 1
    missed, paid_on = li_na_supplementary()
    assert supplementary[0]["month"] == str(missed) and supplementary[0]["posted_on"] == str(paid_on)
    assert supplementary[0]["unit_amount"] == "620.00" and supplementary[0]["personal_amount"] == "620.00"
    assert supplementary[0]["amount"] == "1240.00"
    detail = client.get(f"/api/v1/accounts/me/deposits/{supplementary[0]['id']}", headers=headers).get_json()
    assert detail["summary"] == f"{missed.label}补缴"

    zhang = as_depositor(ZHANG_WEI)
    withdrawals = client.get("/api/v1/accounts/me/withdrawals", headers=zhang).get_json()["items"]
    assert [(row["posted_on"], row["amount"], row["summary"]) for row in withdrawals] == [
        (str(zhang_wei_rent_withdrawal_day()), "5400.00", "提取（租房提取）")
    ]
    one = client.get(f"/api/v1/accounts/me/withdrawals/{withdrawals[0]['id']}", headers=zhang)
    assert one.status_code == 200
    # a deposit id is not a withdrawal
    assert client.get(f"/api/v1/accounts/me/withdrawals/{deposits[0]['id']}", headers=zhang).status_code == 404


def test_a_depositor_reads_no_other_depositors_record_through_any_endpoint(accounts_hall, as_depositor):
    client = accounts_hall().client("accounts")
    zhang, li = as_depositor(ZHANG_WEI), as_depositor(LI_NA)
    his = client.get("/api/v1/accounts/me/statement?page_size=100", headers=zhang).get_json()["items"]
    his_deposit = client.get("/api/v1/accounts/me/deposits", headers=zhang).get_json()["items"][0]
    his_withdrawal = client.get("/api/v1/accounts/me/withdrawals", headers=zhang).get_json()["items"][0]
    for path in (
        *(f"/api/v1/accounts/me/statement/{row['id']}" for row in his),
        f"/api/v1/accounts/me/deposits/{his_deposit['id']}",
        f"/api/v1/accounts/me/withdrawals/{his_withdrawal['id']}",
    ):
        answer = client.get(path, headers=li)
        assert answer.status_code == 404, path
        assert answer.get_json()["code"] == "RECORD_NOT_FOUND"
    # the lists of 李娜 hold only her own rows, whatever the query string says
    hers = client.get(f"/api/v1/accounts/me/statement?page_size=100&account_no={ZHANG_WEI}", headers=li)
    assert hers.status_code in (200, 422)
    if hers.status_code == 200:
        assert not {row["id"] for row in hers.get_json()["items"]} & {row["id"] for row in his}
    assert client.get("/api/v1/accounts/me", headers=li).get_json()["name"] == "李娜"
    assert client.get("/api/v1/accounts/me/statement/99999999999999999999999", headers=li).status_code == 404


def test_tokens_without_an_account_or_without_a_depositor_are_refused(accounts_hall, test_tokens, as_admin):
    client = accounts_hall().client("accounts")
    assert client.get("/api/v1/accounts/me").status_code == 401
    stranger = test_tokens.depositor(sub="nobody", acct="640199999999")
    missing = client.get("/api/v1/accounts/me/account", headers=stranger)
    assert missing.status_code == 404 and missing.get_json()["code"] == "ACCOUNT_NOT_FOUND"
    assert client.get("/api/v1/accounts/me/statement", headers=as_admin).status_code == 403
