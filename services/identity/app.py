"""The identity service: `create_app()` for gunicorn and `flask --app services.identity.app <command>`."""

from flask import Flask

from chassis.auth import JwksKeys, TokenVerifier
from chassis.bus import handles
from chassis.runtime import Runtime
from chassis.service import Service
from services.accounts.events import CONTACT_CHANGED, DEPOSITOR_REGISTERED
from services.identity import consumers
from services.identity.api import blueprints
from services.identity.cases.keys import key_ring
from services.identity.commands import register_commands
from services.identity.config import IdentityConfig
from services.identity.domain.errors import STATUSES
from services.identity.models import Base
from services.identity.seed import DEMO_NOTES, seed


def _extend(app: Flask, runtime: Runtime) -> None:
    if not runtime.config.jwks_url:
        # Identity reads its own JWKS straight from its key ring (no HTTP hop, works under gunicorn too);
        # the chassis verifier and decorators do the checking exactly as in every other service.
        ring = key_ring(runtime)
        runtime.token_verifier = TokenVerifier(
            JwksKeys(
                lambda: ring.jwks(fresh=True),
                max_age_seconds=runtime.config.signing_key_cache_seconds,
                min_refetch_seconds=1,
            ),
            runtime.config.token_audience,
            runtime.config.token_issuer,
            runtime.revocations,
        )
    register_commands(app, runtime)


service = Service(
    name="identity",
    title="身份认证服务 Identity",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=IdentityConfig,
    blueprints=blueprints,
    handlers=(
        handles(
            DEPOSITOR_REGISTERED, CONTACT_CHANGED, purpose="depositor-replica", by=consumers.keep_depositor_replica
        ),
    ),
    error_statuses=STATUSES,
    seed=seed,
    extend_app=_extend,
    demo_notes=DEMO_NOTES,
)


def create_app(config: IdentityConfig | None = None):
    return service.create_app(config)
