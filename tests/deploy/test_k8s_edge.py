"""Kubernetes: the edge (HAProxy, config generated from gateway/routes.py) behind the Gateway API, no Ingress."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gateway.haproxy_config import KUBERNETES_EDGE_CONFIG, kubernetes_settings, render

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"


def _documents() -> list[dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents.extend(doc for doc in yaml.safe_load_all((BASE / resource).read_text()) if doc)
    return documents


def _one(kind: str, name: str) -> dict:
    found = [doc for doc in _documents() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


def test_the_committed_edge_config_is_what_the_route_table_generates():
    assert KUBERNETES_EDGE_CONFIG.read_text() == render(kubernetes_settings()), (
        "regenerate: python -m gateway.haproxy_config --kubernetes --out deploy/k8s/base/edge/haproxy.cfg"
    )


def test_haproxy_accepts_the_kubernetes_config(tmp_path):
    if not shutil.which("haproxy"):
        pytest.fail("haproxy is not installed: apt-get install haproxy", pytrace=False)
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    from gateway.edge_keys import write_keys

    public = RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(), True)
    write_keys({"keys": [{**public, "kid": "k1"}]}, tmp_path / "keys")
    text = KUBERNETES_EDGE_CONFIG.read_text().replace("/usr/local/etc/haproxy/keys", str(tmp_path / "keys"))
    # the pod's shared emptyDir, where the feeder sidecar writes the revoked sessions before HAProxy starts
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "revoked-sessions.map").touch()
    text = text.replace("/var/run/haproxy/", f"{tmp_path / 'run'}/")
    # names resolve only inside the cluster; init-addr none lets the check pass here
    (tmp_path / "haproxy.cfg").write_text(text)
    check = subprocess.run(["haproxy", "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_edge_runs_locked_down_with_a_hashed_config_a_budget_and_an_autoscaler():
    deployment = _one("Deployment", "edge")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["readinessProbe"] and container["livenessProbe"] and container["resources"]["requests"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["config"]["configMap"]["name"] == "edge-config"
    assert volumes["keys"]["configMap"]["name"] == "edge-keys"
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    generated = {item["name"]: item for item in kustomization.get("configMapGenerator", [])}
    assert generated["edge-config"]["files"] == ["edge/haproxy.cfg"]
    assert not generated["edge-config"].get("options", {}).get("disableNameSuffixHash")


def test_the_revocation_feeder_starts_before_haproxy_and_shares_its_map_and_socket():
    pod = _one("Deployment", "edge")["spec"]["template"]["spec"]
    (feeder,) = pod["initContainers"]
    assert feeder["restartPolicy"] == "Always"  # a native sidecar: HAProxy starts after its startup probe passes
    assert feeder["args"] == ["python", "-m", "gateway.revocation_feeder"]
    assert feeder["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "revocations"}
    env = {item["name"]: item["value"] for item in feeder["env"]}
    config = KUBERNETES_EDGE_CONFIG.read_text()
    assert f"map_str_int({env['EDGE_REVOKED_MAP']},0)" in config
    assert f"stats socket {env['EDGE_ADMIN_SOCKET']} " in config
    haproxy = pod["containers"][0]
    for path in (env["EDGE_REVOKED_MAP"], env["EDGE_ADMIN_SOCKET"]):
        mounts = [
            (container["name"], mount["mountPath"])
            for container in (feeder, haproxy)
            for mount in container["volumeMounts"]
            if mount["name"] == "run" and path.startswith(mount["mountPath"] + "/")
        ]
        assert {name for name, _ in mounts} == {"revocations", "haproxy"}, path
    monitor = _one("PodMonitor", "hall-edge-revocations")
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "revocations"
    assert _one("PodDisruptionBudget", "edge")["spec"]["minAvailable"] >= 1
    assert _one("HorizontalPodAutoscaler", "edge")["spec"]["minReplicas"] >= 2


def test_the_public_entry_is_a_gateway_api_route_to_the_edge_and_there_is_no_ingress():
    assert not [doc for doc in _documents() if doc["kind"] == "Ingress"]
    gateway = _one("Gateway", "hall")
    assert {listener["protocol"] for listener in gateway["spec"]["listeners"]} == {"HTTPS", "HTTP"}
    route = _one("HTTPRoute", "hall")
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "edge", "port": 80}]
