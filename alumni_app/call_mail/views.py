"""Sending a call for mini-grant proposals by e-mail: write (prefilled from the call), preview
the exact numbers and each language's version, then queue it once."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.audiences import Audience, AudienceInvalid, parse_audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.call_mail import sending
from alumni_app.call_mail.forms import CallMailForm
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.forms import add_error, attempt, form_status
from alumni_app.grants import policy
from alumni_app.grants.models import GrantCall
from alumni_app.messages.models import Scope
from alumni_app.permissions import STAFF_ROLES, object_rule, require

bp = Blueprint("grant_call_mail", __name__, url_prefix="/staff/grants/calls")
RULE = ("grants.policy.is_office_staff (the staff of the call's office); a call not published "
        "or already closed is refused with a 409")


def _call(call_id: int) -> GrantCall:
    found = db.session.get(GrantCall, call_id) or abort(404)
    require(policy.is_office_staff(current_user, found), found)
    return found


def _audience(form: CallMailForm, call: GrantCall) -> Audience:
    if form.scope.data == Scope.GROUP.value:
        return parse_audience(request.form, call.office_id)
    return Audience(office_id=call.office_id)


def _compose_page(call: GrantCall, form: CallMailForm, audience: Audience, status: int = 200):
    return render_template("grants/calls/mail_form.html", call=call, form=form,
                           audience=audience, locale=str(get_locale() or "en"),
                           choices=audience_queries.choices(call.office_id)), status


def _not_open(call: GrantCall):
    return render_template("grants/calls/mail_not_open.html", call=call,
                           message=sending.CallMailError("not-open").message), 409


@bp.route("/<int:call_id>/mail", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description=RULE)
def compose(call_id: int):
    """Write the e-mail (prefilled from the call) and choose who gets it; posted, the preview
    with the exact numbers and each language's version."""
    call = _call(call_id)
    if not sending.is_open(call):
        return _not_open(call)
    audience = Audience(office_id=call.office_id)
    if request.method == "GET":
        texts = sending.prefilled(call)
        data = {**{f"subject_{lang}": texts.subjects[lang] for lang in sending.LANGUAGES},
                **{f"body_{lang}": texts.bodies[lang] for lang in sending.LANGUAGES}}
        return _compose_page(call, CallMailForm(formdata=None, data=data), audience)
    form, status = CallMailForm(), form_status()
    if form.validate_on_submit():
        try:
            audience = _audience(form, call)
            if request.form.get("change"):
                return _compose_page(call, form, audience)
            return _preview_page(call, form, audience)
        except DomainError as error:  # AudienceInvalid, CallMailError
            add_error(form, error)
            status = error.status
    return _compose_page(call, form, audience, status)


def _preview_page(call: GrantCall, form: CallMailForm, audience: Audience):
    texts = form.texts()
    sending.check_texts(texts)
    found = sending.preview(call, audience, texts)
    problem = sending.refusal(call, found)
    if problem is not None:
        raise problem
    form.send_key.data = secrets.token_urlsafe(24)
    return render_template("grants/calls/mail_preview.html", call=call, form=form,
                           audience=audience, preview=found,
                           scope_label=dict(form.scope.choices).get(form.scope.data))


@bp.post("/<int:call_id>/mail/send")
@object_rule(*STAFF_ROLES, description=RULE)
def send(call_id: int):
    """Queue the previewed e-mail (sending starts after the commit); the same form posted
    again queues nothing more."""
    call = _call(call_id)
    form = CallMailForm()
    audience = Audience(office_id=call.office_id)
    if form.validate_on_submit() and form.send_key.data:
        try:
            audience = _audience(form, call)
        except AudienceInvalid as error:
            add_error(form, error)
            return _compose_page(call, form, audience, error.status)
        outcome = attempt(form, sending.send, current_user, call, audience, form.texts(),
                          form.send_key.data)
        if outcome:
            sent = outcome.value
            if sent.new:
                flash(_("The e-mail is being sent to %(n)s people. The delivery log shows "
                        "how it goes.", n=sent.recipients), "success")
            else:
                flash(_("This e-mail was queued already (the form was sent twice): it goes "
                        "out once."), "info")
            return redirect(url_for("bulk_mail.log", message_id=sent.message_id))
        if outcome.status == 409:
            return _not_open(call)
        return _compose_page(call, form, audience, outcome.status)
    if not form.send_key.data:
        form.form_errors.append(_("Preview the e-mail before sending it."))
    return _compose_page(call, form, audience, 400)
