"""Identity's answers for the hall's own processes, outside /api/v1 (the edge routes nothing here, so it is
reachable only inside the hall: make up's loopback, Kubernetes' network policies).

GET /internal/revoked-sessions: the sessions ended before their access tokens expire, each until the last of its
tokens could expire. The edge's revocation feeder (gateway/revocation_feeder.py) loads it when it starts, so a
restarted edge refuses every revoked session, not only those revoked since; identity.session.revoked events
keep it current after that. An entry names a random session id and a time, nothing about a person."""

from flask import Blueprint, jsonify
from sqlalchemy import select

from chassis import clock
from chassis.runtime import current_runtime
from services.identity.models import revoked_sessions

internal = Blueprint("identity_internal", __name__)


@internal.get("/internal/revoked-sessions")
def revoked_session_list():
    now = clock.now()
    with current_runtime().db.read() as connection:
        rows = connection.execute(
            select(revoked_sessions.c.sid, revoked_sessions.c.until).where(revoked_sessions.c.until > now)
        ).all()
    response = jsonify(
        as_of=now.isoformat(),
        sessions=[{"sid": sid, "until": clock.to_utc(until).isoformat()} for sid, until in rows],
    )
    response.headers["Cache-Control"] = "no-store"
    return response
