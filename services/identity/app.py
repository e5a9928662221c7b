"""The identity service: `create_app()` for gunicorn and `flask --app services.identity.app <command>`."""

from flask import Flask

from chassis.auth import JwksKeys, TokenVerifier
from chassis.errors import ApiError
from chassis.runtime import Runtime
from chassis.service import Service
from services.identity.config import IdentityConfig
from services.identity.domain.errors import IdentityError
from services.identity.events import handlers
from services.identity.keys import key_ring
from services.identity.models import Base
from services.identity.seed import DEMO_NOTES, seed
from services.identity.staff import add_staff_commands


def _blueprints() -> list:
    from services.identity.api import blp
    from services.identity.api_sessions import blp as sessions_blp
    from services.identity.api_sessions import well_known

    return [blp, sessions_blp, well_known]


def as_api_error(error: IdentityError) -> ApiError:
    extra, headers = {}, {}
    if error.retry_after:
        extra["retry_after"] = error.retry_after
        headers["Retry-After"] = str(error.retry_after)
    return ApiError(error.code, error.detail, error.status, errors=error.errors or None, headers=headers, **extra)


def _extend(app: Flask, runtime: Runtime) -> None:
    @app.errorhandler(IdentityError)
    def _identity_error(error: IdentityError):
        return app.handle_user_exception(as_api_error(error))

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
        )
    add_staff_commands(app, runtime)


service = Service(
    name="identity",
    title="身份认证服务 Identity",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=IdentityConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
    seed=seed,
    extend_app=_extend,
    demo_notes=DEMO_NOTES,
)


def create_app(config: IdentityConfig | None = None):
    return service.create_app(config)
