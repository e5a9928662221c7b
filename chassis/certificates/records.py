"""The stored certificate (a mixin for each service's own table), issuing one and checking a code against it."""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from chassis import clock
from chassis.certificates.content import CertificateContent
from chassis.certificates.settings import CertificateSettings
from chassis.certificates.signing import new_verification_code, normalize_code, sign, signature_holds, signed_text
from chassis.db import UtcDateTime

log = logging.getLogger("chassis.certificates")

certificates_issued = Counter("hall_certificates_issued_total", "Certificates issued", ["hall_service", "kind"])
# outcome: valid | expired | unknown (no such code) | signature_failed (a stored record was altered: alert)
certificate_checks = Counter("hall_certificate_checks_total", "Certificate codes checked", ["hall_service", "outcome"])


def _new_id() -> str:
    return str(uuid.uuid4())


class CertificateColumns:
    """The columns of an issued certificate; a service's table: `class Certificate(CertificateColumns, Base)`.
    `facts` is the content as canonical JSON; `signature` covers it with the code, kind, owner and dates."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    facts: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signature: Mapped[str] = mapped_column(String(64))

    @property
    def content(self) -> CertificateContent:
        return CertificateContent.from_dict(json.loads(self.facts))


def _text_of(record: CertificateColumns) -> bytes:
    return signed_text(
        code=record.verification_code,
        kind=record.kind,
        owner=record.account_no,
        facts=json.loads(record.facts),
        issued_at=clock.to_utc(record.issued_at),
        expires_at=clock.to_utc(record.expires_at),
    )


def issue(
    session: Session,
    model: type,
    settings: CertificateSettings,
    *,
    account_no: str,
    kind: str,
    content: CertificateContent,
    **columns,
):
    """A new signed certificate row of `model`, added to the caller's transaction (the caller publishes)."""
    issued_at = clock.now()
    record = model(
        id=_new_id(),
        account_no=account_no,
        kind=kind,
        verification_code=new_verification_code(),
        facts=json.dumps(content.to_dict(), ensure_ascii=False, sort_keys=True),
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=settings.certificate_valid_days),
        **columns,
    )
    record.signature = sign(settings.certificate_signing_key, _text_of(record))
    session.add(record)
    session.flush()
    certificates_issued.labels(session.info.get("service", "unknown"), kind).inc()
    return record


def holds(record: CertificateColumns, settings: CertificateSettings) -> bool:
    """Whether the stored facts are still the ones signed at issue."""
    return signature_holds(settings.certificate_signing_key, _text_of(record), record.signature)


@dataclass(frozen=True)
class Verified:
    record: CertificateColumns
    content: CertificateContent
    expired: bool


def look_up(session: Session, model: type, settings: CertificateSettings, code_text: str) -> Verified | None:
    """The certificate a code names, if its signature holds; None for an unknown, malformed or forged code."""
    checks = certificate_checks.labels(session.info.get("service", "unknown"), "unknown")
    code = normalize_code(code_text)
    record = None if code is None else session.scalars(select(model).where(model.verification_code == code)).first()
    if record is None:
        checks.inc()
        return None
    if not holds(record, settings):
        log.warning("certificate %s fails its signature check: stored facts were altered", record.id)
        certificate_checks.labels(session.info.get("service", "unknown"), "signature_failed").inc()
        return None
    expired = clock.now() >= clock.to_utc(record.expires_at)
    certificate_checks.labels(session.info.get("service", "unknown"), "expired" if expired else "valid").inc()
    return Verified(record, record.content, expired=expired)
