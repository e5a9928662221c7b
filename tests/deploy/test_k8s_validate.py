"""Every rendered object is valid against the Kubernetes API schema, offline (PyPI kubernetes-validate, strict:
an unknown field is an error). Operator kinds (KEDA, External Secrets, Gateway API) have no upstream schema: their
required fields are checked here instead."""

import kubernetes_validate
import pytest

from tests.deploy.rendered import CUSTOM_KINDS, OVERLAYS, render

KUBERNETES_VERSION = "1.30"  # the oldest the hall supports: CronJob timeZone, PodDisruptionBudget policy/v1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_for_the_kubernetes_api(overlay):
    errors = []
    for doc in render(overlay):
        if doc["kind"] in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message} at {list(error.path)}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_objects_carry_what_their_operators_need(overlay):
    docs = render(overlay)
    custom = [doc for doc in docs if doc["kind"] in CUSTOM_KINDS]
    assert {doc["kind"] for doc in custom} == CUSTOM_KINDS
    names = {(doc["kind"], doc["metadata"]["name"]) for doc in docs}
    for doc in custom:
        spec = doc["spec"]
        if doc["kind"] == "ScaledObject":
            assert doc["apiVersion"] == "keda.sh/v1alpha1"
            assert ("Deployment", spec["scaleTargetRef"]["name"]) in names
            assert spec["minReplicaCount"] >= 1 and spec["maxReplicaCount"] >= spec["minReplicaCount"]
            for trigger in spec["triggers"]:
                if trigger["type"] == "rabbitmq":
                    assert trigger["metadata"]["mode"] == "QueueLength" and trigger["metadata"]["queueName"]
                    assert ("TriggerAuthentication", trigger["authenticationRef"]["name"]) in names
        elif doc["kind"] == "TriggerAuthentication":
            assert doc["apiVersion"] == "keda.sh/v1alpha1"
            (reference,) = spec["secretTargetRef"]
            assert reference["parameter"] == "host" and reference["key"] == "HALL_BROKER_URL"
            assert ("ExternalSecret", reference["name"]) in names
        elif doc["kind"] in ("Gateway", "HTTPRoute"):
            assert doc["apiVersion"] == "gateway.networking.k8s.io/v1"
            if doc["kind"] == "HTTPRoute":
                assert all(("Gateway", parent["name"]) in names for parent in spec["parentRefs"])
                # a rule forwards to a Service of the hall, or redirects (http → https)
                for rule in spec["rules"]:
                    backends = rule.get("backendRefs", [])
                    assert backends or any(item["type"] == "RequestRedirect" for item in rule.get("filters", []))
                    assert all(("Service", backend["name"]) in names for backend in backends)
            else:
                assert spec["gatewayClassName"] and spec["listeners"]
        elif doc["kind"] in ("PodMonitor", "ServiceMonitor", "PrometheusRule"):  # tests/observability: the rest
            assert doc["apiVersion"] == "monitoring.coreos.com/v1"
            assert spec.get("selector") or spec.get("groups")
        else:
            assert doc["apiVersion"] == "external-secrets.io/v1beta1"
            assert spec["secretStoreRef"]["name"] and spec["target"]["name"] == doc["metadata"]["name"]
            assert all(item["secretKey"] and item["remoteRef"]["key"] for item in spec["data"])
