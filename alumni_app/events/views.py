"""The alumnus's event pages: their invitations and the office's open events, an event's
details and agenda, the answer (yes, no, or registering), and their check-in QR code."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from alumni_app.events import calendar, certificates, pages, policy, registrations, tasks
from alumni_app.events.certificate_views import pdf_response
from alumni_app.events.errors import EventError
from alumni_app.events.forms import AnswerForm
from alumni_app.events.models import Answer, Event
from alumni_app.extensions import db
from alumni_app.forms import attempt
from alumni_app.permissions import Role, object_rule, role_required

bp = Blueprint("events", __name__, url_prefix="/events")


@bp.record_once
def _register_helpers(state) -> None:
    from flask_babel import lazy_gettext as _l

    from alumni_app.alumni.privacy import register_export
    from alumni_app.events import export, notifications
    from alumni_app.events import hooks as event_hooks
    from alumni_app.events.labels import answer_label, template_helpers

    state.app.jinja_env.globals.update(template_helpers())
    event_hooks.register(state.app)
    notifications.register(state.app)  # each alumnus's own parts of the events' bulk mail
    register_export(state.app, "event_invitations",
                    _l("Events: invitations, answers and attendance"), export.events_of,
                    answer_label)


@bp.get("")
@role_required(Role.ALUMNUS)
def mine():
    """The events the alumnus is invited to, and the open ones of their office."""
    record = policy.own_record(current_user)
    return render_template("events/mine.html", record=record, rows=pages.own_events(record),
                           locale=str(get_locale()))


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id) or abort(404)
    if not policy.can_view_event(current_user, event):
        abort(404)
    return event


def _page(event: Event, form=None, status: int = 200):
    invitation = policy.own_invitation(current_user, event)
    qr = None
    if invitation is not None and invitation.answer == Answer.YES.value and event.is_live:
        # segno's own SVG of a URL we built: no text of anyone's in it.
        qr = Markup(calendar.qr_svg(url_for(  # noqa: S704
            "event_staff.check_in_code", event_id=event.id, token=invitation.token,
            _external=True)))
    rank = registrations.waiting_rank(invitation) if invitation is not None else None
    scripts = (certificates.scripts_of(invitation)
               if invitation is not None and invitation.checked_in_at else [])
    return render_template("events/detail.html", event=event, invitation=invitation, qr=qr,
                           rank=rank, certificate_scripts=scripts,
                           form=form or AnswerForm(formdata=None),
                           can_answer=event.answers_open(), locale=str(get_locale())), status


@bp.get("/<int:event_id>")
@object_rule(Role.ALUMNUS, description="events.policy.can_view_event (invited, or open)")
def detail(event_id: int):
    return _page(_event(event_id))


@bp.post("/<int:event_id>/answer")
@object_rule(Role.ALUMNUS, description="events.policy.can_view_event (invited, or open)")
def answer(event_id: int):
    """Yes or no; a yes to an open event the alumnus was not invited to registers them."""
    event = _event(event_id)
    form = AnswerForm()
    choice = request.form.get("answer")
    if not form.validate_on_submit() or choice not in ("yes", "no"):
        abort(400)
    record = policy.own_record(current_user)

    def give_answer():
        if record is None:
            raise EventError("no-record", "answer", status=403)
        invitation = policy.own_invitation(current_user, event)
        if choice == "yes":
            return registrations.register(current_user, event, record.id)[1]
        if invitation is None:
            raise EventError("not-invited", "answer", status=403)
        return registrations.answer(current_user, invitation, False)

    outcome = attempt(form, give_answer)
    if not outcome:
        return _page(event, form, outcome.status)
    if outcome.value:
        tasks.queue_mail("moved_up", event.id, [i.id for i in outcome.value])
    invitation = policy.own_invitation(current_user, event)
    flash({"yes": _("Thank you: you are registered."),
           "waiting": _("The event is full: you are on the waiting list, number %(position)s. "
                        "We will write to you if a seat becomes free.",
                        position=registrations.waiting_rank(invitation)),
           "no": _("Thank you: we noted that you will not come.")}.get(invitation.answer, ""),
          "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.get("/<int:event_id>/certificate.pdf")
@object_rule(Role.ALUMNUS, description="events.policy.can_view_event, and their own invitation")
def certificate(event_id: int):
    """The alumnus's own certificate of attendance, their name in the script they choose."""
    event = _event(event_id)
    invitation = policy.own_invitation(current_user, event) or abort(404)
    try:
        cert = certificates.certificate(invitation, request.args.get("script"))
    except EventError as error:
        flash(error.message, "danger")
        return _page(event, status=error.status)
    return pdf_response(cert)
