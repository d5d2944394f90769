"""A certificate of attendance drawn as one A4 landscape page (fpdf2, no system libraries).

The words are in the certificate's language (English with a Latin name, Russian with a
Cyrillic one), the name large in the middle, and a QR code in the corner that opens the public
page saying the certificate is genuine.
"""

from __future__ import annotations

import io

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from alumni_app.events.certificates import FAMILY, FONTS, PRINTABLE, Certificate, verify_url

WIDTH, HEIGHT = 297.0, 210.0
MARGIN = 20.0
INK = (33, 37, 41)
MUTED = (73, 80, 87)
ACCENT = (13, 71, 161)


class _Page(FPDF):
    def __init__(self):
        super().__init__(orientation="L", format="A4")
        self.add_font(FAMILY, "", str(FONTS / "NotoSans-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "NotoSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)

    def centred(self, text: str, size: float, style: str = "", colour=INK, gap: float = 4):
        self.set_font(FAMILY, style, size)
        self.set_text_color(*colour)
        self.set_x(MARGIN)
        self.multi_cell(WIDTH - 2 * MARGIN, size * 0.5, text.translate(PRINTABLE), align="C")
        self.ln(gap)


def _frame(pdf: _Page) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, WIDTH - 20, HEIGHT - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, WIDTH - 26, HEIGHT - 26)


def _qr(pdf: _Page, url: str) -> None:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=1)
    buffer.seek(0)
    size = 32.0
    pdf.image(buffer, x=WIDTH - MARGIN - size, y=HEIGHT - MARGIN - size - 6, w=size, h=size,
              link=url)
    pdf.set_font(FAMILY, "", 7)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(WIDTH - MARGIN - size - 10, HEIGHT - MARGIN - 5)
    pdf.cell(size + 10, 4, _("Scan to verify"), align="C")


def render(cert: Certificate) -> bytes:
    """The certificate's PDF, in its language, with a QR code to its verification page."""
    url = verify_url(cert)
    with force_locale(cert.language):
        pdf = _Page()
        pdf.set_title(_("Certificate of attendance"))
        pdf.set_creator(cert.event.office.name)
        pdf.add_page()
        _frame(pdf)
        pdf.set_y(38)
        pdf.centred(_("Certificate of attendance"), 30, "B", ACCENT, gap=10)
        pdf.centred(_("This certifies that"), 14, colour=MUTED)
        pdf.centred(cert.name, 28, "B", gap=8)
        pdf.centred(_("attended"), 14, colour=MUTED)
        pdf.centred(cert.title, 18, "B", gap=4)
        pdf.centred(cert.dates(), 13, colour=MUTED, gap=2)
        where = ", ".join(p for p in (cert.event.venue, cert.event.address) if p)
        if where:
            pdf.centred(where, 11, colour=MUTED, gap=2)
        pdf.set_xy(MARGIN, HEIGHT - MARGIN - 14)
        pdf.set_font(FAMILY, "", 11)
        pdf.set_text_color(*INK)
        pdf.cell(150, 6, cert.event.office.name.translate(PRINTABLE))
        _qr(pdf, url)
        return bytes(pdf.output())
