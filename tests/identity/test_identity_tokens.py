"""Tokens: what the chassis verifier refuses, key rotation, refresh rotation and reuse, logout."""

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chassis import clock
from chassis.auth import JwksKeys, TokenVerifier
from chassis.errors import ApiError
from chassis.http import ServiceClient
from services.identity.cases.keys import key_ring


@pytest.fixture
def signed_in(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.ZHANG, ih.ZHANG_ACCOUNT)
    ih.make_user(ih.ZHANG, ih.ZHANG_ACCOUNT, "zhangwei01")
    grant = ih.log_in("zhangwei01").get_json()
    return ih, grant


def _me(ih, token):
    return ih.client.get(f"{ih.API}/me", headers={"Authorization": "Bearer " + token})


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_access_token_claims(signed_in):
    ih, grant = signed_in
    header = jwt.get_unverified_header(grant["access_token"])
    claims = jwt.decode(grant["access_token"], options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["acct"] == ih.ZHANG_ACCOUNT and claims["center"] == "yinchuan" and claims["name"] == "张伟"
    assert claims["roles"] == [] and claims["aud"] == "nx-hall" and claims["iss"] == "nx-hall-identity"
    assert claims["exp"] - claims["iat"] == 900 and grant["expires_in"] == 900
    assert _me(ih, grant["access_token"]).status_code == 200


def test_tampered_tokens_are_refused(signed_in):
    ih, grant = signed_in
    token = grant["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    private_key = key_ring(ih.runtime)._load()[0][1]
    public_pem = private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'kid': header['kid']})}.{_b64({**claims, 'acct': '640300000002'})}.",
        "HS256 keyed with the public key": _hs256(claims, public_pem, header["kid"]),
        "expired": jwt.encode(
            {**claims, "iat": int(clock.timestamp()) - 2000, "exp": int(clock.timestamp()) - 1000},
            private_key,
            algorithm="RS256",
            headers={"kid": header["kid"]},
        ),
        "wrong audience": jwt.encode({**claims, "aud": "elsewhere"}, private_key, "RS256", {"kid": header["kid"]}),
        "unknown kid": jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": "not-a-key"}),
        "changed claims": token.split(".")[0]
        + "."
        + _b64({**claims, "acct": "640300000002"})
        + "."
        + token.split(".")[2],
    }
    for what, bad in forged.items():
        reply = _me(ih, bad)
        assert reply.status_code == 401, what
        assert reply.get_json()["code"] in ("TOKEN_INVALID", "TOKEN_EXPIRED"), what
    assert _me(ih, forged["expired"]).get_json()["code"] == "TOKEN_EXPIRED"


def _hs256(claims: dict, secret: bytes, kid: str) -> str:
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def test_rotation_keeps_tokens_of_the_previous_key_valid(signed_in):
    ih, grant = signed_in
    old_kid = jwt.get_unverified_header(grant["access_token"])["kid"]
    ring = key_ring(ih.runtime)
    new_kid = ring.rotate()
    kids = [key["kid"] for key in ih.client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert kids == [new_kid, old_kid]
    fresh = ih.log_in("zhangwei01").get_json()["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_kid
    assert _me(ih, fresh).status_code == 200
    assert _me(ih, grant["access_token"]).status_code == 200

    ring.rotate()  # two rotations on, the first key is retired
    kids = [key["kid"] for key in ih.client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert old_kid not in kids and new_kid in kids


def test_other_services_verify_through_the_in_process_jwks(signed_in):
    """What the chassis does in any other service of the embedded hall: fetch identity's JWKS in process."""
    ih, grant = signed_in
    identity = ServiceClient("identity", None)
    verifier = TokenVerifier(
        JwksKeys(lambda: identity.get_json("/.well-known/jwks.json").body), "nx-hall", "nx-hall-identity"
    )
    assert verifier.verify(grant["access_token"]).acct == ih.ZHANG_ACCOUNT
    with pytest.raises(ApiError):
        verifier.verify(grant["access_token"][:-4] + "AAAA")


def test_refresh_rotates_and_a_reused_token_revokes_the_family(signed_in):
    ih, grant = signed_in
    first = ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": grant["refresh_token"]})
    assert first.status_code == 201
    newer = first.get_json()
    assert newer["refresh_token"] != grant["refresh_token"]
    assert _me(ih, newer["access_token"]).status_code == 200

    replay = ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": grant["refresh_token"]})
    assert (replay.status_code, replay.get_json()["code"]) == (401, "REFRESH_TOKEN_INVALID")
    # the thief replayed the old one: the legitimate newer token dies with the family
    after = ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": newer["refresh_token"]})
    assert after.status_code == 401
    unknown = ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": "made-up"})
    assert unknown.status_code == 401


def test_logout_ends_only_this_login(signed_in):
    ih, grant = signed_in
    other = ih.log_in("zhangwei01").get_json()
    reply = ih.client.delete(f"{ih.API}/sessions/current", headers={"Authorization": "Bearer " + grant["access_token"]})
    assert reply.status_code == 204
    assert (
        ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": grant["refresh_token"]}).status_code == 401
    )
    assert (
        ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 201
    )
    assert ih.client.delete(f"{ih.API}/sessions/current").status_code == 401


def test_the_revoked_sessions_list_for_the_edge(signed_in):
    """GET /internal/revoked-sessions (outside /api/v1: the edge routes nothing there): what the edge's revocation
    feeder loads when it starts. It lists a logged-out session until its last token could expire, and only that."""
    from datetime import datetime, timedelta

    from services.identity.models import revoked_sessions

    ih, grant = signed_in
    other = ih.log_in("zhangwei01").get_json()
    assert ih.client.get("/internal/revoked-sessions").get_json()["sessions"] == []
    headers = {"Authorization": "Bearer " + grant["access_token"]}
    assert ih.client.delete(f"{ih.API}/sessions/current", headers=headers).status_code == 204
    reply = ih.client.get("/internal/revoked-sessions")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    (entry,) = reply.get_json()["sessions"]
    sid = jwt.decode(grant["access_token"], options={"verify_signature": False})["sid"]
    other_sid = jwt.decode(other["access_token"], options={"verify_signature": False})["sid"]
    assert entry["sid"] == sid != other_sid
    expires = jwt.decode(grant["access_token"], options={"verify_signature": False})["exp"]
    assert datetime.fromisoformat(entry["until"]).timestamp() >= expires  # as long as a token could live, or longer
    # an entry whose time has passed is not listed
    with ih.runtime.db.transaction() as session:
        session.execute(revoked_sessions.update().values(until=clock.now() - timedelta(seconds=1)))
    assert ih.client.get("/internal/revoked-sessions").get_json()["sessions"] == []
