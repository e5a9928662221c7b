"""Identity's HTTP API: `public` (no login yet), `depositor` (a signed-in caller); the JWKS for token checks;
`internal` (the revoked sessions, for the edge's feeder)."""


def blueprints() -> list:
    from services.identity.api import depositor, internal, public

    return [public.blp, depositor.blp, public.well_known, internal.internal]
