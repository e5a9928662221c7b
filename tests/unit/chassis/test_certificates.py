"""The certificate plumbing on its own: codes people can type, signatures that catch any change, the key rule."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from chassis.certificates.content import CertificateContent
from chassis.certificates.pdf import FONT_VARIABLE, FontMissing, find_cjk_font, render_blank_page, render_certificate
from chassis.certificates.settings import DEV_CERTIFICATE_KEY, CertificateSettings
from chassis.certificates.signing import (
    CODE_LENGTH,
    display_code,
    new_verification_code,
    normalize_code,
    sign,
    signature_holds,
    signed_text,
)
from chassis.config import UnsafeSettings
from services.accounts.config import AccountsConfig

ISSUED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def test_a_code_reads_back_however_it_is_typed():
    code = new_verification_code()
    assert len(code) == CODE_LENGTH and normalize_code(code) == code
    shown = display_code(code)
    assert normalize_code(shown.lower()) == code and normalize_code(f" {shown.replace('-', ' ')} ") == code
    assert normalize_code("O0I1-" * 4) is None and normalize_code("ABC") is None and normalize_code("") is None
    assert len({new_verification_code() for _ in range(1000)}) == 1000


def test_the_signature_covers_every_fact_and_the_code():
    def text(**change):
        values = {"code": "A" * 16, "kind": "deposit", "owner": "640100000001", "facts": {"lines": [["姓名", "张伟"]]}}
        values.update(change)
        return signed_text(issued_at=ISSUED, expires_at=ISSUED + timedelta(days=90), **values)

    signature = sign(b"key", text())
    assert signature_holds(b"key", text(), signature)
    assert not signature_holds(b"other key", text(), signature)
    assert not signature_holds(b"key", text(facts={"lines": [["姓名", "张丽"]]}), signature)
    assert not signature_holds(b"key", text(code="B" * 16), signature)
    assert not signature_holds(b"key", text(owner="640100000002"), signature)
    assert not signature_holds(b"key", text(), "")


def test_production_refuses_the_development_key_and_takes_a_real_one():
    with pytest.raises(UnsafeSettings, match="HALL_CERTIFICATE_KEY"):
        AccountsConfig(service="accounts", embedded=False, certificate_key=DEV_CERTIFICATE_KEY)
    assert AccountsConfig(service="accounts", embedded=False, certificate_key="from-the-secret").embedded is False
    assert AccountsConfig(service="accounts").certificate_key == DEV_CERTIFICATE_KEY  # the embedded demo


def test_the_pdf_is_a4_with_the_facts_the_code_and_a_link_to_verify():
    settings = CertificateSettings(public_url="https://hall.example/")
    content = CertificateContent(
        "住房公积金缴存证明", "银川住房公积金管理中心", (("姓名", "张伟"),), (("姓名", "张*"),)
    )
    url = settings.verify_url("ABCD-EFGH-JKLM-NPQR")
    assert url == "https://hall.example/#/verify?code=ABCD-EFGH-JKLM-NPQR"
    pdf = render_certificate(
        content, code="ABCD-EFGH-JKLM-NPQR", issued_at=ISSUED, expires_at=ISSUED + timedelta(days=90), verify_url=url
    )
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    text = page.extract_text()
    assert "银川住房公积金管理中心" in text and "张伟" in text and "ABCD-EFGH-JKLM-NPQR" in text and url in text
    assert "2026年03月01日 10:00" in text  # China time
    assert len(PdfReader(io.BytesIO(render_blank_page())).pages) == 1


def test_a_missing_font_is_named_rather_than_printed_as_empty_boxes(monkeypatch, tmp_path):
    monkeypatch.setenv(FONT_VARIABLE, str(tmp_path / "absent.ttf"))
    with pytest.raises(FontMissing, match=FONT_VARIABLE):
        find_cjk_font()
    monkeypatch.delenv(FONT_VARIABLE)
    assert find_cjk_font().suffix in (".ttf", ".ttc")  # CI and the image install fonts-wqy-microhei
