"""Gateway settings (GATEWAY_* or HALL_* environment variables): the web app's and the embedded gateway's."""

from dataclasses import dataclass
from pathlib import Path

from chassis.config import ServiceConfig

WEB_DIR = Path(__file__).resolve().parent / "web"


@dataclass(frozen=True)
class GatewayConfig(ServiceConfig):
    web_dir: str = str(WEB_DIR)
    # origins whose browsers may call the API (CORS); the edge config is generated with the same list
    cors_origins: tuple[str, ...] = ()
