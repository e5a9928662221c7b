"""SMS providers behind one interface: `inbox` keeps each text for the dev page, `http` calls an SMS gateway."""

import hashlib
import hmac
import json
import uuid
from typing import Protocol

import requests

from chassis import clock
from chassis.db import Database
from services.notifications.config import NotificationsConfig
from services.notifications.domain.delivery import DeliveryPolicy, ProviderFailure, classify_provider_error
from services.notifications.models import DevInboxText


class ProviderError(Exception):
    """A send that did not go through: `failure.retryable` says whether another try may help."""

    def __init__(self, failure: ProviderFailure):
        super().__init__(f"{failure.code}: {failure.reason}")
        self.failure = failure


class SmsProvider(Protocol):
    def send(self, mobile: str, text: str, reference: str) -> str:
        """Hand one text over; answers the provider's message id or raises ProviderError."""


class InboxProvider:
    """Development and tests: every text lands in the dev inbox table, shown at /dev/sms."""

    def __init__(self, db: Database):
        self.db = db

    def send(self, mobile: str, text: str, reference: str) -> str:
        with self.db.transaction() as session:
            stored = DevInboxText(mobile=mobile, body=text)
            session.add(stored)
            session.flush()
            return f"inbox-{stored.id}"


class HttpSmsProvider:
    """A generic HTTP SMS gateway: JSON `{mobile, content, reference}` POSTed to one URL, signed with
    HMAC-SHA256 over `account\\ntimestamp\\nnonce\\nbody`; it answers `{code, message_id?, message?}` where
    code "OK" means accepted and any other code is the provider's error, classified by the delivery policy."""

    def __init__(self, config: NotificationsConfig, policy: DeliveryPolicy, session: requests.Session | None = None):
        if not config.sms_http_url:
            raise ValueError("sms_provider=http needs NOTIFICATIONS_SMS_HTTP_URL")
        self.url = config.sms_http_url
        self.account = config.sms_http_account
        self.secret = config.sms_http_secret.encode()
        self.timeout = (config.sms_http_connect_timeout_seconds, config.sms_http_timeout_seconds)
        self.policy = policy
        self.http = session or requests.Session()

    def signed_headers(self, body: str) -> dict[str, str]:
        timestamp, nonce = str(int(clock.wall_clock_timestamp())), uuid.uuid4().hex
        signature = hmac.new(self.secret, f"{self.account}\n{timestamp}\n{nonce}\n{body}".encode(), hashlib.sha256)
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-Sms-Account": self.account,
            "X-Sms-Timestamp": timestamp,
            "X-Sms-Nonce": nonce,
            "X-Sms-Signature": signature.hexdigest(),
        }

    def send(self, mobile: str, text: str, reference: str) -> str:
        body = json.dumps({"mobile": mobile, "content": text, "reference": reference}, ensure_ascii=False)
        try:
            response = self.http.post(
                self.url, data=body.encode(), headers=self.signed_headers(body), timeout=self.timeout
            )
        except requests.Timeout as error:
            raise ProviderError(classify_provider_error(timed_out=True, policy=self.policy)) from error
        except requests.RequestException as error:
            # refused or reset: nothing was accepted, so another try cannot send the text twice
            raise ProviderError(classify_provider_error(http_status=None, policy=self.policy)) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = answer.get("code") if isinstance(answer, dict) else None
        if response.ok and code == "OK":
            return str(answer.get("message_id") or reference)[:64]
        raise ProviderError(classify_provider_error(code=code, http_status=response.status_code, policy=self.policy))


def build_provider(config: NotificationsConfig, db: Database) -> SmsProvider:
    if config.sms_provider == "http":
        return HttpSmsProvider(config, config.delivery_policy())
    if config.sms_provider == "inbox":
        return InboxProvider(db)
    raise ValueError(f"unknown sms_provider {config.sms_provider!r}: inbox or http")
