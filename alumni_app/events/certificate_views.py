"""The public page a certificate's QR code opens: is this certificate genuine?

It shows what the certificate itself shows (the name as printed, the event, its dates) and
nothing else; a forged or damaged code, or one of someone no longer present or erased, is 404.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file

from alumni_app.events import certificate_pdf, certificates
from alumni_app.permissions import public

bp = Blueprint("certificates", __name__)


# /verify/<token> is the e-mail address check (auth): certificates have their own path.
@bp.get("/certificates/<code>")
@public
def verify(code: str):
    cert = certificates.read_code(code) or abort(404)
    return render_template("events/verify.html", cert=cert)


def pdf_response(cert: certificates.Certificate):
    """The certificate as a download named after the event."""
    data = certificate_pdf.render(cert)
    return send_file(io.BytesIO(data), as_attachment=True, mimetype="application/pdf",
                     download_name=f"certificate-event-{cert.event.id}-{cert.script}.pdf")
