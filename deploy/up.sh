#!/usr/bin/env bash
# make up: RabbitMQ + a PostgreSQL database per service, migrations, topology, demo data, then every process
# (gunicorn per service, a worker per service, the hall's web app, the HAProxy edge) under honcho. Ctrl-C stops
# them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PATH="$PWD/$BIN:$PATH"
set -a
# shellcheck disable=SC1091
source deploy/up.env
set +a
# the certificates' signing key (HALL_CERTIFICATE_KEY): made once on this workstation, kept under var/, never in git
mkdir -p var
[ -s var/certificate.key ] || head -c 32 /dev/urandom | base64 > var/certificate.key
export HALL_CERTIFICATE_KEY="${HALL_CERTIFICATE_KEY:-$(cat var/certificate.key)}"

# the edge is Debian's HAProxy (2.6), the monitoring Debian's Prometheus; install them when missing
command -v haproxy >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }
command -v prometheus >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_open 5432 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
port_open 5672 || rabbitmq-server -detached
for _ in $(seq 1 60); do port_open 5432 && port_open 5672 && break; sleep 1; done

for service in identity accounts loans withdrawals notifications; do
  database="hall_${service}"
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='${database}'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${database}"
  flask --app "services.${service}.app" migrate
  flask --app "services.${service}.app" declare-topology
done
# demo data once every queue exists (seeds publish events the others replicate)
for service in accounts identity loans withdrawals notifications; do
  flask --app "services.${service}.app" seed
done
mkdir -p var/prom var/prometheus var/edge
echo "宁夏住房公积金网上业务大厅 (make up): http://127.0.0.1:8000/ (HAProxy edge; metrics :8405/metrics) — Ctrl-C stops every process"
echo "  Prometheus (every process, the alert rules): http://127.0.0.1:9090/  (alerts: /alerts; metrics: docs/metrics.md)"
exec honcho start -f deploy/Procfile -d .
