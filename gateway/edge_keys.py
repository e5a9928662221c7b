"""The public keys the edge verifies access tokens with: identity's JWKS as PEM files for HAProxy.

    python -m gateway.edge_keys --jwks-url http://127.0.0.1:8001/.well-known/jwks.json --out var/edge/keys

Writes current.pem (identity's newest key), previous.pem (the one before it; a copy of current.pem while there
is only one) and kids.map (`<kid> current|previous`). Files are replaced atomically; HAProxy reads them when it
(re)loads, so run this, then reload the edge (deploy/edge-rotate-keys.sh does both, docs/key-rotation.md).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm


def write_keys(jwks: dict, folder: Path) -> list[str]:
    """The kids written, newest first."""
    keys = [key for key in jwks.get("keys", []) if key.get("kty") == "RSA" and key.get("kid")][:2]
    if not keys:
        raise SystemExit("the JWKS holds no RSA key")
    folder.mkdir(parents=True, exist_ok=True)
    slots = [("current", keys[0]), ("previous", keys[1] if len(keys) > 1 else keys[0])]
    for slot, key in slots:
        public = RSAAlgorithm.from_jwk(json.dumps(key))
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        _replace(folder / f"{slot}.pem", pem)
    kids = [key["kid"] for key in keys]
    lines = [f"{kids[0]} current"] + ([f"{kids[1]} previous"] if len(kids) > 1 else [])
    _replace(folder / "kids.map", ("\n".join(lines) + "\n").encode())
    return kids


def _replace(path: Path, content: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".new")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="identity's JWKS → the edge's PEM files")
    parser.add_argument("--jwks-url", default=os.environ.get("HALL_JWKS_URL", ""))
    parser.add_argument("--jwks-file", help="read the JWKS from this file instead (e.g. from kubectl get --raw)")
    parser.add_argument("--out", default=os.environ.get("EDGE_KEYS_DIR", "var/edge/keys"))
    parser.add_argument("--expect-kid", help="wait (up to --wait seconds) until the JWKS names this key first")
    parser.add_argument("--wait", type=float, default=45.0)
    args = parser.parse_args(argv)
    if args.jwks_file:
        kids = write_keys(json.loads(Path(args.jwks_file).read_text()), Path(args.out))
        print(f"edge keys in {args.out}: " + ", ".join(kids))
        return 0
    if not args.jwks_url:
        raise SystemExit("give --jwks-url or HALL_JWKS_URL")
    deadline = time.monotonic() + args.wait
    while True:
        reply = requests.get(args.jwks_url, timeout=10)
        reply.raise_for_status()
        jwks = reply.json()
        newest = next((key.get("kid") for key in jwks.get("keys", [])), None)
        # identity's processes cache their keys for a while: one may still publish the set before the rotation
        if not args.expect_kid or newest == args.expect_kid:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"the JWKS still does not name {args.expect_kid} first (it names {newest})")
        time.sleep(1)
    kids = write_keys(jwks, Path(args.out))
    print(f"edge keys in {args.out}: current {kids[0]}" + (f", previous {kids[1]}" if len(kids) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
