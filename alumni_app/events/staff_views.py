"""The office's event pages: list, create and edit, publish, postpone and cancel, agenda,
invitations by audience or by hand, guests, the people and their answers, and check-in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences import AudienceInvalid, parse_audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.events import pages, policy, registrations, services, tasks, workflow
from alumni_app.events.errors import EventError
from alumni_app.events.forms import (
    AnswerForm,
    EventForm,
    GuestForm,
    PostponeForm,
    ProposalForm,
    SessionForm,
)
from alumni_app.events.models import AgendaSession, Event, Guest, Invitation
from alumni_app.extensions import db
from alumni_app.forms import attempt, form_status, positive_int
from alumni_app.offices.models import Office
from alumni_app.pagination import parse_page
from alumni_app.permissions import STAFF_ROLES, object_rule, require, role_required, same_office

bp = Blueprint("event_staff", __name__, url_prefix="/staff/events")


@bp.record_once
def _register_helpers(state) -> None:
    from alumni_app.events.labels import template_helpers

    state.app.jinja_env.globals.update(template_helpers())


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id) or abort(404)
    require(policy.is_office_staff(current_user, event), event)
    return event


def _invitation(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    return invitation


def _tell(kind: str, event: Event, invitations) -> None:
    ids = [i if isinstance(i, int) else i.id for i in invitations]
    if ids:
        tasks.queue_mail(kind, event.id, ids)


def _office_for_new() -> Office:
    office_id = current_user.office_id or positive_int(request.args.get("office"))
    return db.session.get(Office, office_id) if office_id else None


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
    office = _office_for_new() or abort(404)
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
    event = _event(event_id)
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
            _tell("moved_up", event, outcome.value)
            flash(_("The event was saved."), "success")
            return redirect(url_for("event_staff.detail", event_id=event.id))
        status = outcome.status
    return _form_page(form, event=event, office=event.office, status=status)


@bp.get("/<int:event_id>")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def detail(event_id: int):
    """The event, its state's actions, the agenda, answers and the people."""
    event = _event(event_id)
    return _detail_page(event)


def _detail_page(event: Event, status: int = 200, form=None):
    q, answer = request.args.get("q", ""), request.args.get("answer") or None
    people = pages.registrations(event, q, answer, parse_page(request.args.get("page")))
    return render_template(
        "events/staff/detail.html", event=event, people=people, q=q, answer=answer,
        counts=registrations.counts(event), actions=workflow.allowed_actions(event),
        form=form or AnswerForm(formdata=None), locale=str(get_locale())), status


def _transition(event: Event, change, done: str, tell: str | None = None, form=None):
    form = form or AnswerForm()
    outcome = attempt(form, change)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _detail_page(event, outcome.status, form)
    if tell:
        _tell(tell, event, outcome.value or [])
    flash(done, "success")
    return redirect(url_for("event_staff.detail", event_id=event.id))


@bp.post("/<int:event_id>/publish")
@object_rule(*STAFF_ROLES, description="workflow: the office's staff publish")
def publish(event_id: int):
    event = _event(event_id)
    if not AnswerForm().validate_on_submit():
        abort(400)
    return _transition(event, lambda: services.publish(current_user, event),
                       _("The event was published."))


@bp.post("/<int:event_id>/finish")
@object_rule(*STAFF_ROLES, description="workflow: the office's staff mark it finished")
def finish(event_id: int):
    event = _event(event_id)
    if not AnswerForm().validate_on_submit():
        abort(400)
    return _transition(event, lambda: services.finish(current_user, event),
                       _("The event is marked as finished."))


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="workflow: the office's staff cancel, after confirming")
def cancel(event_id: int):
    event = _event(event_id)
    form = AnswerForm()
    if form.validate_on_submit():
        return _transition(event, lambda: services.cancel(current_user, event),
                           _("The event was cancelled; the people invited are being told."),
                           tell="cancelled", form=form)
    return render_template("events/staff/cancel.html", event=event, form=form,
                           counts=registrations.counts(event)), form_status()


@bp.route("/<int:event_id>/postpone", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="workflow: the office's staff postpone, with new dates")
def postpone(event_id: int):
    event = _event(event_id)
    form, status = PostponeForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.postpone, current_user, event, form.starts_at.data,
                          form.ends_at.data)
        if outcome:
            _tell("postponed", event, outcome.value)
            flash(_("The event was postponed; the people invited are being told the new "
                    "dates."), "success")
            return redirect(url_for("event_staff.detail", event_id=event.id))
        status = outcome.status
    return render_template("events/staff/postpone.html", event=event, form=form), status


# The agenda --------------------------------------------------------------------------------


def _agenda_page(event, form, session=None, status=200):
    q = request.args.get("q", "")
    return render_template(
        "events/staff/agenda.html", event=event, form=form, session=session, q=q,
        found=pages.office_records(event.office_id, q) if q else [],
        guests=pages.office_guests(event.office_id, per_page=200).items,
        locale=str(get_locale())), status


@bp.route("/<int:event_id>/agenda", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def agenda(event_id: int):
    """The programme, and a session added to it (speakers: alumni found by name, guests)."""
    event = _event(event_id)
    form, status = SessionForm(), form_status()
    if form.validate_on_submit():
        outcome = attempt(form, services.add_session, current_user, event,
                          form.values(request.form))
        if outcome:
            flash(_("The session was added to the agenda."), "success")
            return redirect(url_for("event_staff.agenda", event_id=event.id))
        status = outcome.status
    return _agenda_page(event, form, status=status)


def _agenda_item(event: Event, agenda_item_id: int) -> AgendaSession:
    session = db.session.get(AgendaSession, agenda_item_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


@bp.route("/<int:event_id>/agenda/<int:agenda_item_id>/edit", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def agenda_edit(event_id: int, agenda_item_id: int):
    event = _event(event_id)
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
    return _agenda_page(event, form, session, status)


@bp.post("/<int:event_id>/agenda/<int:agenda_item_id>/delete")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def agenda_delete(event_id: int, agenda_item_id: int):
    event = _event(event_id)
    session = _agenda_item(event, agenda_item_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(form, services.remove_session, current_user, session):
        flash(_("The session was removed from the agenda."), "success")
    return redirect(url_for("event_staff.agenda", event_id=event.id))


# Invitations -------------------------------------------------------------------------------


@bp.route("/<int:event_id>/invite", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def invite(event_id: int):
    """Choose people with the directory's filters or by hand, see how many and who, invite."""
    event = _event(event_id)
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
    event = _event(event_id)
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
    event = _event(event_id)
    invitation = _invitation(event, invitation_id)
    form = AnswerForm()
    if not form.validate_on_submit() or request.form.get("answer") not in ("yes", "no"):
        abort(400)
    outcome = attempt(form, registrations.answer, current_user, invitation,
                      request.form["answer"] == "yes", by_staff=True)
    if outcome:
        _tell("moved_up", event, outcome.value)
        flash(_("The answer was recorded."), "success")
        return redirect(url_for("event_staff.detail", event_id=event.id))
    flash(outcome.error.message, "danger")
    return _detail_page(event, outcome.status, form)


# Guests ------------------------------------------------------------------------------------


@bp.route("/guests", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def guests():
    """The office's guests who are not alumni (officials, embassy staff, partners)."""
    office = _office_for_new()
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
    return _check_in_page(_event(event_id))


@bp.get("/<int:event_id>/check-in/code/<token>")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff; the code of this event")
def check_in_code(event_id: int, token: str):
    """Where a registrant's QR code leads: their line of this event's check-in."""
    event = _event(event_id)
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.token == token[:64])) or abort(404)
    return _check_in_page(event, highlight=invitation)


@bp.post("/<int:event_id>/check-in/<int:invitation_id>")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def check_in_person(event_id: int, invitation_id: int):
    event = _event(event_id)
    invitation = _invitation(event, invitation_id)
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
    event = _event(event_id)
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


def _proposal(event: Event, proposal_id: int):
    from alumni_app.events.models import Proposal

    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.event_id != event.id:
        abort(404)
    return proposal


def _proposals_page(event: Event, status: int = 200, form=None, failed_id=None):
    from alumni_app.events.models import Proposal
    from alumni_app.plans.models import Barrier
    from alumni_app.training.models import Sector

    found = db.session.scalars(sa.select(Proposal).where(Proposal.event_id == event.id)
                               .order_by(Proposal.kind, Proposal.sector_id, Proposal.id)).all()
    return render_template(
        "events/staff/proposals.html", event=event, proposals=found,
        sectors={s.id: s for s in db.session.scalars(sa.select(Sector))},
        barriers={b.id: b for b in db.session.scalars(sa.select(Barrier))},
        form=form or ProposalForm(formdata=None), failed_id=failed_id,
        default_start=services.to_local(event.starts_at, event.office),
        locale=str(get_locale())), status


@bp.get("/<int:event_id>/proposals")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposals(event_id: int):
    """Presenters and topics proposed from the follow-up figures, to accept or ignore."""
    return _proposals_page(_event(event_id))


@bp.post("/<int:event_id>/proposals/refresh")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposals_refresh(event_id: int):
    from alumni_app.events import proposals as proposing

    event = _event(event_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, proposing.refresh, current_user, event)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _proposals_page(event, outcome.status)
    flash(_("%(count)s proposals from the past year's results.", count=outcome.value),
          "success")
    return redirect(url_for("event_staff.proposals", event_id=event.id))


@bp.post("/<int:event_id>/proposals/<int:proposal_id>/accept")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposal_accept(event_id: int, proposal_id: int):
    from alumni_app.events import proposals as proposing

    event = _event(event_id)
    proposal = _proposal(event, proposal_id)
    form = ProposalForm()
    if form.validate_on_submit():
        outcome = attempt(form, proposing.accept, current_user, proposal, form.title.data,
                          form.starts_at.data)
        if outcome:
            flash(_("The session was added to the agenda."), "success")
            return redirect(url_for("event_staff.proposals", event_id=event.id))
        return _proposals_page(event, outcome.status, form, proposal.id)
    return _proposals_page(event, 400, form, proposal.id)


@bp.post("/<int:event_id>/proposals/<int:proposal_id>/ignore")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposal_ignore(event_id: int, proposal_id: int):
    from alumni_app.events import proposals as proposing

    event = _event(event_id)
    proposal = _proposal(event, proposal_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, proposing.ignore, current_user, proposal)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _proposals_page(event, outcome.status)
    return redirect(url_for("event_staff.proposals", event_id=event.id))
