"""The edge config that make up generates (deploy/up.env) is one HAProxy accepts, and it is the route table's."""

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway import routes
from gateway.edge_keys import write_keys
from gateway.haproxy_config import EdgeSettings, render

UP_ENV = Path(__file__).resolve().parents[2] / "deploy" / "up.env"


def _up_env() -> dict[str, str]:
    values = {}
    for line in UP_ENV.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_make_ups_edge_config_is_valid_and_made_from_the_table(tmp_path):
    if not shutil.which("haproxy"):
        pytest.fail("haproxy is not installed: apt-get install haproxy", pytrace=False)
    public = RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(), True)
    kids = write_keys({"keys": [{**public, "kid": "k2"}, {**public, "kid": "k1"}]}, tmp_path / "keys")
    assert kids == ["k2", "k1"]
    assert (tmp_path / "keys" / "kids.map").read_text() == "k2 current\nk1 previous\n"
    (tmp_path / "revoked.map").touch()  # the revocation feeder writes it before HAProxy starts (deploy/edge.sh)
    environ = {"EDGE_KEYS_DIR": str(tmp_path / "keys"), "EDGE_REVOKED_MAP": str(tmp_path / "revoked.map")}
    text = render(EdgeSettings.from_env({**_up_env(), **environ}))
    (tmp_path / "haproxy.cfg").write_text(text)
    check = subprocess.run(["haproxy", "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for name in routes.SERVICES:
        assert f"backend be_{name}" in text
    for rate in routes.RATE_CLASSES:
        assert f"gt {rate.requests}" in text
    for _method, pattern in routes.PUBLIC_ROUTES:
        assert f"path_reg '{pattern}'" in text
    assert "acl other_notifications path /dev/sms" in text  # make up keeps the development inbox
    # revoked sessions: the feeder's map, changed at run time through the admin socket
    assert f"map_str_int({tmp_path / 'revoked.map'},0)" in text and "stats socket " in text


def test_production_routes_no_dev_paths():
    settings = EdgeSettings.from_env({**_up_env(), "HALL_DEV_INBOX": "false", "EDGE_KEYS_DIR": "/k"})
    assert "acl other_notifications" not in render(settings)
