"""The anchor of bench/gateway_query.py: a bare Flask app returning a small JSON object."""

from flask import Flask

app = Flask(__name__)


@app.get("/api/v1/accounts/me/account")
def account():
    return {"account_no": "640100000001", "balance": "50626.46", "status": "normal"}
