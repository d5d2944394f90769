"""Sending an announcement by e-mail (preview, then queue), the delivery log, one-click
unsubscribe and the alumni's mail preferences."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.extensions import csrf, db
from alumni_app.forms import attempt, form_status
from alumni_app.messages import announcements, bulk, policy, preferences, tokens
from alumni_app.messages.forms import ConfirmForm, PreferencesForm, SendForm
from alumni_app.messages.models import (
    Announcement,
    BulkMessage,
    Kind,
    MessageRecipient,
    RecipientState,
)
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import STAFF_ROLES, authenticated, object_rule, public, require

bp = Blueprint("bulk_mail", __name__, url_prefix="/staff/messages")
unsubscribe_bp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")
preferences_bp = Blueprint("mail_preferences", __name__, url_prefix="/account/mail")
PER_PAGE = 50


def _announcement(announcement_id: int) -> Announcement:
    found = db.session.get(Announcement, announcement_id) or abort(404)
    require(policy.can_manage(current_user, found), found)
    return found


@bp.route("/announcement/<int:announcement_id>", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="messages.policy.can_manage")
def send(announcement_id: int):
    """Preview who gets the e-mail and how it reads in each language; then queue it."""
    announcement = _announcement(announcement_id)
    form = SendForm()
    status = form_status()
    found = bulk.preview(announcement)
    if form.validate_on_submit():
        if not found.reaches_anyone:
            form.form_errors.append(_("Nobody would receive this e-mail: nobody in its "
                                      "audience has an address that works and wants it."))
            status = 400
        else:
            outcome = attempt(form, bulk.send_announcement, current_user, announcement)
            if outcome:
                flash(_("The e-mail is being sent to %(n)s people. The delivery log shows "
                        "how it goes.", n=found.will_send), "success")
                return redirect(url_for("bulk_mail.log", message_id=outcome.value.id))
            status = outcome.status
    return render_template("messages/send.html", announcement=announcement, form=form,
                           preview=found), status


def _message(message_id: int) -> BulkMessage:
    found = db.session.get(BulkMessage, message_id) or abort(404)
    require(policy.can_see_message(current_user, found), found)
    return found


@bp.get("/<int:message_id>")
@object_rule(*STAFF_ROLES, description="messages.policy.can_see_message")
def log(message_id: int):
    """Per message: each person's delivery (queued, sent, failed with the server's answer,
    bounced, unsubscribed), filterable by state."""
    message = _message(message_id)
    state = request.args.get("state") or None
    if state not in {s.value for s in RecipientState}:
        state = None
    query = (sa.select(MessageRecipient).where(MessageRecipient.message_id == message.id)
             .order_by(MessageRecipient.id))
    if state:
        query = query.where(MessageRecipient.state == state)
    page = paginate(query, parse_page(request.args.get("page")), PER_PAGE)
    records = _records([r.record_id for r in page.items])
    return render_template("messages/log.html", message=message, page=page, state=state,
                           tally=bulk.state_counts([message.id]).get(message.id, {}),
                           records=records)


def _records(ids: list[int]) -> dict:
    from alumni_app.alumni.models import AlumnusRecord

    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.id.in_(ids)))}


@bp.get("/person/<int:record_id>")
@object_rule(*STAFF_ROLES, description="alumni.policy: the record's office staff")
def person(record_id: int):
    """Per person: every bulk message sent to them, and whether their address bounced."""
    from alumni_app.alumni.models import AlumnusRecord
    from alumni_app.permissions import same_office

    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    require(same_office(current_user, record.office_id), record)
    page = paginate(
        sa.select(MessageRecipient).where(MessageRecipient.record_id == record.id)
        .order_by(MessageRecipient.id.desc()), parse_page(request.args.get("page")), PER_PAGE)
    addresses = {r.address.lower() for r in page.items if r.address}
    if record.email:
        addresses.add(record.email.lower())
    bounces = [b for b in (preferences.bounced(a) for a in sorted(addresses)) if b]
    return render_template("messages/person.html", record=record, page=page, bounces=bounces,
                           opted_out=preferences.opted_out(record.id),
                           form=ConfirmForm(formdata=None))


@bp.post("/person/<int:record_id>/clear-bounce")
@object_rule(*STAFF_ROLES, description="alumni.policy: the record's office staff")
def clear_bounce(record_id: int):
    """The address was fixed (or the mailbox works again): send to it again."""
    from alumni_app.alumni.models import AlumnusRecord
    from alumni_app.permissions import same_office

    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    require(same_office(current_user, record.office_id), record)
    form = ConfirmForm()
    address = (request.form.get("address") or "").strip()[:254]
    if form.validate_on_submit() and attempt(form, preferences.clear_bounce, current_user,
                                             address, record.office_id):
        flash(_("The address is no longer marked as bouncing."), "success")
    return redirect(url_for("bulk_mail.person", record_id=record.id))


# Unsubscribe (no login) ----------------------------------------------------------------------

def _link(token: str):
    found = tokens.read(token)
    if found is None:
        return None
    from alumni_app.alumni.models import AlumnusRecord

    record_id, kind = found
    return (record_id, kind) if db.session.get(AlumnusRecord, record_id) else None


@unsubscribe_bp.get("/<token>")
@public
def confirm(token: str):
    """Ask before unsubscribing (mail scanners follow links; a GET changes nothing)."""
    found = _link(token)
    if found is None:
        return render_template("messages/unsubscribe_invalid.html"), 404
    record_id, kind = found
    already = kind in preferences.opted_out(record_id)
    return render_template("messages/unsubscribe.html", token=token, kind=kind,
                           kind_label=bulk.kind_label(kind), already=already, done=False)


@unsubscribe_bp.post("/<token>")
@public
@csrf.exempt
def unsubscribe(token: str):
    """Turn that kind of message off (the signed link is the proof; RFC 8058 one-click)."""
    found = _link(token)
    if found is None:
        return render_template("messages/unsubscribe_invalid.html"), 404
    record_id, kind = found
    preferences.unsubscribe(record_id, kind)
    db.session.commit()
    return render_template("messages/unsubscribe.html", token=token, kind=kind,
                           kind_label=bulk.kind_label(kind), already=True, done=True)


# Preferences ----------------------------------------------------------------------------------

@preferences_bp.route("", methods=["GET", "POST"])
@authenticated
def edit():
    """Which kinds of message the alumnus wants (e-mail and Telegram alike)."""
    record = announcements.own_record(current_user)
    off = preferences.opted_out(record.id) if record else set()
    form = PreferencesForm(data={k.value: k.value not in off for k in Kind})
    status = form_status()
    if record is not None and form.validate_on_submit():
        wanted = {k.value: bool(form[k.value].data) for k in Kind}
        outcome = attempt(form, preferences.set_preferences, current_user, record, wanted)
        if outcome:
            flash(_("Your mail preferences were saved."), "success")
            return redirect(url_for("mail_preferences.edit"))
        status = outcome.status
    from alumni_app.messages import telegram

    return render_template("messages/preferences.html", form=form, record=record,
                           telegram=telegram.state_for(current_user),
                           confirm=ConfirmForm(formdata=None)), status


@preferences_bp.post("/telegram/link")
@authenticated
def telegram_link():
    """A one-time deep link to the office's bot (Telegram must be on)."""
    from alumni_app.messages import telegram

    if not telegram.enabled():
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    url = telegram.start_link(current_user)
    db.session.commit()
    return render_template("messages/telegram_link.html", url=url,
                           minutes=telegram.CODE_MINUTES)


@preferences_bp.post("/telegram/unlink")
@authenticated
def telegram_unlink():
    from alumni_app.messages import telegram

    if not telegram.enabled():
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        telegram.unlink(current_user)
        db.session.commit()
        flash(_("Telegram is unlinked: messages come by e-mail only."), "success")
    return redirect(url_for("mail_preferences.edit"))
