"""Identity's HTTP API: `public` (no login yet), `depositor` (a signed-in caller); the JWKS for token checks."""


def blueprints() -> list:
    from services.identity.api import depositor, public

    return [public.blp, depositor.blp, public.well_known]
