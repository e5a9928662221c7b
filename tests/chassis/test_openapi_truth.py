"""Each service's OpenAPI document tells the truth about its API. schemathesis generates requests from every
operation of every service's spec and sends them through the embedded hall. It does that once with a depositor's
token and once with a staff token holding every role. The bar is 0 server errors and 0 responses that break their
documented schema. The run is bounded: a few examples per operation, generation only."""

import collections

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = pytest.mark.slow(seconds=35)

SERVICES = ["identity", "accounts", "loans", "withdrawals", "notifications"]
ALL_ROLES = ("loan_officer", "loan_approver", "bank_officer", "withdrawal_officer", "admin")
EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def service_app(request, start_hall, test_tokens):
    name = request.param
    hall = start_hall([name])
    test_tokens.install(hall.runtime(name))
    return name, hall.apps[name]


def _spec(app, name: str) -> dict:
    return app.test_client().get(f"/api/v1/{name}/openapi.json").get_json()


@pytest.mark.parametrize("service_app", SERVICES, indirect=True)
@pytest.mark.parametrize("who", ["depositor", "staff"])
def test_no_request_from_the_spec_gets_a_500_or_an_undocumented_answer(service_app, who, test_tokens):
    name, app = service_app
    if who == "depositor":
        headers = test_tokens.depositor("user-640100000001", acct="640100000001", name="张伟")
    else:
        headers = test_tokens.staff("staff:schemathesis", *ALL_ROLES)
    schema = schemathesis.openapi.from_wsgi(f"/api/v1/{name}/openapi.json", app)
    failures: collections.Counter = collections.Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        _probe(operation, headers, failures)()
    assert operations > 0
    assert not failures, "\n".join(f"{count}× {label}: {text}" for (label, text), count in failures.items())


def _probe(operation, headers: dict, failures: collections.Counter):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def probe(case):
        case.headers = {**(case.headers or {}), **headers}
        try:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
        except Exception as failure:  # schemathesis's FailureGroup: keep its first lines, go on with the rest
            failures[(operation.label, " | ".join(str(failure).splitlines()[:6])[:400])] += 1

    return probe


@pytest.mark.parametrize("service_app", ["loans"], indirect=True)
def test_money_is_a_decimal_string_limits_are_numbers_and_errors_are_problems(service_app):
    name, app = service_app
    spec = _spec(app, name)
    schemas = spec["components"]["schemas"]
    assert schemas["LoanTermsIn"]["properties"]["amount"] == {"type": "string", "format": "decimal"}
    assert schemas["PlanOut"]["properties"]["first_payment"]["type"] == "string"
    area = schemas["HouseIn"]["properties"]["area"]
    assert (area["x-minimum"], area["x-maximum"]) == (1, 10000)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    for response in ("UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):  # every status an operation does not name: default
        assert list(spec["components"]["responses"][response]["content"]) == ["application/problem+json"]
    problem = schemas["Problem"]["properties"]
    assert {"code", "detail", "errors", "status"} <= set(problem)
