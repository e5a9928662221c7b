"""The rendered overlays describe pods a real cluster runs: probes everywhere (workers too), per-release migration
Jobs that reach their database, CronJobs that never overlap, per-service Secrets from the platform, autoscaling
that owns its replicas, drains that work at the minimum, graceful stops, Pod Security "restricted", hashed
ConfigMaps, images by digest in production, and a connection budget that fits the largest scale-out."""

import re
from pathlib import Path

import pytest

from tests.deploy.rendered import (
    K8S,
    OVERLAYS,
    ROOT,
    SERVICES,
    namespace_of,
    of_kind,
    pod_labels,
    pod_spec,
    render,
    workloads,
)

# each service's PostgreSQL must allow this many connections (docs/operations.md, "Connection budget")
CONNECTION_BUDGET = {"accounts": 300, "identity": 150, "loans": 150, "withdrawals": 150, "notifications": 150}
WORKER_PROCESSES_PER_POD = 1
ENGINES_PER_PROCESS = 2  # Database: a transactional pool and an autocommit pool for one-statement reads


def _config(docs) -> dict:
    (config,) = [
        doc for doc in docs if doc["kind"] == "ConfigMap" and doc["metadata"]["name"].startswith("hall-config")
    ]
    return config


def _service_workloads(docs, service):
    return [doc for doc in workloads(docs) if pod_labels(doc).get("app.kubernetes.io/name") == service]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_environment_has_its_own_namespace_labelled_restricted(overlay):
    docs = render(overlay)
    namespace = namespace_of(docs)
    assert namespace == f"nx-hall-{overlay}"
    labels = of_kind(docs, "Namespace")[namespace]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {doc["metadata"].get("namespace") for doc in docs if doc["kind"] != "Namespace"} == {namespace}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_meets_pod_security_restricted_and_mounts_no_token(overlay):
    for doc in workloads(render(overlay)):
        spec = pod_spec(doc)
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        # native sidecars (the edge's revocation feeder) are init containers that keep running
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
            assert container["resources"]["limits"]["memory"], where


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_web_and_worker_have_probes_and_the_worker_its_metrics_port(overlay, service):
    deployments = of_kind(render(overlay), "Deployment")
    web = deployments[f"{service}-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/livez"
    worker_pod = deployments[f"{service}-worker"]["spec"]["template"]
    worker = worker_pod["spec"]["containers"][0]
    assert worker["args"][-1] == "worker"
    assert worker["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert worker["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "health"}
    assert worker["ports"] == [{"name": "health", "containerPort": 9000}]
    assert _config(render(overlay))["data"]["HALL_WORKER_HEALTH_PORT"] == "9000"
    assert worker_pod["metadata"]["annotations"]["prometheus.io/port"] == "9000"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nothing_sets_replicas_that_an_autoscaler_owns_and_workers_scale_on_queue_depth(overlay):
    docs = render(overlay)
    deployments = of_kind(docs, "Deployment")
    owned = {doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind(docs, "HorizontalPodAutoscaler").values()}
    scaled = of_kind(docs, "ScaledObject")
    owned |= {doc["spec"]["scaleTargetRef"]["name"] for doc in scaled.values()}
    for name in owned:
        assert "replicas" not in deployments[name]["spec"], name
    for service in SERVICES:
        triggers = scaled[f"{service}-worker"]["spec"]["triggers"]
        assert {trigger["type"] for trigger in triggers} == {"rabbitmq", "cpu"}
        queues = {t["metadata"]["queueName"] for t in triggers if t["type"] == "rabbitmq"}
        assert queues and all(queue.startswith(f"{service}.") for queue in queues)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_allow_a_drain_at_the_minimum(overlay):
    docs = render(overlay)
    budgets = of_kind(docs, "PodDisruptionBudget")
    minimum = {
        doc["spec"]["scaleTargetRef"]["name"]: doc["spec"]["minReplicas"]
        for doc in of_kind(docs, "HorizontalPodAutoscaler").values()
    }
    minimum |= {
        doc["spec"]["scaleTargetRef"]["name"]: doc["spec"]["minReplicaCount"]
        for doc in of_kind(docs, "ScaledObject").values()
    }
    for service in SERVICES:
        for component in ("web", "worker"):
            budget = budgets[f"{service}-{component}"]["spec"]
            at_least = minimum[f"{service}-{component}"]
            allowed = budget.get("maxUnavailable", at_least - budget.get("minAvailable", at_least))
            assert allowed >= 1, f"{service}-{component}: a drain at {at_least} replicas would be refused"


def _gunicorn_graceful_timeout() -> int:
    text = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    return int(re.search(r"^graceful_timeout = (\d+)", text, re.M).group(1))


@pytest.mark.parametrize("service", SERVICES)
def test_web_pods_stop_gracefully_and_spread_over_zones_and_nodes(service):
    pod = of_kind(render("production"), "Deployment")[f"{service}-web"]["spec"]["template"]["spec"]
    pause = int(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pause + _gunicorn_graceful_timeout()
    keys = {item["topologyKey"] for item in pod["topologySpreadConstraints"]}
    assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_a_migration_job_per_release_labelled_for_the_network_policies(overlay, service):
    docs = render(overlay)
    release = (K8S / "overlays" / overlay / "release.yaml").read_text()
    release_id = re.search(r'release: "([^"]+)"', release).group(1)
    job = of_kind(docs, "Job")[f"{service}-migrate-{release_id}"]
    labels = job["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/part-of"] == "nx-hall" and labels["app.kubernetes.io/name"] == service
    assert labels["app.kubernetes.io/version"] == release_id
    command = job["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert f"services.{service}.app migrate" in command
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"


def test_the_next_release_renders_a_new_job_name(tmp_path):
    """Applying release N+1 must not patch release N's Job (its template is immutable): the name differs."""
    import shutil

    overlay = tmp_path / "overlays" / "production"
    shutil.copytree(K8S / "overlays" / "production", overlay)
    (tmp_path / "base").symlink_to(K8S / "base")
    release = overlay / "release.yaml"
    release.write_text(release.read_text().replace('release: "1-0-0"', 'release: "1-0-1"'))
    before = set(of_kind(render("production"), "Job"))
    after = set(of_kind(render(overlay), "Job"))
    assert before.isdisjoint(after) and after == {f"{service}-migrate-1-0-1" for service in SERVICES}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_scheduled_jobs_are_cronjobs_that_never_overlap(overlay):
    from chassis.jobs import jobs_of
    from services.registry import load

    cronjobs = of_kind(render(overlay), "CronJob")
    for service in SERVICES:
        definition = load(service)
        jobs = jobs_of(definition.runtime(definition.load_config(database_url="sqlite://")))
        for job in jobs.values():
            cron = cronjobs[f"{service}-{job.name}"]["spec"]
            assert cron["concurrencyPolicy"] == "Forbid"
            assert cron["schedule"] == job.schedule and cron["timeZone"] == "Asia/Shanghai"
            container = cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            assert container["command"] == ["flask", "--app", f"services.{service}.app", "job", "run", job.name]
    assert cronjobs["accounts-settle-interest"]["spec"]["schedule"] == "30 23 30 6 *"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_reads_only_its_own_secret_from_the_platform(overlay):
    docs = render(overlay)
    assert not of_kind(docs, "Secret"), "no Secret (and no placeholder) belongs in the repository"
    external = of_kind(docs, "ExternalSecret")
    for doc in workloads(docs):
        service = pod_labels(doc)["app.kubernetes.io/name"]
        # the web app and HAProxy hold no secret at all; each service only its own; the edge's revocation feeder
        # only its broker user (edge-secrets)
        spec = pod_spec(doc)
        for container in spec["containers"] + spec.get("initContainers", []):
            own = [f"{service}-secrets"] if service in SERVICES else []
            if (service, container["name"]) == ("edge", "revocations"):
                own = ["edge-secrets"]
            secrets = [item["secretRef"]["name"] for item in container.get("envFrom", []) if "secretRef" in item]
            assert secrets == own, (doc["metadata"]["name"], container["name"])
    assert [item["secretKey"] for item in external["edge-secrets"]["spec"]["data"]] == ["HALL_BROKER_URL"]
    for service in SERVICES:
        keys = {item["secretKey"] for item in external[f"{service}-secrets"]["spec"]["data"]}
        assert f"{service.upper()}_DATABASE_URL" in keys
        assert not {key for key in keys if key.endswith("_DATABASE_URL")} - {f"{service.upper()}_DATABASE_URL"}
    assert {"IDENTITY_SECRET_KEY", "IDENTITY_SIGNING_KEY_KEKS"} <= {
        item["secretKey"] for item in external["identity-secrets"]["spec"]["data"]
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_configuration_is_hashed_and_production_shaped(overlay):
    config = _config(render(overlay))
    assert re.fullmatch(r"hall-config-[a-z0-9]{10}", config["metadata"]["name"])
    data = config["data"]
    assert data["HALL_EMBEDDED"] == "false" and data["HALL_DEV_INBOX"] == "false"
    assert data["HALL_QUEUE_TYPE"] == "quorum" and data["NOTIFICATIONS_SMS_PROVIDER"] == "http"
    assert "HALL_WORKSTATION" not in data and "HALL_STAGING_RUN" not in data and "HALL_CLOCK_SHIFT" not in data


def test_production_runs_images_by_digest():
    for doc in workloads(render("production")):
        for container in pod_spec(doc)["containers"] + pod_spec(doc).get("initContainers", []):
            assert re.fullmatch(r"[\w./-]+@sha256:[0-9a-f]{64}", container["image"]), container["image"]


def test_the_connection_budget_fits_every_database_at_full_scale_out():
    """Every pool full at once, every autoscaler at its maximum: what each service's PostgreSQL must accept."""
    docs = render("production")
    config = _config(docs)["data"]
    per_process = ENGINES_PER_PROCESS * (int(config["HALL_DB_POOL_SIZE"]) + int(config["HALL_DB_MAX_OVERFLOW"]))
    web_max = {
        doc["spec"]["scaleTargetRef"]["name"]: doc["spec"]["maxReplicas"]
        for doc in of_kind(docs, "HorizontalPodAutoscaler").values()
    }
    worker_max = {
        doc["spec"]["scaleTargetRef"]["name"]: doc["spec"]["maxReplicaCount"]
        for doc in of_kind(docs, "ScaledObject").values()
    }
    cronjobs = of_kind(docs, "CronJob")
    for service in SERVICES:
        web = web_max[f"{service}-web"] * int(config["WEB_CONCURRENCY"]) * per_process
        workers = worker_max[f"{service}-worker"] * WORKER_PROCESSES_PER_POD * per_process
        jobs = sum(1 for name in cronjobs if name.startswith(f"{service}-")) * per_process + per_process  # + migration
        assert web + workers + jobs <= CONNECTION_BUDGET[service], (service, web, workers, jobs)


def test_the_docs_state_the_same_budget():
    text = (ROOT / "docs" / "operations.md").read_text()
    for service, budget in CONNECTION_BUDGET.items():
        assert re.search(rf"\|\s*{service}\s*\|.*\|\s*{budget}\s*\|", text), service


def test_the_image_is_multi_stage_pinned_and_leaves_the_workstation_out():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_BASE=[\w./:-]+@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert dockerfile.count("FROM ${PYTHON_BASE}") == 2
    assert "AS build" in dockerfile and "COPY --from=build /opt/hall /opt/hall" in dockerfile
    assert "-e " not in dockerfile and "[dev]" not in dockerfile and "COPY services" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var/", ".git", "tests/", "bench/"} <= set(ignored)


def test_the_built_package_carries_every_data_file(tmp_path):
    """The image runs from site-packages: templates, web assets, guides and migration templates must be in it."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = tmp_path.glob("*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        str(path.relative_to(ROOT))
        for folder in ("chassis", "services", "gateway")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert wanted - packaged == set()
    assert not {name for name in packaged if name.startswith(("tests/", "bench/"))}
    assert Path(wheel).stat().st_size > 0
