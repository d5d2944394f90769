"""The office's event pages: list, create and edit, publish, postpone and cancel, agenda,
invitations by audience or by hand, guests, the people and their answers, and check-in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from alumni_app.audiences import AudienceInvalid, parse_audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.events import notes, pages, registrations, services, tasks, workflow
from alumni_app.events.errors import EventError
from alumni_app.events.forms import (
    AnswerForm,
    EventForm,
    PostponeForm,
    SessionForm,
    notes_form,
)
from alumni_app.events.models import AgendaSession, Event, Guest
from alumni_app.events.staff_common import bp, event_for_staff, invitation_of, office_for_new, tell
from alumni_app.extensions import db
from alumni_app.forms import attempt, form_status, positive_int
from alumni_app.messages import bulk
from alumni_app.offices.models import Office
from alumni_app.pagination import parse_page
from alumni_app.permissions import STAFF_ROLES, object_rule, require, role_required, same_office


@bp.get("")
@role_required(*STAFF_ROLES)
def index():
    """The office's events: search, filter by state, sort, pages."""
    q, state = request.args.get("q", ""), request.args.get("state") or None
    sort = request.args.get("sort", "-starts")
    page = pages.staff_events(current_user, q, state, sort, parse_page(request.args.get("page")))
    offices = []
    if current_user.office_id is None:
        offices = db.session.scalars(sa.select(Office).where(Office.is_active)
                                     .order_by(Office.name)).all()
    return render_template("events/staff/index.html", page=page, q=q, state=state, sort=sort,
                           offices=offices)


def _form_page(form, event=None, office=None, status=200):
    return render_template("events/staff/form.html", form=form, event=event,
                           office=office), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def create():
    office = office_for_new() or abort(404)
    require(same_office(current_user, office.id))
    form, status = EventForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.create_event, current_user, office, form.values())
        if outcome:
            flash(_("The event was saved as a draft. Alumni see it once it is published."),
                  "success")
            return redirect(url_for("event_staff.detail", event_id=outcome.value.id))
        status = outcome.status
    return _form_page(form, office=office, status=status)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def edit(event_id: int):
    event = event_for_staff(event_id)
    local = {name: services.to_local(getattr(event, name), event.office)
             for name in ("starts_at", "ends_at", "registration_deadline")}
    form, status = EventForm(obj=event, data=local if request.method == "GET" else None), \
        form_status()
    if request.method == "GET":
        for name, value in local.items():
            form[name].data = value
    if form.validate_on_submit():
        outcome = attempt(form, services.update_event, current_user, event, form.values())
        if outcome:
            tell("moved_up", event, outcome.value)
            flash(_("The event was saved."), "success")
            return redirect(url_for("event_staff.detail", event_id=event.id))
        status = outcome.status
    return _form_page(form, event=event, office=event.office, status=status)


@bp.get("/<int:event_id>")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def detail(event_id: int):
    """The event, its state's actions, the agenda, answers and the people."""
    event = event_for_staff(event_id)
    return detail_page(event)


def detail_page(event: Event, status: int = 200, form=None):
    q, answer = request.args.get("q", ""), request.args.get("answer") or None
    people = pages.registrations(event, q, answer, parse_page(request.args.get("page")))
    return render_template(
        "events/staff/detail.html", event=event, people=people, q=q, answer=answer,
        notes=notes.notes_by_session(event),
        counts=registrations.counts(event), actions=workflow.allowed_actions(event),
        deliveries=bulk.messages_of_event(event.id),
        form=form or AnswerForm(formdata=None), locale=str(get_locale())), status


def _transition(event: Event, change, done: str, mail: str | None = None, form=None):
    form = form or AnswerForm()
    outcome = attempt(form, change)
    if not outcome:
        flash(outcome.error.message, "danger")
        return detail_page(event, outcome.status, form)
    if mail:
        tell(mail, event, outcome.value or [])
    flash(done, "success")
    return redirect(url_for("event_staff.detail", event_id=event.id))


@bp.post("/<int:event_id>/publish")
@object_rule(*STAFF_ROLES, description="workflow: the office's staff publish")
def publish(event_id: int):
    event = event_for_staff(event_id)
    if not AnswerForm().validate_on_submit():
        abort(400)
    return _transition(event, lambda: services.publish(current_user, event),
                       _("The event was published."))


@bp.post("/<int:event_id>/finish")
@object_rule(*STAFF_ROLES, description="workflow: the office's staff mark it finished")
def finish(event_id: int):
    event = event_for_staff(event_id)
    if not AnswerForm().validate_on_submit():
        abort(400)
    return _transition(event, lambda: services.finish(current_user, event),
                       _("The event is marked as finished."))


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="workflow: the office's staff cancel, after confirming")
def cancel(event_id: int):
    event = event_for_staff(event_id)
    form = AnswerForm()
    if form.validate_on_submit():
        return _transition(event, lambda: services.cancel(current_user, event),
                           _("The event was cancelled; the people invited are being told."),
                           mail="cancelled", form=form)
    return render_template("events/staff/cancel.html", event=event, form=form,
                           counts=registrations.counts(event)), form_status()


@bp.route("/<int:event_id>/postpone", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="workflow: the office's staff postpone, with new dates")
def postpone(event_id: int):
    event = event_for_staff(event_id)
    form, status = PostponeForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.postpone, current_user, event, form.starts_at.data,
                          form.ends_at.data)
        if outcome:
            tell("postponed", event, outcome.value)
            flash(_("The event was postponed; the people invited are being told the new "
                    "dates."), "success")
            return redirect(url_for("event_staff.detail", event_id=event.id))
        status = outcome.status
    return render_template("events/staff/postpone.html", event=event, form=form), status


# The agenda --------------------------------------------------------------------------------


def agenda_page(event, form, session=None, status=200, note_form=None):
    q, locale = request.args.get("q", ""), str(get_locale())
    return render_template(
        "events/staff/agenda.html", event=event, form=form, session=session, q=q,
        found=pages.office_records(event.office_id, q) if q else [],
        guests=pages.office_guests(event.office_id, per_page=200).items,
        notes=notes.notes_by_session(event),
        note_form=note_form or notes_form(event, locale, formdata=None),
        locale=locale), status


@bp.route("/<int:event_id>/agenda", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def agenda(event_id: int):
    """The programme, and a session added to it (speakers: alumni found by name, guests)."""
    event = event_for_staff(event_id)
    form, status = SessionForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.add_session, current_user, event,
                          form.values(request.form))
        if outcome:
            flash(_("The session was added to the agenda."), "success")
            return redirect(url_for("event_staff.agenda", event_id=event.id))
        status = outcome.status
    return agenda_page(event, form, status=status)


def _agenda_item(event: Event, agenda_item_id: int) -> AgendaSession:
    session = db.session.get(AgendaSession, agenda_item_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


@bp.route("/<int:event_id>/agenda/<int:agenda_item_id>/edit", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def agenda_edit(event_id: int, agenda_item_id: int):
    event = event_for_staff(event_id)
    session = _agenda_item(event, agenda_item_id)
    form, status = SessionForm(obj=session), form_status()
    if request.method == "GET":
        form.starts_at.data = services.to_local(session.starts_at, event.office)
        form.ends_at.data = services.to_local(session.ends_at, event.office)
    if form.validate_on_submit():
        outcome = attempt(form, services.update_session, current_user, session,
                          form.values(request.form))
        if outcome:
            flash(_("The session was saved."), "success")
            return redirect(url_for("event_staff.agenda", event_id=event.id))
        status = outcome.status
    return agenda_page(event, form, session, status)


@bp.post("/<int:event_id>/agenda/<int:agenda_item_id>/delete")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def agenda_delete(event_id: int, agenda_item_id: int):
    event = event_for_staff(event_id)
    session = _agenda_item(event, agenda_item_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, services.remove_session, current_user, session)
    if outcome:
        flash(_("The session was removed from the agenda."), "success")
    else:
        flash(outcome.error.message, "danger")
    return redirect(url_for("event_staff.agenda", event_id=event.id))


# Invitations -------------------------------------------------------------------------------


@bp.route("/<int:event_id>/invite", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def invite(event_id: int):
    """Choose people with the directory's filters or by hand, see how many and who, invite."""
    event = event_for_staff(event_id)
    args = request.form if request.method == "POST" else request.args
    form, status, error = AnswerForm(), 200, None
    try:
        audience = parse_audience(args, event.office_id)
    except AudienceInvalid as exc:
        audience, error, status = parse_audience(MultiDict(), event.office_id), exc, exc.status
    if request.method == "POST" and error is None and form.validate_on_submit():
        outcome = attempt(form, _invite_audience, event, audience)
        if outcome:
            flash(_("%(count)s people were invited; the invitations are being sent.",
                    count=outcome.value), "success")
            return redirect(url_for("event_staff.detail", event_id=event.id))
        status = outcome.status
    elif request.method == "POST" and error is None:
        abort(400)
    previewing = audience.narrowed or "preview" in args
    q = request.args.get("q", "")
    return render_template(
        "events/staff/invite.html", event=event, audience=audience, form=form, error=error,
        choices=audience_queries.choices(event.office_id), previewing=previewing,
        count=audience_queries.count(audience) if previewing else None,
        sample=audience_queries.sample(audience, 20) if previewing else [],
        q=q, found=pages.office_records(event.office_id, q) if q else [],
        guests=pages.office_guests(event.office_id, per_page=200).items,
        locale=str(get_locale())), status


def _invite_audience(event: Event, audience) -> int:
    if audience_queries.count(audience) == 0:
        raise EventError("nobody", "audience")
    ids = db.session.scalars(audience_queries.member_ids(audience)).all()
    new = registrations.invite(current_user, event, record_ids=ids)
    if not new:
        raise EventError("already-invited", "audience", status=409)
    services.remember_audience(event, audience.to_dict())
    if event.is_live:
        tasks.queue_mail("invitation", event.id, new)
    return len(new)


@bp.post("/<int:event_id>/invite-guests")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def invite_guests(event_id: int):
    event = event_for_staff(event_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [n for n in (positive_int(v) for v in request.form.getlist("guest_ids")) if n][:500]
    known = db.session.scalars(sa.select(Guest.id).where(
        Guest.id.in_(ids), Guest.office_id == event.office_id)).all()

    def invite_them():
        if not known:
            raise EventError("already-invited", "guests")
        new = registrations.invite(current_user, event, guest_ids=known)
        if new and event.is_live:
            tasks.queue_mail("invitation", event.id, new)
        return len(new)

    outcome = attempt(form, invite_them)
    if outcome:
        flash(_("%(count)s guests were invited.", count=outcome.value), "success")
    else:
        flash(outcome.error.message, "danger")
    return redirect(url_for("event_staff.detail", event_id=event.id))


@bp.post("/<int:event_id>/people/<int:invitation_id>/answer")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def staff_answer(event_id: int, invitation_id: int):
    """Staff record a yes or a no given by phone or at the desk (guests answer this way)."""
    event = event_for_staff(event_id)
    invitation = invitation_of(event, invitation_id)
    form = AnswerForm()
    if not form.validate_on_submit() or request.form.get("answer") not in ("yes", "no"):
        abort(400)
    outcome = attempt(form, registrations.answer, current_user, invitation,
                      request.form["answer"] == "yes", by_staff=True)
    if outcome:
        tell("moved_up", event, outcome.value)
        flash(_("The answer was recorded."), "success")
        return redirect(url_for("event_staff.detail", event_id=event.id))
    flash(outcome.error.message, "danger")
    return detail_page(event, outcome.status, form)


# Guests ------------------------------------------------------------------------------------


