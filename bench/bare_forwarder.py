"""The floor of bench/gateway_query.py: a Flask app that only forwards to the bare app (no token check, no rate
limit, no hooks), with the gateway's own HTTP client. Whatever a Flask gateway under gunicorn adds, it cannot be
cheaper than this; the benchmark prints it beside the anchor so the target can be read against it."""

import os

from flask import Flask, Response, request

from gateway.upstream_client import UpstreamClient

app = Flask(__name__)
upstream = UpstreamClient(os.environ.get("BENCH_FORWARD_TO", "http://127.0.0.1:8009"), timeout=5)


@app.get("/api/v1/accounts/me/account")
def forward():
    reply = upstream.request("GET", request.path, [("Authorization", request.headers.get("Authorization", ""))])
    return Response(reply.body, status=reply.status, content_type="application/json")
