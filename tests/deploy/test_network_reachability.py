"""The rendered network policies, evaluated: every flow the hall needs is allowed and the rest is denied.

A small evaluator of NetworkPolicy semantics (pod and namespace selectors by matchLabels, ipBlock with except,
ports and protocols, Ingress/Egress policy types; a pod no policy selects for a direction is open in it) run on
the pods the overlay renders and on the parties around them: DNS, PostgreSQL, RabbitMQ, Redis, the Gateway
API's data plane, monitoring, another namespace's pod, and addresses outside the cluster.
"""

import ipaddress
import itertools
from dataclasses import dataclass, field

import pytest

from tests.deploy.rendered import OVERLAYS, SERVICES, namespace_of, pod_labels, render, workloads


@dataclass(frozen=True)
class Endpoint:
    name: str
    namespace: str | None  # None: outside the cluster
    ip: str
    labels: dict = field(default_factory=dict, hash=False, compare=False)
    namespace_labels: dict = field(default_factory=dict, hash=False, compare=False)


def _matches(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return True
    assert set(selector) <= {"matchLabels"}, f"the evaluator knows matchLabels only: {selector}"
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def _in_block(block: dict, ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(address in ipaddress.ip_network(item) for item in block.get("except", []))


def _peer_matches(peer: dict, policy_namespace: str, other: Endpoint) -> bool:
    if "ipBlock" in peer:
        return _in_block(peer["ipBlock"], other.ip)
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": other.namespace, **other.namespace_labels}
        if not _matches(peer["namespaceSelector"], namespace_labels):
            return False
    elif other.namespace != policy_namespace:
        return False
    return _matches(peer.get("podSelector"), other.labels)


def _port_matches(ports: list | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    return any(item.get("port") in (None, port) and item.get("protocol", "TCP") == protocol for item in ports)


class Network:
    def __init__(self, docs):
        self.namespace = namespace_of(docs)
        self.policies = [doc for doc in docs if doc["kind"] == "NetworkPolicy"]

    def _side_allows(self, direction: str, pod: Endpoint, other: Endpoint, port: int, protocol: str) -> bool:
        if pod.namespace != self.namespace:
            return True  # only the hall's namespace is governed by these policies
        selecting = [
            policy
            for policy in self.policies
            if direction in policy["spec"].get("policyTypes", ["Ingress"])
            and _matches(policy["spec"]["podSelector"], pod.labels)
        ]
        if not selecting:
            return True
        key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
        for policy in selecting:
            for rule in policy["spec"].get(key, []):
                peers = rule.get(peers_key)
                if (not peers or any(_peer_matches(peer, self.namespace, other) for peer in peers)) and _port_matches(
                    rule.get("ports"), port, protocol
                ):
                    return True
        return False

    def allows(self, source: Endpoint, target: Endpoint, port: int, protocol: str = "TCP") -> bool:
        return self._side_allows("Egress", source, target, port, protocol) and self._side_allows(
            "Ingress", target, source, port, protocol
        )


def _world(overlay: str):
    docs = render(overlay)
    namespace = namespace_of(docs)
    hall = {}
    for index, doc in enumerate(workloads(docs)):
        name = doc["metadata"]["name"]
        hall[name] = Endpoint(name, namespace, f"10.244.1.{index + 10}", pod_labels(doc))
    outside = {
        "dns": Endpoint("dns", "kube-system", "10.96.0.10", {"k8s-app": "kube-dns"}),
        "postgres": Endpoint("postgres", "db", "10.244.9.1", {"app": "postgres"}),
        "rabbitmq": Endpoint("rabbitmq", "messaging", "10.244.9.2", {"app": "rabbitmq"}),
        "redis": Endpoint("redis", "cache", "10.244.9.3", {"app": "redis"}),
        # the Gateway API implementation's data plane, in a namespace the platform labels for the hall's Gateway
        "dataplane": Endpoint(
            "dataplane", "gateway-system", "10.244.9.4", {"app": "envoy"}, {"nx-hall/gateway": "true"}
        ),
        "prometheus": Endpoint("prometheus", "monitoring", "10.244.9.5", {"app": "prometheus"}),
        "stranger": Endpoint("stranger", "other-team", "10.244.9.6", {"app": "anything"}),
        "sms": Endpoint("sms", None, "203.0.113.10"),
        "internal-host": Endpoint("internal-host", None, "10.20.0.5"),
        "public-dns": Endpoint("public-dns", None, "8.8.8.8"),
    }
    return Network(docs), hall, outside


def _hall_pods(hall, service: str | None = None, component: str | None = None):
    return [
        pod
        for pod in hall.values()
        if (service is None or pod.labels.get("app.kubernetes.io/name") == service)
        and (component is None or pod.labels.get("app.kubernetes.io/component") == component)
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_flow_the_hall_needs_is_allowed(overlay):
    network, hall, outside = _world(overlay)
    edge = hall["edge"]
    needed = [
        (outside["dataplane"], edge, 8000, "TCP"),
        (edge, hall["gateway"], 8000, "TCP"),
        (outside["prometheus"], edge, 8405, "TCP"),
        (edge, outside["dns"], 53, "UDP"),
        # the revocation feeder beside HAProxy: identity's events, identity's list, its metrics
        (edge, outside["rabbitmq"], 5672, "TCP"),
        (edge, hall["identity-web"], 8000, "TCP"),
        (outside["prometheus"], edge, 9131, "TCP"),
    ]
    for service in SERVICES:
        web = hall[f"{service}-web"]
        needed += [(edge, web, 8000, "TCP"), (outside["prometheus"], web, 8000, "TCP")]
        needed += [(outside["prometheus"], hall[f"{service}-worker"], 9000, "TCP")]
        # service calls and the JWKS: every service pod to every web pod
        needed += [(pod, hall["identity-web"], 8000, "TCP") for pod in _hall_pods(hall, service)]
        # web, worker, migration Job and every CronJob: DNS, its database, the broker
        for pod in _hall_pods(hall, service):
            needed += [
                (pod, outside["dns"], 53, "UDP"),
                (pod, outside["dns"], 53, "TCP"),
                (pod, outside["postgres"], 5432, "TCP"),
                (pod, outside["rabbitmq"], 5672, "TCP"),
            ]
    for pod in _hall_pods(hall, "notifications"):
        if pod.labels["app.kubernetes.io/component"] in ("worker", "job"):
            needed.append((pod, outside["sms"], 443, "TCP"))
    refused = [
        f"{a.name} → {b.name}:{port}/{proto}" for a, b, port, proto in needed if not network.allows(a, b, port, proto)
    ]
    assert not refused, "needed flows denied:\n" + "\n".join(refused)
    assert {pod.labels["app.kubernetes.io/component"] for pod in hall.values()} >= {"web", "worker", "migrate", "job"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_else_is_denied(overlay):
    network, hall, outside = _world(overlay)
    denied = [
        (outside["stranger"], hall["loans-web"], 8000, "TCP"),
        (outside["dataplane"], hall["loans-web"], 8000, "TCP"),  # only the edge faces the Gateway
        (outside["dataplane"], hall["gateway"], 8000, "TCP"),
        (outside["stranger"], hall["edge"], 8000, "TCP"),
        (outside["stranger"], hall["loans-worker"], 9000, "TCP"),
        (hall["gateway"], hall["loans-worker"], 9000, "TCP"),
        (outside["prometheus"], hall["loans-worker"], 8000, "TCP"),
        (hall["loans-web"], outside["stranger"], 8000, "TCP"),
        (hall["notifications-worker"], outside["internal-host"], 443, "TCP"),
        (hall["notifications-worker"], outside["sms"], 80, "TCP"),
        (hall["notifications-worker"], outside["public-dns"], 53, "UDP"),
    ]
    for service in SERVICES:
        if service != "notifications":
            denied += [(pod, outside["sms"], 443, "TCP") for pod in _hall_pods(hall, service)]
        denied += [(outside["stranger"], pod, 8000, "TCP") for pod in _hall_pods(hall, service, "migrate")]
        denied += [(outside["prometheus"], pod, 9000, "TCP") for pod in _hall_pods(hall, service, "job")]
    denied += [
        (a, b, 5432, "TCP") for a, b in itertools.product(_hall_pods(hall, "loans", "job"), [outside["stranger"]])
    ]
    allowed = [
        f"{a.name} → {b.name}:{port}/{proto}" for a, b, port, proto in denied if network.allows(a, b, port, proto)
    ]
    assert not allowed, "flows that should be denied are allowed:\n" + "\n".join(allowed)
