"""gunicorn settings shared by every service and the gateway (make up, the container image)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# keep-alive connections a worker holds at most: a worker accepts every connection it can, so without a cap one
# worker of two took 30 of 32 keep-alive connections (bench/gateway_query.py --profile) and its GIL capped the
# service; at the cap it stops accepting and the others get their share
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", "1000"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# big enough for the end-of-June rush; the kernel queues the rest
backlog = 2048
accesslog = None
errorlog = "-"
loglevel = os.environ.get("HALL_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# several gunicorns run side by side on one machine (make up): none needs the shared control socket
control_socket_disable = True


def on_starting(server) -> None:
    # prometheus multiprocess mode: start each run with an empty metrics folder
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
