"""Input that can't hurt (chassis.input_guard, chassis.fields.Money), through real services on SQLite and on
PostgreSQL: every refusal is a 4xx problem in Chinese with a stable code, never a 500, and nothing is written."""

import json
import socket
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chassis.db import Database
from chassis.input_guard import json_nesting_depth, unsafe_text
from services.loans.models import LoanApplication

pytestmark = pytest.mark.slow(seconds=90)

ZHANG_WEI = {"account_no": "640100000001", "name": "张伟"}

CALCULATOR = "/api/v1/loans/calculator"


@pytest.fixture(params=["embedded", "real"])
def hall(request, start_hall, test_tokens):
    hall = start_hall(["loans", "identity"], mode=request.param)
    test_tokens.install(hall.runtime("loans"))
    hall.tokens = test_tokens
    return hall


def _problem(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert reply.mimetype == "application/problem+json"
    body = reply.get_json()
    assert body["code"] == code
    assert any("\u4e00" <= char <= "\u9fff" for char in body["detail"]), body["detail"]
    return body


def _terms(amount) -> dict:
    return {"amount": amount, "term_months": 120, "method": "equal_installment"}


def test_the_calculator_still_answers_a_sane_request(hall):
    reply = hall.client("loans").post(CALCULATOR, json=_terms("100000"))
    assert reply.status_code == 200
    assert reply.get_json()["amount"] == "100000.00"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e100000", "金额超出允许范围"),
        ("123456789012345678901234567890.01", "金额超出允许范围"),
        ("9" * 39, "金额超出允许范围"),
        ("NaN", "请输入正确的金额"),
        ("Infinity", "请输入正确的金额"),
        ("一万", "请输入正确的金额"),
        (True, "请输入正确的金额"),
    ],
)
def test_money_beyond_decimal_precision_or_with_three_decimals_is_a_field_error(hall, amount, message):
    body = _problem(hall.client("loans").post(CALCULATOR, json=_terms(amount)), 422, "VALIDATION_FAILED")
    assert body["errors"]["amount"] == [message]


def test_a_third_decimal_is_refused_by_the_field_or_by_the_domain_rule(hall, start_hall, test_tokens):
    from marshmallow import Schema, ValidationError

    from chassis.fields import Money

    class Strict(Schema):
        amount = Money()

    with pytest.raises(ValidationError) as refused:
        Strict().load({"amount": "100.001"})
    assert refused.value.messages == {"amount": ["金额最多两位小数"]}
    assert Strict().load({"amount": 100.1}) == {"amount": Decimal("100.10")}
    body = _problem(hall.client("loans").post(CALCULATOR, json=_terms("1000.001")), 422, "AMOUNT_TOO_PRECISE")
    assert "amount" in body["errors"]


def test_a_json_number_too_long_for_any_form_is_refused_before_parsing(hall):
    raw = '{"amount": %s, "term_months": 120, "method": "equal_installment"}' % ("9" * 5000)
    reply = hall.client("loans").post(CALCULATOR, data=raw, content_type="application/json")
    _problem(reply, 422, "NUMBER_OUT_OF_RANGE")


def test_json_nested_a_thousand_deep_is_refused(hall):
    raw = '{"amount": ' + "[" * 1000 + "]" * 1000 + "}"
    _problem(hall.client("loans").post(CALCULATOR, data=raw, content_type="application/json"), 400, "JSON_TOO_DEEP")


def test_broken_json_and_non_finite_numbers_are_refused(hall):
    client = hall.client("loans")
    _problem(client.post(CALCULATOR, data='{"amount": ', content_type="application/json"), 400, "BAD_JSON")
    _problem(client.post(CALCULATOR, data=b'{"amount": "\xff"}', content_type="application/json"), 400, "BAD_JSON")
    raw = '{"amount": 1e999, "term_months": 120, "method": "equal_installment"}'
    _problem(client.post(CALCULATOR, data=raw, content_type="application/json"), 422, "NUMBER_OUT_OF_RANGE")


@pytest.mark.parametrize("text", ["张伟\x00", "\ud800", "a\x1bb", "\x7f", "\ufffe"])
def test_control_characters_and_lone_surrogates_are_refused_in_any_string(hall, text):
    client = hall.client("identity")
    # as a client would send them: JSON escapes (\u0000, \ud800), which only the parser turns into the characters
    for document in ({"center": "yinchuan", "id_number": text, "password": "x"}, {text: "key", "center": "yinchuan"}):
        raw = json.dumps(document, ensure_ascii=True)
        reply = client.post("/api/v1/identity/sessions", data=raw, content_type="application/json")
        _problem(reply, 400, "INVALID_CHARACTERS")


def test_a_nul_or_control_character_in_a_path_id_or_query_value_is_refused(hall):
    headers = hall.tokens.depositor("user-1", acct=ZHANG_WEI["account_no"], name=ZHANG_WEI["name"])
    client = hall.client("loans")
    _problem(client.get("/api/v1/loans/applications/%00", headers=headers), 400, "INVALID_CHARACTERS")
    _problem(client.get("/api/v1/loans/applications/a%01b", headers=headers), 400, "INVALID_CHARACTERS")
    _problem(client.get("/api/v1/loans/applications?state=%00", headers=headers), 400, "INVALID_CHARACTERS")
    _problem(client.get("/api/v1/loans/applications?%00=1", headers=headers), 400, "INVALID_CHARACTERS")
    # ordinary text, Chinese included, passes
    assert client.get("/api/v1/loans/applications/不存在", headers=headers).status_code == 404


def test_an_oversized_body_is_a_413_before_the_service_reads_it(hall):
    body = '{"amount": "' + "1" * (300 * 1024) + '"}'
    reply = hall.client("loans").post(CALCULATOR, data=body, content_type="application/json")
    _problem(reply, 413, "PAYLOAD_TOO_LARGE")
    # a refused request changes nothing, and the service goes on answering others
    with hall.runtime("loans").db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LoanApplication)) == 0
    assert hall.client("loans").post(CALCULATOR, json=_terms("100000")).status_code == 200


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_database_is_a_503_with_retry_after(start_hall, test_tokens):
    # PostgreSQL on a port where nothing listens: as while the database is down or failing over
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere?connect_timeout=2"
    hall = start_hall(["loans"])
    loans = hall.runtime("loans")
    test_tokens.install(loans)
    working = loans.db
    loans.db = Database(url, service="loans")  # what the views reach through current_runtime().db
    headers = test_tokens.depositor("user-1", acct=ZHANG_WEI["account_no"])
    reply = hall.client("loans").get("/api/v1/loans/applications", headers=headers)
    body = _problem(reply, 503, "DATABASE_UNAVAILABLE")
    assert reply.headers["Retry-After"].isdigit()
    assert "postgres" not in str(body) and "nowhere" not in str(body)
    loans.db.dispose()
    loans.db = working


def test_the_scanners():
    assert json_nesting_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert json_nesting_depth(b'["\\"[[["]') == 1
    assert not unsafe_text("宁夏回族自治区\t第1行\n第2行\r")
    assert unsafe_text("\x00") and unsafe_text("\udfff") and unsafe_text("\x85")
