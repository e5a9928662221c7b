"""`make run`: the whole hall in one process — every service, the gateway, the in-memory bus, SQLite, demo data."""

import logging
import os
import signal
import sys
import threading

from waitress.server import create_server

from chassis.config import data_dir
from chassis.http import register_local_app
from chassis.logs import configure_logging
from chassis.runtime import Runtime
from gateway.app import create_gateway
from gateway.config import GatewayConfig
from services.registry import all_services

log = logging.getLogger("hall.embedded")


class EmbeddedHall:
    """Builds and runs the hall in this process; tests start it too."""

    def __init__(self, seed: bool = True, **config_overrides):
        self.runtimes: list[Runtime] = []
        for service in all_services():
            runtime = service.runtime(service.load_config(**config_overrides))
            runtime.migrate()
            app = service.create_app(runtime=runtime)
            register_local_app(service.name, app)
            self.runtimes.append(runtime)
        # every queue exists before any relay sends: nothing published at start-up is routed nowhere
        for runtime in self.runtimes:
            runtime.start_workers(relay=False)
        for runtime in self.runtimes:
            runtime.start_workers(consumers=False)
        if seed:
            for runtime in self.runtimes:
                if runtime.service.seed:
                    runtime.service.seed(runtime)
        self.gateway = create_gateway(GatewayConfig.from_env("gateway", **config_overrides))

    def stop(self) -> None:
        for runtime in self.runtimes:
            runtime.stop()


def banner(port: int, hall: EmbeddedHall) -> str:
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        "宁夏住房公积金网上业务大厅 (embedded mode)",
        f"  网上业务大厅 web hall : {base}/",
        f"  接口文档 API docs      : {base}/api/docs",
        f"  health                : {base}/readyz   (per service: {base}/api/v1/<service>/livez)",
        f"  data folder           : {data_dir()}",
    ]
    for runtime in hall.runtimes:
        lines.extend(f"  {note}".replace("{base}", base) for note in runtime.service.demo_notes)
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def main() -> int:
    configure_logging(os.environ.get("HALL_LOG_LEVEL", "INFO"), json_lines=False)
    port = int(os.environ.get("PORT", "8000"))
    hall = EmbeddedHall()
    server = create_server(hall.gateway, host=os.environ.get("HOST", "127.0.0.1"), port=port, threads=8)
    stopping = threading.Event()

    def _stop(*_args) -> None:
        if not stopping.is_set():
            stopping.set()
            server.close()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(banner(port, hall), flush=True)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise
    finally:
        hall.stop()
        print("stopped; data kept in", data_dir(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
