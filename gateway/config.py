"""Gateway settings (GATEWAY_* or HALL_* environment variables)."""

from dataclasses import dataclass
from pathlib import Path

from chassis.config import ServiceConfig

WEB_DIR = Path(__file__).resolve().parent / "web"


@dataclass(frozen=True)
class GatewayConfig(ServiceConfig):
    web_dir: str = str(WEB_DIR)
    upstream_timeout_seconds: float = 10.0
    cors_origins: tuple[str, ...] = ()
