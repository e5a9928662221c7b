"""The HAProxy 2.6 edge config, generated from the route table (gateway/routes.py).

    python -m gateway.haproxy_config [--out FILE]

Settings (environment):
  HALL_SERVICE_URLS        identity=http://host:port,... — one backend per service
  EDGE_WEB_URL             the hall's web app (gateway.wsgi: pages, /api/docs, /livez, /readyz)
  EDGE_BIND                public address (default 127.0.0.1:8000; `:8000` in a container)
  EDGE_METRICS_BIND        Prometheus exporter and /healthz (default 127.0.0.1:8405)
  EDGE_KEYS_DIR            current.pem, previous.pem and kids.map (written by `python -m gateway.edge_keys`)
  EDGE_REVOKED_MAP         revoked sessions' map file (sid -> until, Unix time), kept by gateway/revocation_feeder.py
  EDGE_ADMIN_SOCKET        HAProxy's runtime API (a Unix socket): the feeder adds and removes revoked sessions there
  EDGE_TRUSTED_PROXIES     addresses (CIDRs) of a proxy in front of the edge whose X-Forwarded-For it believes
  EDGE_SERVER_MAXCONN      connections per service server; more requests wait in the edge's queue (default 32)
  EDGE_RATE_LIMITS         per_user=N,sms_code=N,...: another limit for a rate class of gateway/routes.py
  HALL_CORS_ORIGINS        origins whose browsers may call the API
  HALL_DEV_INBOX           true: /dev/sms is routed (a workstation); false in production
  HALL_TOKEN_AUDIENCE / HALL_TOKEN_ISSUER   what a token's aud and iss must be
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from chassis import clock
from gateway import routes

PROBLEM_TYPE = "application/problem+json; charset=utf-8"


@dataclass(frozen=True)
class EdgeSettings:
    services: dict[str, str]  # name -> host:port
    web: str
    keys_dir: str
    # the revoked sessions (sid -> until) and the runtime API the feeder changes them through
    revoked_map: str = ""
    admin_socket: str = ""
    bind: str = "127.0.0.1:8000"
    metrics_bind: str = "127.0.0.1:8405"
    trusted_proxies: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    dev: bool = False
    audience: str = "nx-hall"
    issuer: str = "nx-hall-identity"
    server_maxconn: int = 32
    # the hall's clock may be moved in a staging run (HALL_CLOCK_SHIFT): token times are read against it
    clock_shift_seconds: int = 0
    log_target: str = "stdout format raw local0 info"
    # requests per period of a rate class by name (a benchmark lifts them; the counting still runs)
    limit_overrides: dict[str, int] = field(default_factory=dict)
    extra_global: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "EdgeSettings":
        env = dict(os.environ if environ is None else environ)
        services = {}
        for item in _items(env.get("HALL_SERVICE_URLS", "")):
            name, _, url = item.partition("=")
            if name in routes.SERVICES:
                services[name] = _address(url)
        missing = [name for name in routes.SERVICES if name not in services]
        if missing:
            raise SystemExit(f"HALL_SERVICE_URLS names no address for: {', '.join(missing)}")
        return cls(
            services=services,
            web=_address(env.get("EDGE_WEB_URL", "http://127.0.0.1:8010")),
            keys_dir=env.get("EDGE_KEYS_DIR", str(Path("var/edge/keys").resolve())),
            # absolute: the runtime API names a map by the path the config gives (the feeder resolves it alike)
            revoked_map=os.path.abspath(env.get("EDGE_REVOKED_MAP", "var/edge/revoked-sessions.map")),
            # absolute: HAProxy reads a relative one as a host and port
            admin_socket=os.path.abspath(env.get("EDGE_ADMIN_SOCKET", "var/edge/admin.sock")),
            bind=env.get("EDGE_BIND", "127.0.0.1:8000"),
            metrics_bind=env.get("EDGE_METRICS_BIND", "127.0.0.1:8405"),
            trusted_proxies=_items(env.get("EDGE_TRUSTED_PROXIES", "")),
            cors_origins=_items(env.get("HALL_CORS_ORIGINS", env.get("GATEWAY_CORS_ORIGINS", ""))),
            dev=env.get("HALL_DEV_INBOX", "false").strip().lower() in ("1", "true", "yes", "on"),
            audience=env.get("HALL_TOKEN_AUDIENCE", "nx-hall"),
            issuer=env.get("HALL_TOKEN_ISSUER", "nx-hall-identity"),
            server_maxconn=int(env.get("EDGE_SERVER_MAXCONN", "32")),
            limit_overrides={
                name: int(value)
                for name, _, value in (item.partition("=") for item in _items(env.get("EDGE_RATE_LIMITS", "")))
            },
            clock_shift_seconds=round(clock.timestamp() - clock.wall_clock_timestamp()),
        )


def _items(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _address(url: str) -> str:
    parts = urlsplit(url if "//" in url else f"http://{url}")
    return f"{parts.hostname}:{parts.port or 80}"


def _quote(text: str) -> str:
    """A single-quoted HAProxy argument (no variable or escape expansion inside)."""
    if "'" in text:
        raise ValueError(f"cannot quote {text!r}")
    return f"'{text}'"


def _dquote(text: str) -> str:
    """A double-quoted argument, for text holding single quotes (no `$`, `\\` or `"` allowed in it)."""
    if any(char in text for char in '$\\"%'):
        raise ValueError(f"cannot quote {text!r}")
    return f'"{text}"'


def _problem(status: int, code: str, detail: str) -> str:
    """An lf-string body: the problem+json both gateways answer, with the request id."""
    body = json.dumps(
        {
            "type": f"https://nx-hall.example/problems/{code.lower().replace('_', '-')}",
            "title": code,
            "status": status,
            "code": code,
            "detail": detail,
            "request_id": "@RID@",
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    # lf-string: `%` starts a log-format tag, so a literal one is doubled
    return body.replace("%", "%%").replace("@RID@", "%[var(txn.rid)]")


def _return(status: int, code: str, detail: str, condition: str, headers: dict[str, str] | None = None) -> str:
    extra = "".join(f" hdr {name} {_quote(value)}" for name, value in (headers or {}).items())
    # a rate-limit refusal is a `deny` (same answer): the exporter counts it, haproxy_frontend_denied_req_total,
    # which the 429-spike alert watches (a `return` is counted only among the 4xx)
    action = "deny" if status == 429 else "return"
    return (
        f"    http-request {action} status {status} content-type {_quote(PROBLEM_TYPE)} "
        f"lf-string {_quote(_problem(status, code, detail))}{extra} if {condition}"
    )


def _named(key: str) -> tuple[int, str, str]:
    return routes.PROBLEMS[key]


LOG_FORMAT = (
    '{"time":"%tr","request_id":"%[var(txn.rid)]","method":"%HM","path":"%HPO","route":"%b","server":"%s",'
    '"status":%ST,"bytes":%B,"t_request_ms":%TR,"t_queue_ms":%Tw,"t_connect_ms":%Tc,"t_response_ms":%Tr,'
    '"t_total_ms":%Ta,"termination":"%ts","retries":%rc}'
)


def render(settings: EdgeSettings) -> str:
    def limit(rate: routes.RateClass) -> int:
        return settings.limit_overrides.get(rate.name, rate.requests)

    keys = Path(settings.keys_dir)
    current, previous, kids = keys / "current.pem", keys / "previous.pem", keys / "kids.map"
    lines = [
        "# GENERATED by `python -m gateway.haproxy_config` from gateway/routes.py — do not edit by hand",
        "global",
        f"    log {settings.log_target}",
        "    maxconn 4000",
        "    tune.ssl.default-dh-param 2048",
        # the runtime API: the revocation feeder adds and removes revoked sessions (`add map`, `del map`)
        *([f"    stats socket {settings.admin_socket} mode 600 level admin"] if settings.admin_socket else []),
        *(f"    {line}" for line in settings.extra_global),
        "",
        "defaults",
        "    mode http",
        "    log global",
        f"    log-format {_quote(LOG_FORMAT)}",
        "    option dontlognull",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 15s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 10s",
        "    timeout queue 5s",
        "    timeout check 2s",
        "    retries 2",
        "    option redispatch 1",
        "",
        "frontend metrics",
        f"    bind {settings.metrics_bind}",
        "    monitor-uri /healthz",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "",
        "frontend hall",
        f"    bind {settings.bind}",
        "    option http-ignore-probes",
        # request id: keep a sane incoming one, else make one
        f"    http-request set-var(txn.rid) req.hdr(x-request-id,-1) "
        f"if {{ req.hdr(x-request-id,-1) -m reg {_quote(routes.REQUEST_ID_PATTERN)} }}",
        "    http-request set-var(txn.rid) uuid unless { var(txn.rid) -m found }",
        "    http-request set-header X-Request-ID %[var(txn.rid)]",
        # the client's address: only the edge writes X-Forwarded-For
    ]
    if settings.trusted_proxies:
        lines += [
            f"    acl from_trusted_proxy src {' '.join(settings.trusted_proxies)}",
            "    http-request set-var(txn.client) req.hdr_ip(x-forwarded-for,-1) "
            "if from_trusted_proxy { req.hdr_ip(x-forwarded-for,-1) -m found }",
        ]
    lines += [
        "    http-request set-var(txn.client) src unless { var(txn.client) -m found }",
        "    http-request del-header X-Forwarded-For",
        "    http-request del-header Forwarded",
        "    http-request del-header X-Real-IP",
        "    http-request set-header X-Forwarded-For %[var(txn.client)]",
        "    http-request set-var(txn.path) path",
        "",
        "    # routes (gateway/routes.py)",
        f"    acl api path_beg {routes.API_PREFIX}",
    ]
    for name in routes.SERVICES:
        lines.append(f"    acl svc_{name} path_beg {routes.API_PREFIX}{name}/")
    for other in routes.other_paths(settings.dev):
        lines.append(f"    acl other_{other.service} path {other.prefix}")
        lines.append(f"    acl other_{other.service} path_beg {other.prefix}/")
    lines += [f"    acl known_service path_beg {routes.API_PREFIX}{name}/" for name in routes.SERVICES]
    for index, (method, pattern) in enumerate(routes.PUBLIC_ROUTES):
        lines.append(f"    acl public_{index} path_reg {_quote(pattern)}")
        lines.append(f"    acl public_{index}_method method {method}")
    public = " || ".join(f"public_{index}_method public_{index}" for index in range(len(routes.PUBLIC_ROUTES)))
    lines.append(f"    acl tokenless method {' '.join(routes.TOKENLESS_METHODS)}")
    lines += [
        f"    http-request set-var(txn.public) bool(true) if tokenless || {public}",
        "",
        "    # CORS for the configured origins",
    ]
    if settings.cors_origins:
        lines += [
            f"    acl cors_origin req.hdr(origin) -m str {' '.join(settings.cors_origins)}",
            "    http-request set-var(txn.origin) req.hdr(origin) if cors_origin",
            "    http-request return status 204 hdr Access-Control-Allow-Origin %[var(txn.origin)] "
            f"hdr Access-Control-Allow-Methods {_quote(routes.CORS_ALLOW_METHODS)} "
            f"hdr Access-Control-Allow-Headers {_quote(routes.CORS_ALLOW_HEADERS)} "
            f"hdr Access-Control-Max-Age {routes.CORS_MAX_AGE} "
            "if METH_OPTIONS cors_origin { req.hdr(access-control-request-method) -m found }",
        ]
    lines += [
        "",
        "    # refusals the edge answers itself",
        _return(*_named("not_found"), "api !known_service"),
        _return(*_named("too_large"), f"{{ req.hdr_val(content-length) gt {routes.MAX_BODY_BYTES} }}"),
        _return(*_named("length_required"), "{ req.hdr(transfer-encoding) -m found }"),
    ]
    with_other = {other.service for other in routes.other_paths(settings.dev)}
    for name in routes.SERVICES:
        condition = f"svc_{name} || other_{name}" if name in with_other else f"svc_{name}"
        lines.append(f"    http-request set-var(txn.service) str({name}) if {condition}")
    for name in routes.SERVICES:
        lines.append(
            _return(
                503,
                "SERVICE_UNAVAILABLE",
                routes.unavailable_detail(name),
                f"{{ var(txn.service) -m str {name} }} !{{ nbsrv(be_{name}) gt 0 }}",
                {"Retry-After": "5"},
            )
        )
    lines += [
        "",
        "    # per-IP limits on what people call before they log in",
    ]
    for rate in routes.STRICT_CLASSES:
        lines += [
            f"    acl rate_{rate.name} path_reg {_quote(rate.pattern)}",
            *([f"    acl rate_{rate.name}_method method {rate.method}"] if rate.method else []),
        ]
        condition = f"rate_{rate.name}" + (f" rate_{rate.name}_method" if rate.method else "")
        lines.append(f"    http-request track-sc1 var(txn.client) table st_{rate.name} if {condition}")
        lines.append(
            _return(
                *_named("too_many"),
                f"{condition} {{ sc1_http_req_rate gt {limit(rate)} }}",
                {"Retry-After": str(rate.period_seconds)},
            )
        )
    shift = settings.clock_shift_seconds
    lines += [
        "",
        "    # RS256 access tokens on protected routes: alg, kid (current or previous key), signature, aud, iss, exp",
        "    http-request set-var(txn.protected) bool(true) "
        "if api { var(txn.service) -m found } !{ var(txn.public) -m bool }",
        "    acl protected var(txn.protected) -m bool",
        "    http-request set-var(txn.bearer) http_auth_bearer if protected",
        _return(*_named("unauthenticated"), "protected !{ var(txn.bearer) -m found }"),
        "    http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('$.alg') if protected",
        f"    http-request set-var(txn.key) var(txn.bearer),jwt_header_query('$.kid'),map({kids}) if protected",
        "    acl alg_rs256 var(txn.alg) -m str RS256",
        "    acl key_current var(txn.key) -m str current",
        "    acl key_previous var(txn.key) -m str previous",
        f'    acl sig_current var(txn.bearer),jwt_verify(txn.alg,"{current}") -m int 1',
        f'    acl sig_previous var(txn.bearer),jwt_verify(txn.alg,"{previous}") -m int 1',
        f"    acl aud_ok var(txn.bearer),jwt_payload_query('$.aud') -m str {settings.audience}",
        f"    acl iss_ok var(txn.bearer),jwt_payload_query('$.iss') -m str {settings.issuer}",
        "    http-request set-var(txn.token_ok) bool(true) "
        "if protected alg_rs256 key_current sig_current aud_ok iss_ok || "
        "protected alg_rs256 key_previous sig_previous aud_ok iss_ok",
        _return(*_named("token_invalid"), "protected !{ var(txn.token_ok) -m bool }"),
        f"    http-request set-var(txn.now) date({shift})" if shift else "    http-request set-var(txn.now) date",
        "    http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('$.exp','int') if protected",
        _return(
            401,
            "TOKEN_EXPIRED",
            "登录已过期，请重新登录",
            "protected !{ var(txn.exp),sub(txn.now) gt 0 }",
        ),
        "    http-request set-var(txn.sub) var(txn.bearer),jwt_payload_query('$.sub') if protected",
    ]
    if settings.revoked_map:
        lines += [
            "    # a revoked session (logout, password change or reset, lock): its sid listed until its tokens expire",
            "    http-request set-var(txn.sid) var(txn.bearer),jwt_payload_query('$.sid') if protected",
            f"    http-request set-var(txn.revoked_until) var(txn.sid),map_str_int({settings.revoked_map},0) "
            "if { var(txn.sid) -m found }",
            _return(
                *_named("token_revoked"),
                "protected { var(txn.revoked_until),sub(txn.now) gt 0 }",
                {"X-Refused-By": "edge"},
            ),
        ]
    lines += [
        "",
        "    # per verified user, else per IP, on every service route",
        "    http-request track-sc2 var(txn.sub) table st_per_user if { var(txn.sub) -m found }",
        "    http-request track-sc2 var(txn.client) table st_per_ip "
        "if { var(txn.service) -m found } !{ var(txn.sub) -m found }",
    ]
    general = {rate.key: rate for rate in routes.GENERAL_CLASSES}
    lines += [
        _return(
            *_named("too_many"),
            f"{{ var(txn.sub) -m found }} {{ sc2_http_req_rate gt {limit(general['user'])} }}",
            {"Retry-After": str(general["user"].period_seconds)},
        ),
        _return(
            *_named("too_many"),
            f"{{ var(txn.service) -m found }} !{{ var(txn.sub) -m found }} "
            f"{{ sc2_http_req_rate gt {limit(general['ip'])} }}",
            {"Retry-After": str(general["ip"].period_seconds)},
        ),
        "",
        "    # headers on every answer, the edge's own included",
        "    http-after-response set-header X-Request-ID %[var(txn.rid)]",
        f"    http-after-response set-header Content-Security-Policy {_dquote(routes.CONTENT_SECURITY_POLICY)} "
        "unless { res.hdr(content-security-policy) -m found }",
        *(f"    http-after-response set-header {name} {_quote(value)}" for name, value in routes.SECURITY_HEADERS),
        "    http-after-response set-header Cache-Control no-store "
        "if { var(txn.path) -m beg /api/ /console/ } !{ res.hdr(cache-control) -m found }",
        "    http-after-response set-header Access-Control-Allow-Origin %[var(txn.origin)] "
        "if { var(txn.origin) -m found }",
        "    http-after-response add-header Vary Origin if { var(txn.origin) -m found }",
        "    http-after-response set-header Access-Control-Expose-Headers 'X-Request-ID, Retry-After' "
        "if { var(txn.origin) -m found }",
        "",
    ]
    for name in routes.SERVICES:
        lines.append(f"    use_backend be_{name} if {{ var(txn.service) -m str {name} }}")
    lines += ["    default_backend be_web", ""]
    for name, address in [*settings.services.items(), ("web", settings.web)]:
        detail = routes.unavailable_detail(name) if name != "web" else "网上业务大厅暂不可用，请稍后再试"
        lines += [
            f"backend be_{name}",
            "    option httpchk GET /readyz" if name != "web" else "    option httpchk GET /livez",
            "    http-check expect status 200",
            "    http-reuse safe",
            "    retry-on conn-failure empty-response response-timeout 503",
            "    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS",
            *(
                f"    http-error status {status} content-type {_quote(PROBLEM_TYPE)} "
                f"lf-string {_quote(_problem(status, 'SERVICE_UNAVAILABLE', detail))} hdr Retry-After 5"
                for status in (502, 503, 504)
            ),
            f"    server {name}1 {address} check inter 2s fall 2 rise 2 maxconn {settings.server_maxconn} "
            "init-addr last,libc,none",
            "",
        ]
    for rate in routes.STRICT_CLASSES:
        lines += [
            f"backend st_{rate.name}",
            f"    stick-table type ipv6 size 200k expire {rate.period_seconds}s "
            f"store http_req_rate({rate.period_seconds}s)",
            "",
        ]
    lines += [
        "backend st_per_ip",
        f"    stick-table type ipv6 size 500k expire {general['ip'].period_seconds}s "
        f"store http_req_rate({general['ip'].period_seconds}s)",
        "",
        "backend st_per_user",
        f"    stick-table type string len 64 size 500k expire {general['user'].period_seconds}s "
        f"store http_req_rate({general['user'].period_seconds}s)",
        "",
    ]
    return "\n".join(lines)


KUBERNETES_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "k8s" / "base" / "hall-config.env"
KUBERNETES_EDGE_CONFIG = KUBERNETES_CONFIG.parent / "edge" / "haproxy.cfg"


def kubernetes_settings() -> EdgeSettings:
    """The edge of deploy/k8s: service addresses from the hall-config ConfigMap (made from hall-config.env), keys
    from the edge-keys ConfigMap mounted at /usr/local/etc/haproxy/keys, trusted proxies = the Gateway's data plane
    pods."""
    data = dict(
        line.split("=", 1)
        for line in KUBERNETES_CONFIG.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    environ = {
        "HALL_SERVICE_URLS": data["HALL_SERVICE_URLS"],
        "EDGE_WEB_URL": "http://gateway:80",
        "EDGE_KEYS_DIR": "/usr/local/etc/haproxy/keys",
        # shared with the revocation feeder's container (an emptyDir), which writes the map and uses the socket
        "EDGE_REVOKED_MAP": "/var/run/haproxy/revoked-sessions.map",
        "EDGE_ADMIN_SOCKET": "/var/run/haproxy/admin.sock",
        "EDGE_BIND": ":8000",
        "EDGE_METRICS_BIND": ":8405",
        "EDGE_TRUSTED_PROXIES": data.get("EDGE_TRUSTED_PROXIES", ""),
        "HALL_CORS_ORIGINS": data.get("HALL_CORS_ORIGINS", ""),
        "HALL_DEV_INBOX": data.get("HALL_DEV_INBOX", "false"),
        # one server per service: its ClusterIP, in front of every pod of it
        "EDGE_SERVER_MAXCONN": "64",
    }
    # production runs on the real clock (a moved one is refused there), whatever the generating shell has
    return replace(EdgeSettings.from_env(environ), clock_shift_seconds=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="write here (default: stdout)")
    parser.add_argument(
        "--kubernetes", action="store_true", help=f"the config of deploy/k8s (write it to {KUBERNETES_EDGE_CONFIG})"
    )
    args = parser.parse_args(argv)
    text = render(kubernetes_settings() if args.kubernetes else EdgeSettings.from_env())
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
