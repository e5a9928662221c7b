"""The overlays as a cluster would get them: `kubectl kustomize deploy/k8s/overlays/<name>`, rendered once per run.

kubectl is installed on these machines and in CI; without it the deploy tests fail with a message that says so
(they never skip: an unrendered manifest is an untested one).
"""

import functools
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("staging", "production")
SERVICES = ("identity", "accounts", "loans", "withdrawals", "notifications")
# kinds the platform's operators define (KEDA, External Secrets): no upstream schema to validate them against
CUSTOM_KINDS = {
    "ScaledObject",
    "TriggerAuthentication",
    "ExternalSecret",
    "Gateway",
    "HTTPRoute",
    "PodMonitor",
    "ServiceMonitor",
    "PrometheusRule",
}


def kubectl() -> str:
    found = shutil.which("kubectl")
    if not found:
        raise AssertionError(
            "kubectl is missing: the deploy tests render the overlays with `kubectl kustomize` "
            "(Debian: apt-get install kubectl, or any kubectl >= 1.27 on PATH)"
        )
    return found


@functools.cache
def render(overlay: str | Path) -> tuple[dict, ...]:
    path = overlay if isinstance(overlay, Path) else K8S / "overlays" / overlay
    run = subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"kubectl kustomize {path} failed:\n{run.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(run.stdout) if doc)


def of_kind(docs, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return doc["spec"]["template"]["spec"]
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def pod_labels(doc: dict) -> dict:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return doc["spec"]["template"]["metadata"].get("labels", {})


def workloads(docs) -> list[dict]:
    return [doc for doc in docs if pod_spec(doc) is not None]


def namespace_of(docs) -> str:
    (namespace,) = [doc["metadata"]["name"] for doc in docs if doc["kind"] == "Namespace"]
    return namespace
