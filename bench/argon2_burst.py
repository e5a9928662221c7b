"""Identity's memory under a burst of logins: peak RSS of one process while as many logins as gunicorn has
threads (WEB_THREADS=4) check their passwords at once, with argon2 at its configured cost (64 MiB a check),
unbounded and with IDENTITY_PASSWORD_MAX_CONCURRENT.

Run from the repository root: `.venv/bin/python -m bench.argon2_burst`. The anchor is the same process's RSS just
before the burst (the identity app built, its hasher warm). A pod's peak is about WEB_CONCURRENCY times the
per-process figure; it must stay under identity's limit (512 Mi with WEB_CONCURRENCY=2). About 15 seconds.
"""

import json
import subprocess
import sys

from bench.harness import Figure, report

# a gthread worker serves at most WEB_THREADS requests at once
BURST = 4

CHILD = """
import json, resource, sys, threading
from services.identity.app import service
from services.identity.cases.users import password_hasher

config = service.load_config(database_url="sqlite://", password_max_concurrent=int(sys.argv[1]))
service.create_app(config)
hasher = password_hasher(config)
stored = hasher.hash("Demo123456")

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

idle = rss_kib()
start = threading.Barrier(int(sys.argv[2]))
def login():
    start.wait()
    hasher.verify(stored, "wrong-password")
threads = [threading.Thread(target=login) for _ in range(int(sys.argv[2]))]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"idle_mib": idle / 1024, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(max_concurrent: int) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(max_concurrent), str(BURST)],
        env={"HALL_WORKSTATION": "true", "HALL_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    for max_concurrent in (0, 2):
        result = measure(max_concurrent)
        label = "unbounded" if max_concurrent == 0 else f"at most {max_concurrent} at once"
        report(
            Figure(
                name=f"identity process peak RSS, {BURST} logins at once, argon2 {label}",
                value=result["peak_mib"],
                unit="MiB",
                anchor_name="the same process idle before the burst",
                anchor_value=result["idle_mib"],
                higher_is_better=False,
                target="pod peak (x WEB_CONCURRENCY=2) under the 512 Mi limit",
            )
        )


if __name__ == "__main__":
    main()
