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
    # memory:// in one process; redis://... when several gateway processes share the counters
    redis_url: str = ""
    rate_limit_per_ip: str = "600 per minute"
    rate_limit_per_user: str = "300 per minute"

    @property
    def rate_limit_storage(self) -> str:
        # shared by every gateway process through Redis, counted in batches (gateway/rate_limit_storage.py)
        return f"batched+{self.redis_url}" if self.redis_url else "memory://"
