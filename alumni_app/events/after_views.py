"""After the event, for the office: the attendees' workbook, any attendee's certificate, and
the notes of each session's discussion."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.db import utcnow
from alumni_app.events import attendees, certificates, notes
from alumni_app.events.certificate_views import pdf_response
from alumni_app.events.errors import EventError
from alumni_app.events.forms import AnswerForm, SessionForm, notes_form
from alumni_app.events.staff_common import bp, event_for_staff, invitation_of
from alumni_app.events.staff_views import agenda_page, detail_page
from alumni_app.forms import attempt
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


# Notes of the discussion ---------------------------------------------------------------------


@bp.post("/<int:event_id>/notes")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def note_add(event_id: int):
    """A note of a session's discussion, with the barriers it names."""
    event = event_for_staff(event_id)
    form = notes_form(event, str(get_locale()))
    if form.validate_on_submit():
        outcome = attempt(form, notes.add_note, current_user, event, form.values())
        if outcome:
            flash(_("The note was added."), "success")
            return redirect(url_for("event_staff.agenda", event_id=event.id) + "#notes")
        status = outcome.status
    else:
        status = 400
    return agenda_page(event, SessionForm(formdata=None), status=status, note_form=form)


@bp.post("/<int:event_id>/notes/<int:note_id>/delete")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def note_delete(event_id: int, note_id: int):
    event = event_for_staff(event_id)
    note = notes.note_of(event, note_id) or abort(404)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(form, notes.remove_note, current_user, event, note):
        flash(_("The note was removed."), "success")
    return redirect(url_for("event_staff.agenda", event_id=event.id) + "#notes")
