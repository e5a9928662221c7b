#!/usr/bin/env bash
# make up's edge: once identity answers, write its public keys for HAProxy, generate the config from the route
# table (gateway/routes.py) and run HAProxy in master-worker mode (SIGUSR2 to the master reloads it without
# dropping a connection: deploy/edge-rotate-keys.sh does that after a key rotation).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
EDGE_DIR=$(realpath -m "${EDGE_DIR:-var/edge}")
export EDGE_KEYS_DIR=${EDGE_KEYS_DIR:-$EDGE_DIR/keys}
mkdir -p "$EDGE_DIR"
for _ in $(seq 1 120); do
  "$BIN/python" -m gateway.edge_keys --jwks-url "$HALL_JWKS_URL" --out "$EDGE_KEYS_DIR" && break
  sleep 1
done
# the revoked sessions: the feeder (Procfile: edge-revocations) keeps this map and changes the running HAProxy
# through the admin socket; HAProxy needs the file to exist when it starts (the feeder fills it a moment later)
# (both made absolute by Python, as the feeder does, so the runtime API's map name is the same in both)
export EDGE_REVOKED_MAP=${EDGE_REVOKED_MAP:-var/edge/revoked-sessions.map}
export EDGE_ADMIN_SOCKET=${EDGE_ADMIN_SOCKET:-var/edge/admin.sock}
[ -e "$EDGE_REVOKED_MAP" ] || : > "$EDGE_REVOKED_MAP"
"$BIN/python" -m gateway.haproxy_config --out "$EDGE_DIR/haproxy.cfg"
haproxy -c -q -f "$EDGE_DIR/haproxy.cfg"
exec haproxy -W -db -f "$EDGE_DIR/haproxy.cfg" -p "$EDGE_DIR/haproxy.pid"
