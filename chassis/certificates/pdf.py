"""The certificate as an A4 PDF (reportlab): the centre's name, the facts, a QR code to the hall's /verify page
and the verification code, in a CJK TrueType font from a Debian package (never fetched at run time)."""

import io
import os
import shutil
import subprocess
import threading
from datetime import datetime
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from chassis import clock
from chassis.certificates.content import CertificateContent

FONT_NAME = "HallCJK"
FONT_VARIABLE = "HALL_CJK_FONT"
# TrueType (glyf) fonts reportlab can embed; the Noto CJK OpenType fonts (CFF outlines) it cannot
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
WIDTH, HEIGHT = A4
MARGIN = 56
_font_lock = threading.Lock()
_font_ready = False


class FontMissing(RuntimeError):
    """No CJK TrueType font on this machine: the PDF would print empty boxes, so it is not made at all."""


def find_cjk_font() -> Path:
    """HALL_CJK_FONT, else a known Debian font file, else what fontconfig offers for Chinese (TrueType only)."""
    chosen = os.environ.get(FONT_VARIABLE)
    if chosen:
        if not Path(chosen).is_file():
            raise FontMissing(f"{FONT_VARIABLE}={chosen} is not a file")
        return Path(chosen)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh:fontformat=TrueType"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        if found.lower().endswith((".ttf", ".ttc")) and Path(found).is_file():
            return Path(found)
    raise FontMissing(
        "no Chinese TrueType font found for certificates: install the Debian package fonts-wqy-microhei "
        f"(apt-get install fonts-wqy-microhei) or point {FONT_VARIABLE} at a .ttf/.ttc file"
    )


def _register_font() -> None:
    global _font_ready
    with _font_lock:
        if _font_ready:
            return
        path = find_cjk_font()
        options = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **options))
        _font_ready = True


def _china(moment: datetime) -> str:
    return f"{clock.to_china(moment):%Y年%m月%d日 %H:%M}"


def _wrap(text: str, size: float, width: float) -> list[str]:
    lines, current = [], ""
    for char in text:
        if pdfmetrics.stringWidth(current + char, FONT_NAME, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    return [*lines, current] if current else lines


def _draw_qr(pdf: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares: crisp at any zoom, and no image library in the way."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix]
    quiet = 2
    cell = size / (len(matrix) + 2 * quiet)
    path = pdf.beginPath()
    for row_number, row in enumerate(matrix):
        top = y + size - (row_number + quiet + 1) * cell
        column = 0
        while column < len(row):  # one rectangle per run of dark modules: a third of the drawing of one per module
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            path.rect(x + (start + quiet) * cell, top, (column - start) * cell, cell)
    pdf.drawPath(path, stroke=0, fill=1)


def _header(pdf: canvas.Canvas, content: CertificateContent, code: str) -> float:
    pdf.setFont(FONT_NAME, 13)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - MARGIN, content.center_name)
    pdf.setFont(FONT_NAME, 22)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - MARGIN - 36, content.title)
    pdf.setFont(FONT_NAME, 9)
    pdf.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 60, f"验证码：{code}")
    pdf.line(MARGIN, HEIGHT - MARGIN - 68, WIDTH - MARGIN, HEIGHT - MARGIN - 68)
    return HEIGHT - MARGIN - 96


def render_certificate(
    content: CertificateContent, *, code: str, issued_at: datetime, expires_at: datetime, verify_url: str
) -> bytes:
    """The PDF of one certificate: header, facts, the statement table (over as many pages as it needs), then the
    verification block with the QR code on the last page."""
    _register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{content.title} {code}")
    pdf.setAuthor(content.center_name)
    y = _header(pdf, content, code)
    pdf.setFont(FONT_NAME, 12)
    for label, value in content.lines:
        pdf.drawString(MARGIN + 10, y, f"{label}：")
        pdf.drawString(MARGIN + 130, y, str(value))
        y -= 22
    if content.table_columns:
        y = _table(pdf, content, code, y - 8)
    if content.note:
        pdf.setFont(FONT_NAME, 10)
        for line in _wrap(content.note, 10, WIDTH - 2 * MARGIN - 20):
            if y < MARGIN + 150:
                pdf.showPage()
                y = _header(pdf, content, code)
                pdf.setFont(FONT_NAME, 10)
            pdf.drawString(MARGIN + 10, y, line)
            y -= 16
    if y < MARGIN + 140:
        pdf.showPage()
        _header(pdf, content, code)
    _verification_block(pdf, content, code, issued_at, expires_at, verify_url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _table(pdf: canvas.Canvas, content: CertificateContent, code: str, y: float) -> float:
    columns = content.table_columns
    width = (WIDTH - 2 * MARGIN) / len(columns)

    def heading(at: float) -> float:
        pdf.setFont(FONT_NAME, 10)
        for index, name in enumerate(columns):
            pdf.drawString(MARGIN + index * width + 4, at, name)
        pdf.line(MARGIN, at - 5, WIDTH - MARGIN, at - 5)
        return at - 20

    y = heading(y)
    pdf.setFont(FONT_NAME, 9)
    for row in content.table_rows:
        if y < MARGIN + 30:
            pdf.showPage()
            y = heading(_header(pdf, content, code))
            pdf.setFont(FONT_NAME, 9)
        for index, value in enumerate(row):
            pdf.drawString(MARGIN + index * width + 4, y, str(value))
        y -= 15
    return y - 10


def _verification_block(
    pdf: canvas.Canvas, content: CertificateContent, code: str, issued_at: datetime, expires_at: datetime, url: str
) -> None:
    top = MARGIN + 120
    pdf.line(MARGIN, top + 10, WIDTH - MARGIN, top + 10)
    _draw_qr(pdf, url, WIDTH - MARGIN - 110, top - 108, 110)
    pdf.setFont(FONT_NAME, 12)
    pdf.drawString(MARGIN + 10, top - 14, f"验证码：{code}")
    pdf.setFont(FONT_NAME, 10)
    pdf.drawString(MARGIN + 10, top - 36, f"开具时间：{_china(issued_at)}")
    pdf.drawString(MARGIN + 10, top - 54, f"有效期至：{_china(expires_at)}")
    pdf.drawString(MARGIN + 10, top - 72, "扫描二维码或在网上业务大厅“证明核验”页输入验证码核验真伪。")
    pdf.setFont(FONT_NAME, 8)
    pdf.drawString(MARGIN + 10, top - 90, url)
    pdf.drawString(
        MARGIN + 10, top - 104, f"本证明由{content.center_name}网上业务大厅电子签发，无需盖章，以在线核验结果为准。"
    )


def render_blank_page() -> bytes:
    """An empty A4 page in the same font set-up: the benchmark's anchor."""
    _register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setFont(FONT_NAME, 12)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
