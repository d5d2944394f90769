"""After the event, for the office: the attendees' workbook, any attendee's certificate, and
the notes of each session's discussion."""

from __future__ import annotations

import io

from flask import send_file
from flask_babel import get_locale

from alumni_app.db import utcnow
from alumni_app.events import attendees
from alumni_app.events.staff_common import bp, event_for_staff
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
