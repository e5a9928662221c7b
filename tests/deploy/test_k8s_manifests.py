"""The Kubernetes manifests describe every process with probes, resources and budgets."""

from pathlib import Path

import pytest
import yaml

from services.registry import NAMES

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"


def _documents() -> list[dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents.extend(doc for doc in yaml.safe_load_all((BASE / resource).read_text()) if doc)
    return documents


def _named(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _documents() if doc["kind"] == kind}


@pytest.mark.parametrize("service", NAMES)
def test_every_service_has_a_web_and_a_worker_deployment_with_probes_and_resources(service):
    deployments = _named("Deployment")
    web = deployments[f"{service}-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert f"services.{service}.app:create_app()" in web["args"]
    worker = deployments[f"{service}-worker"]["spec"]["template"]["spec"]["containers"][0]
    assert worker["args"][-1] == "worker"
    for container in (web, worker):
        assert container["resources"]["requests"]["cpu"]
        assert container["resources"]["limits"]["memory"]


@pytest.mark.parametrize("service", NAMES)
def test_every_service_autoscales_keeps_a_disruption_budget_and_migrates_per_release(service):
    assert _named("HorizontalPodAutoscaler")[f"{service}-web"]["spec"]["minReplicas"] >= 2
    assert f"{service}-web" in _named("PodDisruptionBudget")
    job = _named("Job")[f"{service}-migrate"]
    assert f"services.{service}.app migrate" in job["spec"]["template"]["spec"]["containers"][0]["command"][-1]


def test_production_configuration_never_enables_the_development_inbox_and_uses_quorum_queues():
    config = _named("ConfigMap")["hall-config"]["data"]
    assert config["HALL_DEV_INBOX"] == "false"
    assert config["HALL_QUEUE_TYPE"] == "quorum"
    assert config["HALL_EMBEDDED"] == "false"


def test_network_is_denied_by_default():
    policies = _named("NetworkPolicy")
    assert policies["default-deny"]["spec"]["podSelector"] == {}
    assert set(policies["default-deny"]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
