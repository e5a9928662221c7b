"""promtool unit tests of deploy/prometheus/alerts.yml: for every alert, synthetic series on which it fires, then
clears. `python -m tests.observability.alert_cases` writes deploy/prometheus/alerts.test.yml (and the yearly one);
a test checks the committed files are what this gives, and runs `promtool test rules` on them.

Expected annotations are the rule's own with the alert's labels filled in (the annotations use no `$value`, so
they are exact)."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
TESTS = REPO / "deploy" / "prometheus" / "alerts.test.yml"
YEARLY_TESTS = REPO / "deploy" / "prometheus" / "alerts-yearly.test.yml"
HOUR = 3600


@dataclass
class Case:
    alert: str
    series: dict[str, str]
    fires_at: str
    clears_at: str
    labels: dict[str, str] = field(default_factory=dict)
    yearly: bool = False  # evaluated hourly (1970's 1 July is 4344h after time 0)


CASES = [
    Case(
        "HallOutboxLag",
        {'hall_outbox_oldest_unsent_age_seconds{hall_service="loans",instance="w1"}': "0 0 400x15 0x10"},
        "10m",
        "25m",
        {"hall_service": "loans"},
    ),
    Case(
        "HallWorkerMetricsMissing",
        {
            f'hall_outbox_unsent{{hall_service="{name}",instance="w"}}': "0x30"
            for name in ("identity", "accounts", "loans", "withdrawals")
        }
        | {'hall_outbox_unsent{hall_service="notifications",instance="w5"}': "0x5 _x20 0x10"},
        "20m",
        "32m",
        {"hall_service": "notifications"},
    ),
    Case(
        "HallParkedMessage",
        {'hall_queue_parked_messages{queue="accounts.reserve-funds",instance="w1"}': "0 0 1x5 0x10"},
        "5m",
        "15m",
        {"queue": "accounts.reserve-funds"},
    ),
    Case(
        "HallConsumerLag",
        {
            'hall_queue_ready_messages{queue="notifications.notices",instance="w1"}': "0 500x20 0x10",
            'hall_queue_consumers{queue="notifications.notices",instance="w1"}': "1x40",
        },
        "15m",
        "30m",
        {"queue": "notifications.notices"},
    ),
    Case(
        "HallConsumerWaitingForDatabase",
        {'hall_consumer_waiting_for_infrastructure{hall_service="accounts",instance="w1"}': "0 1x20 0x10"},
        "15m",
        "30m",
        {"hall_service": "accounts"},
    ),
    Case(
        "HallSagaStuck",
        {
            'hall_saga_oldest_waiting_age_seconds{hall_service="withdrawals",saga="withdrawal_payment",'
            'state="approved",instance="w1"}': "0 0 2000x15 0x10",
            # an approved loan waiting at the bank for 2000 s is normal: not this alert
            'hall_saga_oldest_waiting_age_seconds{hall_service="loans",saga="loan_bank_steps",'
            'state="approved",instance="w1"}': "2000x30",
        },
        "10m",
        "25m",
        {"hall_service": "withdrawals", "saga": "withdrawal_payment", "state": "approved"},
    ),
    Case(
        "HallLoanWaitingOnBank",
        {
            'hall_saga_oldest_waiting_age_seconds{hall_service="loans",saga="loan_bank_steps",'
            'state="mortgage_registered",instance="w1"}': "0 2000000x80 0x10",
        },
        "75m",
        "85m",
        {"state": "mortgage_registered"},
    ),
    Case(
        "HallEntrustedMonthNotPosted",
        {
            'hall_saga_oldest_waiting_age_seconds{hall_service="loans",saga="entrusted_withdrawal",'
            'state="retrying",instance="w1"}': "0 400000x80 0x10",
            # a month whose fund answer is awaited for 2000 s is HallSagaStuck's, not this alert's
            'hall_saga_oldest_waiting_age_seconds{hall_service="loans",saga="entrusted_withdrawal",'
            'state="taking",instance="w1"}': "0x90",
        },
        "75m",
        "85m",
        {"state": "retrying"},
    ),
    Case(
        "HallServerErrors",
        {
            'hall_http_requests_total{hall_service="loans",endpoint="/api/v1/loans/applications",method="GET",'
            'status="200",instance="web1"}': "0+600x50",
            'hall_http_requests_total{hall_service="loans",endpoint="/api/v1/loans/applications",method="GET",'
            'status="500",instance="web1"}': "0x10 0+60x20 1200x20",
        },
        "25m",
        "45m",
        {"hall_service": "loans"},
    ),
    Case(
        "HallEdgeServerErrors",
        {
            'haproxy_backend_http_responses_total{proxy="be_loans",code="2xx",instance="edge1"}': "0+600x50",
            'haproxy_backend_http_responses_total{proxy="be_loans",code="5xx",instance="edge1"}': (
                "0x10 0+60x20 1200x20"
            ),
            # another route, healthy: not this alert
            'haproxy_backend_http_responses_total{proxy="be_accounts",code="2xx",instance="edge1"}': "0+600x50",
        },
        "25m",
        "45m",
        {"route": "loans"},
    ),
    Case(
        "HallEdgeRevocationFeederStuck",
        # synced every minute, then stuck at 600 s (10 min) for 15 minutes, then syncing again
        {'hall_edge_revocation_last_sync_timestamp_seconds{instance="edge1"}': "0+60x10 600x15 1560+60x10"},
        "22m",
        "30m",
        {"instance": "edge1"},
    ),
    Case(
        "HallEdgeRateLimitSpike",
        {
            'haproxy_frontend_http_requests_total{proxy="fe_hall",instance="edge1"}': "0+6000x50",
            'haproxy_frontend_denied_req_total{proxy="fe_hall",instance="edge1"}': "0x10 0+1200x20 24000x20",
        },
        "25m",
        "45m",
        {"proxy": "fe_hall"},
    ),
    Case(
        "HallDbPoolSaturated",
        {
            'hall_db_pool_in_use_connections{hall_service="loans",pool="write",instance="web1"}': "2 10x10 2x15",
            'hall_db_pool_max_connections{hall_service="loans",pool="write",instance="web1"}': "10x26",
            'hall_db_pool_waiting_checkouts{hall_service="loans",pool="write",instance="web1"}': "0x26",
        },
        "8m",
        "20m",
        {"hall_service": "loans", "pool": "write"},
    ),
    Case(
        "HallSmsFailureRatio",
        {
            'hall_sms_sent_total{template="loan.approved",instance="w5"}': "0+60x70",
            'hall_sms_failures_total{code="E500",final="false",instance="w5"}': "0x5 0+30x30 900x35",
        },
        "30m",
        "60m",
    ),
    Case(
        "HallLockoutSpike",
        {'hall_lockouts_total{kind="depositor",instance="web1"}': "0x5 0+5x10 50x30"},
        "12m",
        "35m",
    ),
    Case(
        "HallScheduledJobMissed",
        # the value is the last success's Unix time: it keeps up with the clock, stops at 600 s, resumes
        {
            'hall_job_last_success_timestamp_seconds{hall_service="notifications",job="send-due",instance="j5"}': (
                "0+60x10 600x60 4260+60x20"
            ),
            # a daily job that succeeded an hour ago is fine
            'hall_job_last_success_timestamp_seconds{hall_service="loans",job="repayment-run",instance="j3"}': ("0x90"),
        },
        "60m",
        "85m",
        {"hall_service": "notifications", "job": "send-due"},
    ),
    Case(
        "HallInterestSettlementMissed",
        # no success since 1 January; on 1 July it fires, then the re-run at 4347h succeeds
        {
            'hall_job_last_success_timestamp_seconds{hall_service="accounts",job="settle-interest",instance="j2"}': (
                f"0x4346 {4347 * HOUR}x20"
            )
        },
        "4346h",
        "4350h",
        yearly=True,
    ),
]


def rules() -> dict[str, dict]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {rule["alert"]: rule for group in document["groups"] for rule in group["rules"] if "alert" in rule}


def _annotations(rule: dict, labels: dict[str, str]) -> dict[str, str]:
    def fill(text: str) -> str:
        return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda match: labels.get(match.group(1), ""), text)

    return {key: fill(value) for key, value in rule.get("annotations", {}).items()}


def document(yearly: bool) -> dict:
    known = rules()
    tests = []
    for case in CASES:
        if case.yearly != yearly:
            continue
        rule = known[case.alert]
        labels = {**rule.get("labels", {}), **case.labels}
        expected = {"exp_labels": labels, "exp_annotations": _annotations(rule, labels)}
        tests.append(
            {
                "name": case.alert,
                "interval": "1h" if yearly else "1m",
                "input_series": [{"series": series, "values": values} for series, values in case.series.items()],
                "alert_rule_test": [
                    {"eval_time": case.fires_at, "alertname": case.alert, "exp_alerts": [expected]},
                    {"eval_time": case.clears_at, "alertname": case.alert, "exp_alerts": []},
                ],
            }
        )
    return {"rule_files": [RULES.name], "evaluation_interval": "1h" if yearly else "1m", "tests": tests}


def render(yearly: bool) -> str:
    head = "# Generated by `python -m tests.observability.alert_cases` from its CASES: edit those, not this file.\n"
    return head + yaml.safe_dump(document(yearly), allow_unicode=True, sort_keys=False, width=200)


if __name__ == "__main__":
    TESTS.write_text(render(yearly=False), encoding="utf-8")
    YEARLY_TESTS.write_text(render(yearly=True), encoding="utf-8")
