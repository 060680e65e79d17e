"""A certificate as a PDF: A4 landscape, Liberation Sans embedded (training/fonts, shipped in the
repository: no system font is needed), a QR code of the verification URL, which is printed as
text too. Always in Indonesian: it is an official document of an Indonesian agency.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import qrcode
from django.utils import timezone, translation
from django.utils.formats import date_format
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

from training.models import Certificate

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "LiberationSans"
#: Modules per QR "box" in the bitmap handed to fpdf2 (scaled in the PDF, so only crispness).
QR_BOX = 8
QR_BORDER = 2
INK = (30, 41, 59)
ACCENT = (3, 105, 161)


def qr_image(url: str):  # type: ignore[no-untyped-def]
    """The QR code of `url` as a 1-bit PIL image (tests rebuild it to compare)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=QR_BOX, border=QR_BORDER)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image().get_image()


def _dates(certificate: Certificate) -> str:
    start, end = certificate.started_on, certificate.ended_on
    if start == end:
        return date_format(start, "j F Y")
    return f"{date_format(start, 'j F Y')} \N{EN DASH} {date_format(end, 'j F Y')}"


def _jp(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def render_pdf(certificate: Certificate, *, url: str) -> bytes:
    with translation.override("id"):
        return _render(certificate, url=url)


def _render(certificate: Certificate, *, url: str) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Sertifikat {certificate.number}")
    pdf.set_author(certificate.issuer)
    pdf.set_creator("Rumah Belajar")
    pdf.set_auto_page_break(auto=False)
    pdf.add_font(FAMILY, "", str(FONTS / "LiberationSans-Regular.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "LiberationSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w
    # A frame.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, pdf.h - 26)

    pdf.set_text_color(*INK)
    pdf.set_xy(20, 24)
    pdf.set_font(FAMILY, "", 13)
    pdf.cell(width - 40, 7, certificate.issuer, align="C")
    pdf.set_xy(20, 34)
    pdf.set_font(FAMILY, "B", 30)
    pdf.set_text_color(*ACCENT)
    pdf.cell(width - 40, 14, "SERTIFIKAT", align="C")
    pdf.set_text_color(*INK)
    pdf.set_xy(20, 49)
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(width - 40, 7, f"Nomor: {certificate.number}", align="C")

    pdf.set_xy(20, 62)
    pdf.cell(width - 40, 7, "diberikan kepada", align="C")
    pdf.set_xy(20, 70)
    pdf.set_font(FAMILY, "B", 22)
    pdf.cell(width - 40, 11, certificate.holder_name, align="C")
    if certificate.holder_nip:
        pdf.set_xy(20, 82)
        pdf.set_font(FAMILY, "", 12)
        pdf.cell(width - 40, 7, f"NIP {certificate.holder_nip}", align="C")

    pdf.set_xy(20, 93)
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(width - 40, 7, "telah menyelesaikan", align="C")
    pdf.set_xy(30, 101)
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(width - 60, 8, certificate.title, align="C")
    pdf.set_x(30)
    pdf.set_font(FAMILY, "", 12)
    # A training's mode, or an activity's type (coaching, seminar, ...); an activity approved
    # without JP (no conversion in force, the yearly cap reached) states none.
    parts = [_dates(certificate), certificate.mode]
    if certificate.jp:
        parts.append(f"{_jp(certificate.jp)} JP")
    details = " · ".join(part for part in parts if part)
    pdf.multi_cell(width - 60, 7, details, align="C")
    if certificate.competencies:
        pdf.set_x(30)
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(
            width - 60, 5.5, f"Kompetensi yang dikembangkan: {certificate.competencies}", align="C"
        )

    # Bottom: the QR code and its URL on the left, the signer on the right.
    qr_size = 38
    top = pdf.h - 22 - qr_size
    pdf.image(qr_image(url), x=24, y=top, w=qr_size, h=qr_size)
    text_x, text_w = 24 + qr_size + 4, 126
    pdf.set_xy(text_x, top + 12)
    pdf.set_font(FAMILY, "", 9)
    pdf.cell(text_w, 5, "Periksa keaslian sertifikat ini di:")
    # The URL on one line (a wrapped URL cannot be typed or copied): smaller type if need be.
    size = 9.0
    pdf.set_font(FAMILY, "", size)
    while pdf.get_string_width(url) > text_w and size > 5:
        size -= 0.5
        pdf.set_font(FAMILY, "", size)
    pdf.set_xy(text_x, top + 18)
    pdf.cell(text_w, 5, url, link=url)

    issued = date_format(timezone.localtime(certificate.issued_at).date(), "j F Y")
    sign_x, sign_w = width - 24 - 76, 76
    pdf.set_xy(sign_x, top)
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(sign_w, 6, f"Diterbitkan {issued}", align="C")
    if certificate.signer_position:
        pdf.set_xy(sign_x, top + 6)
        pdf.multi_cell(sign_w, 5.5, certificate.signer_position, align="C")
    pdf.set_xy(sign_x, top + 30)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(sign_w, 6, certificate.signer_name or certificate.issuer, align="C")
    return bytes(pdf.output())
