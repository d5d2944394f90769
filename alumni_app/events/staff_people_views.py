"""Staff pages for the people at an event: guests who are not alumni, check-in and walk-ins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.events import pages, policy, registrations, services
from alumni_app.events.forms import (
    AnswerForm,
    GuestForm,
)
from alumni_app.events.models import Event, Guest, Invitation
from alumni_app.events.staff_common import bp, event_for_staff, invitation_of, office_for_new
from alumni_app.extensions import db
from alumni_app.forms import attempt, form_status, positive_int
from alumni_app.offices.models import Office
from alumni_app.pagination import parse_page
from alumni_app.permissions import STAFF_ROLES, object_rule, require, role_required, same_office


@bp.route("/guests", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def guests():
    """The office's guests who are not alumni (officials, embassy staff, partners)."""
    office = office_for_new()
    if office is None:
        offices = db.session.scalars(sa.select(Office).where(Office.is_active)
                                     .order_by(Office.name)).all()
        return render_template("events/staff/guests.html", office=None, offices=offices,
                               form=None, page=None, q="")
    require(same_office(current_user, office.id))
    form, status = GuestForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.save_guest, current_user, office.id, form.values())
        if outcome:
            flash(_("The guest was added."), "success")
            return redirect(url_for("event_staff.guests", office=request.args.get("office")))
        status = outcome.status
    q = request.args.get("q", "")
    return render_template("events/staff/guests.html", office=office, offices=[], form=form,
                           q=q, page=pages.office_guests(office.id, q,
                                                         parse_page(request.args.get("page")))
                           ), status


@bp.route("/guests/<int:guest_id>/edit", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.can_view_guest")
def guest_edit(guest_id: int):
    guest = db.session.get(Guest, guest_id) or abort(404)
    require(policy.can_view_guest(current_user, guest), guest)
    form, status = GuestForm(obj=guest), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.save_guest, current_user, guest.office_id,
                          form.values(), guest)
        if outcome:
            flash(_("The guest was saved."), "success")
            return redirect(url_for("event_staff.guests", office=guest.office_id))
        status = outcome.status
    return render_template("events/staff/guest_form.html", guest=guest, form=form), status


# Check-in ----------------------------------------------------------------------------------

CHECK_IN_TITLE = _l("Check-in")


def _check_in_page(event: Event, status: int = 200, form=None, highlight=None):
    q = request.args.get("q", "")
    people = pages.check_in_list(event, q)
    if highlight is not None and highlight not in people:
        people.insert(0, highlight)
    return render_template(
        "events/staff/check_in.html", event=event, q=q, people=people,
        counts=registrations.counts(event), form=form or AnswerForm(formdata=None),
        highlight=highlight, found=_not_on_the_list(event, q), locale=str(get_locale())), status


def _not_on_the_list(event: Event, q: str) -> list:
    """Alumni of the office matching `q` who are not on the event's list (walk-ins)."""
    found = pages.office_records(event.office_id, q) if q else []
    if not found:
        return []
    listed = set(db.session.scalars(sa.select(Invitation.record_id).where(
        Invitation.event_id == event.id, Invitation.record_id.in_([r.id for r in found]))))
    return [r for r in found if r.id not in listed]


@bp.get("/<int:event_id>/check-in")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def check_in(event_id: int):
    """A phone-sized page: search by name, one tap per person, walk-ins, present/expected."""
    return _check_in_page(event_for_staff(event_id))


@bp.get("/<int:event_id>/check-in/code/<token>")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff; the code of this event")
def check_in_code(event_id: int, token: str):
    """Where a registrant's QR code leads: their line of this event's check-in."""
    event = event_for_staff(event_id)
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.token == token[:64])) or abort(404)
    return _check_in_page(event, highlight=invitation)


@bp.post("/<int:event_id>/check-in/<int:invitation_id>")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def check_in_person(event_id: int, invitation_id: int):
    event = event_for_staff(event_id)
    invitation = invitation_of(event, invitation_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, registrations.check_in, current_user, invitation)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _check_in_page(event, outcome.status, form)
    if outcome.value:
        flash(_("%(name)s is checked in.", name=invitation.name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=invitation.name), "info")
    return redirect(url_for("event_staff.check_in", event_id=event.id,
                            q=request.form.get("q") or None))


@bp.post("/<int:event_id>/walk-in")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def walk_in(event_id: int):
    """Someone not on the list: an alumnus found in the directory, or a new guest."""
    event = event_for_staff(event_id)
    form = GuestForm() if request.form.get("new_guest") else AnswerForm()
    record_id = positive_int(request.form.get("record_id"))
    if record_id is not None:
        if not AnswerForm().validate_on_submit():
            abort(400)
        record = db.session.get(AlumnusRecord, record_id)
        if record is None or record.office_id != event.office_id:
            abort(404)
        outcome = attempt(form, registrations.add_walk_in, current_user, event,
                          record_id=record_id)
    elif isinstance(form, GuestForm) and form.validate_on_submit():
        def add_guest():
            guest = services.save_guest(current_user, event.office_id, form.values())
            return registrations.add_walk_in(current_user, event, guest_id=guest.id)

        outcome = attempt(form, add_guest)
    else:
        if isinstance(form, GuestForm) and form.errors:
            flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
            return _check_in_page(event, 400)
        abort(400)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _check_in_page(event, outcome.status)
    flash(_("%(name)s is checked in.", name=outcome.value.name), "success")
    return redirect(url_for("event_staff.check_in", event_id=event.id))



# Proposals for the annual meeting ----------------------------------------------------------


