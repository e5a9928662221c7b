"""The calculator, rate table and prepayment trial over HTTP, against DOMAIN.md's figures."""

from decimal import Decimal
from itertools import pairwise

import pytest


@pytest.fixture
def client(start_hall):
    return start_hall(["loans"]).client("loans")


def test_equal_installment_matches_domain_figures(client):
    reply = client.post(
        "/api/v1/loans/calculator",
        json={"amount": "300000", "term_months": 360, "method": "equal_installment", "annual_rate": "2.60"},
    )
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["annual_rate"] == "2.60"
    assert body["first_payment"] == "1201.02"
    assert body["total_interest"] == "132366.63"
    assert body["total_payment"] == "432366.63"
    first = body["schedule"][0]
    assert (first["interest"], first["principal"]) == ("650.00", "551.02")
    assert len(body["schedule"]) == 360
    payments = {row["payment"] for row in body["schedule"][:-1]}
    assert payments == {"1201.02"}  # equal but the last
    assert sum(Decimal(row["principal"]) for row in body["schedule"]) == Decimal("300000.00")
    assert body["schedule"][-1]["remaining"] == "0.00"


def test_equal_principal_payments_never_rise(client):
    body = client.post(
        "/api/v1/loans/calculator", json={"amount": "300000", "term_months": 360, "method": "equal_principal"}
    ).get_json()
    assert body["annual_rate"] == "2.60"  # the default for a term over 5 years
    assert [row["payment"] for row in body["schedule"][:2]] == ["1483.33", "1481.52"]
    payments = [Decimal(row["payment"]) for row in body["schedule"]]
    assert all(later <= earlier for earlier, later in pairwise(payments))
    assert sum(Decimal(row["principal"]) for row in body["schedule"]) == Decimal("300000.00")


def test_default_rate_follows_the_term(client):
    body = client.post(
        "/api/v1/loans/calculator", json={"amount": "100000", "term_months": 60, "method": "equal_installment"}
    ).get_json()
    assert body["annual_rate"] == "2.10"


def test_rates_are_percent_strings_like_the_calculator(client):
    body = client.get("/api/v1/loans/rates").get_json()
    assert body["unit"] == "percent_per_year"
    assert {entry["annual_rate"] for entry in body["rates"]} == {"2.10", "2.60", "2.525", "3.075"}


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"amount": "999.99", "term_months": 120, "method": "equal_installment"}, "AMOUNT_OUT_OF_RANGE", "amount"),
        ({"amount": "1200000.01", "term_months": 120, "method": "equal_installment"}, "AMOUNT_OUT_OF_RANGE", "amount"),
        ({"amount": "1000.001", "term_months": 120, "method": "equal_installment"}, "AMOUNT_TOO_PRECISE", "amount"),
        ({"amount": "100000", "term_months": 11, "method": "equal_installment"}, "TERM_OUT_OF_RANGE", "term_months"),
        ({"amount": "100000", "term_months": 361, "method": "equal_principal"}, "TERM_OUT_OF_RANGE", "term_months"),
        ({"amount": "100000", "term_months": 120, "method": "balloon"}, "METHOD_UNKNOWN", "method"),
        (
            {"amount": "100000", "term_months": 120, "method": "equal_principal", "annual_rate": "20"},
            "RATE_OUT_OF_RANGE",
            "annual_rate",
        ),
    ],
)
def test_bad_input_is_refused_in_chinese(client, payload, code, field):
    reply = client.post("/api/v1/loans/calculator", json=payload)
    assert reply.status_code == 422
    body = reply.get_json()
    assert reply.mimetype == "application/problem+json"
    assert body["code"] == code
    assert field in body["errors"]
    assert any("\u4e00" <= char <= "\u9fff" for char in body["detail"])


def test_malformed_amount_is_a_validation_error_not_a_500(client):
    reply = client.post("/api/v1/loans/calculator", json={"amount": "三十万", "term_months": "x", "method": 1})
    assert reply.status_code == 422
    assert set(reply.get_json()["errors"]) >= {"amount", "term_months"}


def test_prepayment_trial_shortens_the_term_or_lowers_the_payment(client):
    base = {"amount": "300000", "term_months": 360, "method": "equal_installment", "annual_rate": "2.60"}
    shorter = client.post(
        "/api/v1/loans/calculator/prepayment",
        json={**base, "after_period": 12, "prepayment": "50000", "mode": "shorten_term"},
    ).get_json()
    lower = client.post(
        "/api/v1/loans/calculator/prepayment",
        json={**base, "after_period": 12, "prepayment": "50000", "mode": "lower_payment"},
    ).get_json()
    assert shorter["new_payment"] == "1201.02"
    assert shorter["new_term_months"] < 360 and shorter["months_saved"] > 0
    assert lower["new_term_months"] == 360
    assert Decimal(lower["new_payment"]) < Decimal("1201.02")
    assert Decimal(shorter["interest_saved"]) > Decimal(lower["interest_saved"]) > 0


def test_prepayment_beyond_the_balance_is_refused(client):
    reply = client.post(
        "/api/v1/loans/calculator/prepayment",
        json={
            "amount": "100000",
            "term_months": 120,
            "method": "equal_principal",
            "after_period": 12,
            "prepayment": "99999",
            "mode": "lower_payment",
        },
    )
    assert reply.status_code == 422
    assert reply.get_json()["code"] == "PREPAYMENT_TOO_LARGE"
