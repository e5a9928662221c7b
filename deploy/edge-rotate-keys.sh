#!/usr/bin/env bash
# Rotate identity's token signing key without the edge ever refusing a valid token (docs/key-rotation.md):
#   1. identity publishes a new key that signs only after ACTIVATE_AFTER seconds (default 60);
#   2. the edge is given identity's JWKS as current.pem (the new key) and previous.pem (the one signing now);
#   3. the edge reloads (SIGUSR2 to the HAProxy master: old connections finish on the old process);
#   4. only then does the new key start signing. Tokens of the key before are honoured as the previous key.
# make up:     deploy/edge-rotate-keys.sh
# Kubernetes:  see docs/key-rotation.md (same steps with kubectl).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
ACTIVATE_AFTER=${ACTIVATE_AFTER:-60}
EDGE_DIR=$(realpath -m "${EDGE_DIR:-var/edge}")
EDGE_KEYS_DIR=${EDGE_KEYS_DIR:-$EDGE_DIR/keys}
set -a
# shellcheck disable=SC1091
source deploy/up.env
set +a
started=$(date +%s)
kid=$("$BIN/flask" --app services.identity.app rotate-signing-key --activate-after "$ACTIVATE_AFTER" | awk '{print $NF}')
# identity caches its keys for a while per process: ask until the JWKS names the new key first
"$BIN/python" -m gateway.edge_keys --jwks-url "$HALL_JWKS_URL" --out "$EDGE_KEYS_DIR" --expect-kid "$kid" \
  --wait "$((ACTIVATE_AFTER - 10))"
"$BIN/python" -m gateway.haproxy_config --out "$EDGE_DIR/haproxy.cfg"
haproxy -c -q -f "$EDGE_DIR/haproxy.cfg"
kill -USR2 "$(cat "$EDGE_DIR/haproxy.pid")"
elapsed=$(( $(date +%s) - started ))
if [ "$elapsed" -ge "$ACTIVATE_AFTER" ]; then
  echo "the edge reloaded after ${elapsed}s, later than the key's activation (${ACTIVATE_AFTER}s): tokens of the new key may have been refused meanwhile; raise ACTIVATE_AFTER" >&2
  exit 1
fi
echo "edge reloaded with the new key after ${elapsed}s; it signs from ${ACTIVATE_AFTER}s after the rotation"
