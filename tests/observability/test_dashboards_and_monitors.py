"""Grafana dashboards name only metrics the hall exports, and reach Kubernetes as ConfigMaps beside the
Prometheus Operator's objects (PodMonitors, a ServiceMonitor, the PrometheusRule of the alert rules)."""

import json

import pytest
import yaml

from tests.deploy.rendered import OVERLAYS, render
from tests.observability import k8s_monitoring
from tests.observability.catalogue import queryable, series_in

EXPECTED_DASHBOARDS = {"hall-overview", "hall-bus", "hall-sagas", "hall-sms", "hall-identity"}


def _boards() -> dict[str, dict]:
    return {name: json.loads(text) for name, text in k8s_monitoring.dashboards().items()}


def test_the_five_dashboards_exist_with_unique_ids_and_panels():
    boards = _boards()
    assert {board["uid"] for board in boards.values()} == EXPECTED_DASHBOARDS
    for name, board in boards.items():
        assert board["panels"], name
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), name
        for panel in board["panels"]:
            assert panel["targets"] and all(target["expr"] for target in panel["targets"]), (name, panel["title"])


def test_every_dashboard_query_names_only_exported_metrics():
    known = queryable()
    for name, board in _boards().items():
        for panel in board["panels"]:
            for target in panel["targets"]:
                unknown = series_in(target["expr"]) - known
                assert not unknown, f"{name} / {panel['title']}: {unknown} is not exported (docs/metrics.md)"


def test_the_kubernetes_copies_are_current():
    folder = k8s_monitoring.FOLDER
    hint = "run: .venv/bin/python -m tests.observability.k8s_monitoring"
    assert (folder / "prometheus-rule.yaml").read_text(encoding="utf-8") == k8s_monitoring.prometheus_rule(), hint
    copies = {path.name: path.read_text(encoding="utf-8") for path in (folder / "dashboards").glob("*.json")}
    assert copies == k8s_monitoring.dashboards(), hint


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_cluster_gets_monitors_rules_and_dashboards(overlay):
    docs = render(overlay)
    by_kind: dict[str, list[dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    monitors = {doc["metadata"]["name"]: doc for doc in by_kind.get("PodMonitor", [])}
    assert set(monitors) == {"hall-web", "hall-workers", "hall-edge-revocations"}
    pods = [
        doc["spec"]["template"]
        for doc in by_kind["Deployment"]
        if doc["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/part-of") == "nx-hall"
    ]
    for monitor in monitors.values():
        wanted = monitor["spec"]["selector"]["matchLabels"]
        port = monitor["spec"]["podMetricsEndpoints"][0]["port"]
        chosen = [pod for pod in pods if wanted.items() <= pod["metadata"]["labels"].items()]
        # one per service; the edge's revocation feeder: the edge's pods
        expected = 1 if monitor["metadata"]["name"] == "hall-edge-revocations" else 5
        assert len(chosen) >= expected, (monitor["metadata"]["name"], len(chosen))
        for pod in chosen:
            containers = pod["spec"]["containers"] + pod["spec"].get("initContainers", [])  # native sidecars too
            ports = {item["name"] for container in containers for item in container.get("ports", [])}
            assert port in ports, (monitor["metadata"]["name"], pod["metadata"]["labels"])
    (edge,) = by_kind["ServiceMonitor"]
    services = [
        doc
        for doc in by_kind["Service"]
        if edge["spec"]["selector"]["matchLabels"].items() <= doc["metadata"].get("labels", {}).items()
    ]
    assert services and "metrics" in {port["name"] for port in services[0]["spec"]["ports"]}
    (rule,) = by_kind["PrometheusRule"]
    alerts = {item["alert"] for group in rule["spec"]["groups"] for item in group["rules"]}
    for path in k8s_monitoring.RULE_FILES:
        groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        assert {item["alert"] for group in groups for item in group["rules"]} <= alerts, path.name
    dashboards = [doc for doc in by_kind["ConfigMap"] if doc["metadata"]["name"] == "hall-dashboards"]
    assert dashboards and dashboards[0]["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert {name.removesuffix(".json") for name in dashboards[0]["data"]} == EXPECTED_DASHBOARDS
