"""The HTTP side of certificates, the same in every issuing service: answer shapes, the PDF download and the
public verification answer. The routes stay in each service's api/ (they name the service's table)."""

import logging

from flask import Response
from marshmallow import Schema, fields, validate
from prometheus_client import Histogram

from chassis.certificates.pdf import FontMissing, render_certificate
from chassis.certificates.records import CertificateColumns, Verified, holds
from chassis.certificates.settings import CertificateSettings
from chassis.certificates.signing import display_code
from chassis.errors import ApiError

log = logging.getLogger("chassis.certificates")


class CertificateRequest(Schema):
    """What a depositor asks for; which kinds and fields apply is the issuing service's rule (a 422 otherwise)."""

    kind = fields.String(required=True, validate=validate.Length(min=1, max=32))
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    include_balance = fields.Boolean(load_default=False)
    loan_id = fields.String(load_default=None, validate=validate.Length(max=36))


class CertificateOut(Schema):
    id = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    verification_code = fields.String()
    issued_at = fields.DateTime()
    expires_at = fields.DateTime()
    loan_id = fields.String(allow_none=True)


class CertificateLine(Schema):
    label = fields.String()
    value = fields.String()


class PublicCertificateOut(Schema):
    """What anyone holding the code may see: personal data masked."""

    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    center_name = fields.String()
    verification_code = fields.String()
    facts = fields.List(fields.Nested(CertificateLine))
    table_columns = fields.List(fields.String())
    table_rows = fields.List(fields.List(fields.String()))
    issued_at = fields.DateTime()
    expires_at = fields.DateTime()
    valid = fields.Boolean()
    status = fields.String()  # valid | expired
    status_label = fields.String()


pdf_seconds = Histogram(
    "hall_certificate_pdf_seconds",
    "Time to render one certificate's PDF",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def describe(record: CertificateColumns, kind_labels: dict[str, str]) -> dict:
    return {
        "id": record.id,
        "kind": record.kind,
        "kind_label": kind_labels.get(record.kind, record.kind),
        "title": record.content.title,
        "verification_code": display_code(record.verification_code),
        "issued_at": record.issued_at,
        "expires_at": record.expires_at,
        "loan_id": getattr(record, "loan_id", None),
    }


def public_answer(verified: Verified, kind_labels: dict[str, str]) -> dict:
    record, content = verified.record, verified.content
    return {
        **describe(record, kind_labels),
        "center_name": content.center_name,
        "facts": [{"label": label, "value": value} for label, value in content.public_lines],
        "table_columns": list(content.table_columns),
        "table_rows": [list(row) for row in content.table_rows],
        "valid": not verified.expired,
        "status": "expired" if verified.expired else "valid",
        "status_label": "该证明已超过有效期，已失效" if verified.expired else "证明真实有效",
    }


def not_found() -> ApiError:
    return ApiError("CERTIFICATE_NOT_FOUND", "未找到该证明，请核对验证码；伪造或被篡改的证明无法通过核验", 404)


def pdf_response(record: CertificateColumns, settings: CertificateSettings) -> Response:
    """The PDF of one of the caller's certificates; a record whose signature fails is never printed."""
    if not holds(record, settings):
        raise ApiError("CERTIFICATE_INVALID", "该证明记录校验未通过，无法下载，请重新开具", 409)
    code = display_code(record.verification_code)
    try:
        with pdf_seconds.labels(record.kind).time():
            body = render_certificate(
                record.content,
                code=code,
                issued_at=record.issued_at,
                expires_at=record.expires_at,
                verify_url=settings.verify_url(code),
            )
    except FontMissing as missing:
        log.error("certificate PDF cannot be made: %s", missing)
        raise ApiError("CERTIFICATE_PDF_UNAVAILABLE", "证明文件暂时无法生成，请稍后再试或拨打12329咨询", 503) from None
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{record.verification_code}.pdf"'},
    )
