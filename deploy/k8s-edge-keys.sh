#!/usr/bin/env bash
# Kubernetes: give the edge identity's current and previous public keys (the edge-keys ConfigMap) and roll the
# edge so every replica reads them. Run before the first rollout of the edge, and in every key rotation
# (docs/key-rotation.md). Needs kubectl with access to the namespace (NAMESPACE, default nx-hall).
set -euo pipefail
cd "$(dirname "$0")/.."
NAMESPACE=${NAMESPACE:-nx-hall}
EXPECT_KID=${EXPECT_KID:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for attempt in $(seq 1 60); do
  kubectl get --raw "/api/v1/namespaces/${NAMESPACE}/services/identity-web:80/proxy/.well-known/jwks.json" > "$work/jwks.json"
  newest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][0]["kid"])' "$work/jwks.json")
  [ -z "$EXPECT_KID" ] || [ "$newest" = "$EXPECT_KID" ] && break
  [ "$attempt" -eq 60 ] && { echo "identity still publishes $newest first, not $EXPECT_KID" >&2; exit 1; }
  sleep 2
done
python3 -m gateway.edge_keys --jwks-file "$work/jwks.json" --out "$work/keys"
kubectl -n "$NAMESPACE" create configmap edge-keys --from-file="$work/keys" --dry-run=client -o yaml | kubectl apply -f -
if kubectl -n "$NAMESPACE" get deployment edge >/dev/null 2>&1; then
  kubectl -n "$NAMESPACE" rollout restart deployment/edge
  kubectl -n "$NAMESPACE" rollout status deployment/edge --timeout=300s
fi
