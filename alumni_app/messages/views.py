"""Announcements: staff write and manage them; alumni read their news; anyone reads the public
success stories."""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.audiences import AudienceInvalid, parse_audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.extensions import db
from alumni_app.forms import add_error, attempt, form_status
from alumni_app.grants.calls import to_local, to_utc
from alumni_app.messages import announcements, policy
from alumni_app.messages.announcements import AnnouncementError, Values
from alumni_app.messages.forms import AnnouncementForm, ConfirmForm
from alumni_app.messages.models import Announcement, BulkMessage, Scope
from alumni_app.offices.models import Office
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import (
    STAFF_ROLES,
    Role,
    authenticated,
    is_admin,
    object_rule,
    public,
    require,
    role_required,
)
from alumni_app.storage import send_stored_file

bp = Blueprint("announcements", __name__, url_prefix="/staff/announcements")
news_bp = Blueprint("news", __name__, url_prefix="/news")
PER_PAGE = 20


def _announcement(announcement_id: int) -> Announcement:
    return db.session.get(Announcement, announcement_id) or abort(404)


def _locale() -> str:
    return str(get_locale() or "en")


# Staff ----------------------------------------------------------------------------------------

@bp.get("")
@role_required(*STAFF_ROLES)
def index():
    """The office's announcements, newest first, searchable by title."""
    q = (request.args.get("q") or "").strip()[:100]
    page = paginate(announcements.staff_list(current_user, q),
                    parse_page(request.args.get("page")), PER_PAGE)
    return render_template("messages/staff_index.html", page=page, q=q,
                           sent=_sent_counts([a.id for a in page.items]))


def _sent_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(BulkMessage.announcement_id, sa.func.count(BulkMessage.id))
        .where(BulkMessage.announcement_id.in_(ids)).group_by(BulkMessage.announcement_id)).all())


def _offices():
    if is_admin(current_user):
        return list(db.session.scalars(sa.select(Office).where(Office.is_active)
                                       .order_by(Office.name)))
    return [current_user.office] if current_user.office else []


def _zone_office(office_id: int | None) -> Office | None:
    return db.session.get(Office, office_id) if office_id else None


def _utc(local, office):
    if local is None:
        return None
    return to_utc(local, office) if office is not None else local.replace(tzinfo=UTC)


def _local(moment, office):
    if moment is None:
        return None
    return (to_local(moment, office) if office is not None else moment).replace(tzinfo=None)


def _values(form: AnnouncementForm):
    office_id = form.office_id.data or current_user.office_id
    if not is_admin(current_user):
        office_id = current_user.office_id
    office = _zone_office(office_id)
    audience = parse_audience(request.form, office_id)
    return Values(
        title_en=form.title_en.data or "", title_ru=form.title_ru.data or "",
        body_en=form.body_en.data or "", body_ru=form.body_ru.data or "",
        is_pinned=form.is_pinned.data, is_public=form.is_public.data,
        public_consent=form.public_consent.data,
        publish_at=_utc(form.publish_at.data, office), expires_at=_utc(form.expires_at.data,
                                                                       office),
        scope=form.scope.data, office_id=office_id, audience=audience,
        attachment=form.attachment.data, picture=form.picture.data,
        remove_attachment=form.remove_attachment.data,
        remove_picture=form.remove_picture.data)


def _form_page(form, announcement=None, status=200, audience=None):
    office_id = form.office_id.data or current_user.office_id
    if announcement is not None and announcement.office_id:
        office_id = announcement.office_id
    from alumni_app.audiences import Audience

    audience = audience or (Audience.from_dict(announcement.audience_dict) if announcement
                            else Audience(office_id=office_id))
    choices = audience_queries.choices(office_id) if office_id else None
    return render_template("messages/form.html", form=form, announcement=announcement,
                           audience=audience, choices=choices,
                           attachment=announcement and announcements.stored(
                               announcement.attachment_id),
                           picture=announcement and announcements.stored(
                               announcement.picture_id)), status


def _save(form, announcement):
    try:
        values = _values(form)
    except AudienceInvalid as error:
        add_error(form, error)
        return None, error.status
    outcome = attempt(form, announcements.save, current_user, announcement, values)
    if not outcome:
        return None, outcome.status
    return outcome.value, 200


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def create():
    """Write a new announcement for the office, a group of it, or everyone."""
    form = AnnouncementForm()
    form.set_choices(is_admin(current_user), _offices())
    if request.method == "GET" and current_user.office_id:
        form.office_id.data = current_user.office_id
    status = form_status()
    if form.validate_on_submit():
        saved, status = _save(form, None)
        if saved is not None:
            flash(_("The announcement was saved."), "success")
            return redirect(url_for("announcements.detail", announcement_id=saved.id))
    return _form_page(form, status=status)


@bp.route("/<int:announcement_id>/edit", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="messages.policy.can_manage")
def edit(announcement_id: int):
    """Change an announcement (e-mails already sent keep the text they were sent with)."""
    announcement = _announcement(announcement_id)
    require(policy.can_manage(current_user, announcement), announcement)
    office = announcement.office
    form = AnnouncementForm(obj=announcement) if request.method == "POST" else AnnouncementForm(
        formdata=None, obj=announcement, publish_at=_local(announcement.publish_at, office),
        expires_at=_local(announcement.expires_at, office))
    if request.method == "GET":
        form.office_id.data = announcement.office_id or 0
    form.set_choices(is_admin(current_user), _offices())
    status = form_status()
    if form.validate_on_submit():
        saved, status = _save(form, announcement)
        if saved is not None:
            flash(_("The announcement was saved."), "success")
            return redirect(url_for("announcements.detail", announcement_id=saved.id))
    return _form_page(form, announcement, status)


@bp.get("/<int:announcement_id>")
@object_rule(*STAFF_ROLES, description="messages.policy.can_manage")
def detail(announcement_id: int):
    """The announcement as alumni read it, who it is for, and the e-mails sent with it."""
    announcement = _announcement(announcement_id)
    require(policy.can_manage(current_user, announcement), announcement)
    from alumni_app.accounts.models import User
    from alumni_app.messages import bulk

    consent_by = db.session.get(User, announcement.public_consent_by_id) \
        if announcement.public_consent_by_id else None
    return render_template(
        "messages/staff_detail.html", announcement=announcement, consent_by=consent_by,
        audience_size=bulk.audience_size(announcement),
        messages=bulk.messages_of(announcement.id),
        attachment=announcements.stored(announcement.attachment_id),
        picture=announcements.stored(announcement.picture_id))


def _confirm(announcement_id: int, action, template: str, done: str):
    announcement = _announcement(announcement_id)
    require(policy.can_manage(current_user, announcement), announcement)
    form, status = ConfirmForm(), 200
    if form.validate_on_submit():
        outcome = attempt(form, action, current_user, announcement)
        if outcome:
            flash(done, "success")
            return redirect(url_for("announcements.index") if action is announcements.delete
                            else url_for("announcements.detail",
                                         announcement_id=announcement_id))
        status = outcome.status
    return render_template(template, announcement=announcement, form=form), status


@bp.route("/<int:announcement_id>/withdraw", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="messages.policy.can_manage")
def withdraw(announcement_id: int):
    """Ask, then take the announcement off the alumni's pages."""
    return _confirm(announcement_id, announcements.withdraw, "messages/confirm_withdraw.html",
                    _("The announcement was withdrawn: alumni no longer see it."))


@bp.route("/<int:announcement_id>/delete", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="messages.policy.can_manage")
def delete(announcement_id: int):
    """Ask, then delete an announcement never sent by e-mail."""
    return _confirm(announcement_id, announcements.delete, "messages/confirm_delete.html",
                    _("The announcement was deleted."))


# Alumni and the public -------------------------------------------------------------------------

@news_bp.get("", endpoint="index")
@authenticated
def news_index():
    """The alumnus's news: pinned first, then newest first; unread ones marked."""
    query = announcements.for_reader(current_user)
    page = None
    if query is not None:
        page = paginate(query, parse_page(request.args.get("page")), PER_PAGE, rows=True)
    return render_template("messages/news.html", page=page, locale=_locale(),
                           form=ConfirmForm(formdata=None))


@news_bp.post("/read")
@authenticated
def mark_read():
    """Mark every item of the news as read."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    announcements.mark_all_read(current_user)
    db.session.commit()
    flash(_("All news marked as read."), "success")
    return redirect(url_for("news.index"))


@news_bp.get("/<int:announcement_id>")
@object_rule(description="messages.policy.can_read")
def item(announcement_id: int):
    """One announcement in full."""
    announcement = _announcement(announcement_id)
    require(policy.can_read(current_user, announcement), announcement)
    return render_template("messages/item.html", announcement=announcement, locale=_locale(),
                           attachment=announcements.stored(announcement.attachment_id),
                           public_view=False)


@news_bp.get("/<int:announcement_id>/attachment")
@object_rule(description="messages.policy.can_read")
def attachment(announcement_id: int):
    announcement = _announcement(announcement_id)
    require(policy.can_read(current_user, announcement), announcement)
    stored = announcements.stored(announcement.attachment_id) or abort(404)
    return send_stored_file(stored)


@news_bp.get("/<int:announcement_id>/picture")
@public
def picture(announcement_id: int):
    """The picture: for anyone when the item is public, else for its readers."""
    announcement = _announcement(announcement_id)
    public_item = announcement.is_shown_publicly()
    if not public_item and not (current_user.is_authenticated
                                and policy.can_read(current_user, announcement)):
        abort(404)
    stored = announcements.stored(announcement.picture_id) or abort(404)
    return send_stored_file(stored)


@news_bp.get("/public")
@public
def public_index():
    """Success stories and news anyone may read, without logging in."""
    page = paginate(announcements.public_items(), parse_page(request.args.get("page")),
                    PER_PAGE)
    return render_template("messages/public.html", page=page, locale=_locale())


@news_bp.get("/public/<int:announcement_id>")
@public
def public_item(announcement_id: int):
    announcement = _announcement(announcement_id)
    if not announcement.is_shown_publicly():
        abort(404)
    return render_template("messages/item.html", announcement=announcement, locale=_locale(),
                           attachment=None, public_view=True)


MANAGERS = (Role.MANAGER, Role.ADMIN)
__all__ = ["bp", "news_bp", "AnnouncementError", "Scope"]
