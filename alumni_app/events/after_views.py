"""After the event, for the office: the attendees' workbook, any attendee's certificate, and
the notes of each session's discussion."""

from __future__ import annotations

import io

from flask import flash, request, send_file
from flask_babel import get_locale

from alumni_app.db import utcnow
from alumni_app.events import attendees, certificates
from alumni_app.events.certificate_views import pdf_response
from alumni_app.events.errors import EventError
from alumni_app.events.staff_common import bp, event_for_staff, invitation_of
from alumni_app.events.staff_views import detail_page
from alumni_app.permissions import STAFF_ROLES, object_rule


@bp.get("/<int:event_id>/attendees.xlsx")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def attendees_export(event_id: int):
    """Who registered or came, alumni and guests marked apart, times in the office's zone."""
    event = event_for_staff(event_id)
    data = attendees.workbook(event, str(get_locale()))
    name = f"event-{event.id}-attendees-{utcnow():%Y%m%d}.xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype=attendees.XLSX_MIMETYPE)


@bp.get("/<int:event_id>/people/<int:invitation_id>/certificate.pdf")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def certificate(event_id: int, invitation_id: int):
    """Any attendee's certificate of attendance (409 for someone not checked in)."""
    event = event_for_staff(event_id)
    invitation = invitation_of(event, invitation_id)
    try:
        cert = certificates.certificate(invitation, request.args.get("script"))
    except EventError as error:
        flash(error.message, "danger")
        return detail_page(event, error.status)
    return pdf_response(cert)
