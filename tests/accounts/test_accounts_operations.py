"""The centre's operations: importing depositors, deposit batches, the interest settlement, mobile, seal/unseal."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from chassis import clock
from chassis.pii import id_check_char
from services.accounts.domain.interest import FundYear, settle_interest
from services.accounts.events import ACCOUNT_CREDITED
from services.accounts.models import Depositor, FundAccount, InterestSettlement, LedgerEntry
from tests.accounts.demo_dates import last_settled_fund_year, month_after_the_demo

pytestmark = pytest.mark.slow(seconds=45)

ADMIN = "/api/v1/accounts/admin"


def person(n: int, **changes) -> dict:
    first17 = f"64010519900101{n:03d}"
    row = {
        "center": "yinchuan",
        "name": f"测试{n}",
        "id_number": first17 + id_check_char(first17),
        "mobile": f"1370000{n:04d}",
        "employer_name": "银川测试科技有限公司",
        "employer_account_no": "DW64019001",
        "deposit_base": "6000",
        "employer_ratio": "0.12",
        "personal_ratio": "0.10",
        "opened_on": "2024-07-01",
    }
    return row | changes


def _count(hall, model) -> int:
    with hall.runtime("accounts").db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_import_then_batches_and_settlement_are_idempotent(accounts_hall, as_admin, published, mode):
    hall = accounts_hall(mode, seed=False)
    client = hall.client("accounts")
    imported = client.post(f"{ADMIN}/depositors", json=[person(1), person(2)], headers=as_admin)
    assert imported.status_code == 201, imported.get_json()
    account_nos = imported.get_json()["account_nos"]
    assert [event["account_no"] for event in published(hall, "accounts.depositor.registered")] == account_nos
    assert all(number.startswith("6401") and len(number) == 12 for number in account_nos)

    posted = []
    for month in ("2025-05", "2025-06"):
        batch = {"employer_account_no": "DW64019001", "month": month, "posted_on": f"{month}-15"}
        first = client.post(f"{ADMIN}/deposit-batches", json=batch, headers=as_admin)
        again = client.post(f"{ADMIN}/deposit-batches", json=batch, headers=as_admin)
        assert first.status_code == 201 and again.status_code == 200
        assert first.get_json()["accounts"] == 2 and first.get_json()["total"] == "2640.00"  # 720 + 600 each
        assert again.get_json()["replayed"] is True and again.get_json()["batch_id"] == first.get_json()["batch_id"]
        posted.append(date.fromisoformat(f"{month}-15"))
    assert _count(hall, LedgerEntry) == 4
    assert len(published(hall, "accounts.account.credited")) == 4

    settled = client.post(f"{ADMIN}/interest-settlements", json={"fund_year": 2025}, headers=as_admin)
    assert settled.status_code == 201, settled.get_json()
    expected = settle_interest([(day, Decimal("1320.00")) for day in posted], FundYear(2025))
    assert settled.get_json()["accounts"] == 2
    assert Decimal(settled.get_json()["total"]) == 2 * expected
    replay = client.post(f"{ADMIN}/interest-settlements", json={"fund_year": 2025}, headers=as_admin)
    assert replay.status_code == 200 and replay.get_json()["replayed"] is True
    assert _count(hall, LedgerEntry) == 6
    interest_events = [e for e in published(hall, "accounts.account.credited") if e["kind"] == "interest"]
    assert [Decimal(e["amount"]) for e in interest_events] == [expected, expected]
    assert all(ACCOUNT_CREDITED.schema().validate(event) == {} for event in interest_events)
    assert {e["balance"] for e in interest_events} == {str(Decimal("2640.00") + expected)}


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_settlement_sql_matches_the_pure_function_on_the_demo_data(accounts_hall, mode):
    hall = accounts_hall(mode)
    with hall.runtime("accounts").db.transaction() as session:
        years = sorted(session.scalars(select(InterestSettlement.fund_year)))
        assert len(years) >= 3  # every 30 June of the demo's three years and more
        for account in session.scalars(select(FundAccount)):
            entries = session.scalars(
                select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
            ).all()
            for year in years:
                before = [(e.posted_on, e.amount) for e in entries if e.reference != f"interest-{year}"]
                posted = [e.amount for e in entries if e.reference == f"interest-{year}"]
                assert posted == [settle_interest(before, FundYear(year))], (account.account_no, year)
            assert account.balance == sum(e.amount for e in entries)


def test_bad_csv_rows_are_all_reported_and_nothing_is_imported(accounts_hall, as_admin):
    hall = accounts_hall(seed=False)
    header = "所属中心,姓名,身份证号,手机号码,单位名称,单位账号,缴存基数,单位缴存比例,个人缴存比例,开户日期"
    good = person(3)
    lines = [
        header,
        ",".join(good.values()),
        ",".join(person(4, id_number="640105199001010000").values()),  # wrong check digit
        ",".join(person(5, mobile="12345").values()),
        ",".join(person(6, employer_ratio="0.15", deposit_base="99999").values()),
    ]
    answer = hall.client("accounts").post(
        f"{ADMIN}/depositors", data="\n".join(lines), content_type="text/csv", headers=as_admin
    )
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "IMPORT_REJECTED"
    assert set(body["errors"]) == {"2.id_number", "3.mobile", "4.employer_ratio", "4.deposit_base"}
    assert _count(hall, Depositor) == 0


def test_an_import_naming_a_known_person_is_refused_whole(accounts_hall, as_admin):
    hall = accounts_hall()
    client = hall.client("accounts")
    before = _count(hall, Depositor)
    known = person(7, id_number="640105198506153219")
    answer = client.post(f"{ADMIN}/depositors", json=[person(8), known], headers=as_admin)
    assert answer.status_code == 422 and "2.id_number" in answer.get_json()["errors"]
    assert _count(hall, Depositor) == before  # the valid first row was not imported either


def test_mobile_change_and_sealing_publish_their_events(accounts_hall, as_admin, as_depositor, published):
    hall = accounts_hall()
    client = hall.client("accounts")
    changed = client.put(f"{ADMIN}/accounts/640100000001/mobile", json={"mobile": "13800001234"}, headers=as_admin)
    assert changed.status_code == 200 and changed.get_json()["mobile"] == "138****1234"
    assert published(hall, "accounts.depositor.contact_changed")[-1]["mobile"] == "13800001234"
    bad = client.put(f"{ADMIN}/accounts/640100000001/mobile", json={"mobile": "1234"}, headers=as_admin)
    assert bad.status_code == 422 and bad.get_json()["code"] == "MOBILE_INVALID"

    assert client.post(f"{ADMIN}/accounts/640100000006/seal", headers=as_admin).get_json()["status"] == "sealed"
    account = client.get("/api/v1/accounts/me/account", headers=as_depositor("640100000006")).get_json()
    assert account["status"] == "sealed" and account["status_label"] == "封存"
    batch = {"employer_account_no": "DW6401000101", "month": month_after_the_demo(), "posted_on": str(clock.today())}
    assert client.post(f"{ADMIN}/deposit-batches", json=batch, headers=as_admin).get_json()["accounts"] == 1
    assert client.post(f"{ADMIN}/accounts/640100000006/unseal", headers=as_admin).get_json()["status"] == "normal"
    changes = [(e["status_from"], e["status_to"]) for e in published(hall, "accounts.account.status_changed")]
    assert changes[-2:] == [("normal", "sealed"), ("sealed", "normal")]
    again = client.post(f"{ADMIN}/accounts/640100000006/unseal", headers=as_admin)
    assert again.status_code == 200 and len(published(hall, "accounts.account.status_changed")) == len(changes)
    missing = client.post(f"{ADMIN}/accounts/640199999999/seal", headers=as_admin)
    assert missing.status_code == 404


def test_operations_need_the_admin_role(accounts_hall, test_tokens, as_depositor):
    client = accounts_hall(seed=False).client("accounts")
    officer = test_tokens.staff("staff:wofficer1", "withdrawal_officer")
    for headers in (officer, as_depositor("640100000001")):
        assert (
            client.post(f"{ADMIN}/interest-settlements", json={"fund_year": 2026}, headers=headers).status_code == 403
        )
    assert client.post(f"{ADMIN}/depositors", json=[person(9)]).status_code == 401


def test_cli_commands_run_the_same_operations(accounts_hall):
    hall = accounts_hall()
    runner = hall.apps["accounts"].test_cli_runner()
    month = month_after_the_demo()
    result = runner.invoke(args=["deposit-batch", "--employer", "DW6403000201", "--month", month])
    assert result.exit_code == 0, result.output
    assert '"accounts": 1' in result.output
    replay = runner.invoke(args=["deposit-batch", "--employer", "DW6403000201", "--month", month])
    assert '"replayed": true' in replay.output
    refused = runner.invoke(args=["settle-interest", "--year", str(last_settled_fund_year())])
    assert refused.exit_code == 0 and '"replayed": true' in refused.output
    sealed = runner.invoke(args=["seal", "640300000002"])
    assert sealed.exit_code == 0 and "sealed" in sealed.output


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_the_database_refuses_an_overdraft_and_on_postgresql_a_changed_posting(accounts_hall, mode):
    hall = accounts_hall(mode)
    db = hall.runtime("accounts").db
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.execute(update(FundAccount).values(reserved=FundAccount.balance + 1, version=FundAccount.version + 1))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.execute(update(FundAccount).values(reserved=-1, version=FundAccount.version + 1))
    if mode == "real":
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
            session.execute(update(LedgerEntry).values(amount=0))


def test_a_replayed_idempotency_key_answers_the_first_reply(accounts_hall, as_admin):
    client = accounts_hall().client("accounts")
    batch = {"employer_account_no": "DW6404000301", "month": month_after_the_demo(), "posted_on": str(clock.today())}
    headers = as_admin | {"Idempotency-Key": "batch-next-month-guyuan"}
    first = client.post(f"{ADMIN}/deposit-batches", json=batch, headers=headers)
    second = client.post(f"{ADMIN}/deposit-batches", json=batch, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true" and second.get_json() == first.get_json()
