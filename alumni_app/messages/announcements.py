"""Announcements: saved, published to an audience, read by alumni, withdrawn or deleted.

Services flush and never commit (views commit through forms.attempt()).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app import audit
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences import Audience
from alumni_app.audiences import queries as audience_queries
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.messages import text
from alumni_app.messages.models import (
    Announcement,
    AnnouncementMember,
    AnnouncementRead,
    BulkMessage,
    Scope,
)
from alumni_app.offices.models import Office
from alumni_app.permissions import is_admin
from alumni_app.storage import StoredFile, UploadRefused, save_upload

PICTURE_TYPES = ("image/jpeg", "image/png")


class AnnouncementError(DomainError):
    MESSAGES = {
        "no-title": _l("Give a title in English or in Russian."),
        "no-body": _l("Write the text in the language of the title."),
        "title-without-body": _l("This language has a title but no text: write the text, or "
                                 "leave the title empty."),
        "script": _l("Scripts, javascript: links and event handlers are not allowed. Remove "
                     "them; links to web pages (https://...) are fine."),
        "image": _l("Pictures inside the text are not shown (they would be fetched from "
                    "another site). Upload the picture in the Picture field instead."),
        "expiry": _l("The expiry must come after the publication date."),
        "picture": _l("The picture must be a JPEG or PNG image."),
        "nobody": _l("These filters match nobody in the office. Widen them, or choose all "
                     "alumni of the office."),
        "everyone": _l("Only administrators publish to the alumni of every office."),
        "office": _l("Choose an office."),
        "consent": _l("A public item may name or show people only with their consent: confirm "
                      "that they agreed, or do not make it public."),
        "withdrawn": _l("This announcement was withdrawn already."),
        "sent": _l("This announcement was sent by e-mail, so it stays in the delivery log: "
                   "withdraw it instead of deleting it."),
    }
    status = 400


@dataclass
class Values:
    title_en: str = ""
    title_ru: str = ""
    body_en: str = ""
    body_ru: str = ""
    is_pinned: bool = False
    is_public: bool = False
    public_consent: bool = False  # the author confirms the people in it agreed to be public
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    scope: str = Scope.OFFICE.value
    office_id: int | None = None
    audience: Audience | None = None
    attachment: object = None  # an uploaded FileStorage, or None to keep the current one
    picture: object = None
    remove_attachment: bool = False
    remove_picture: bool = False


def _check(values: Values) -> None:
    if not (values.title_en or values.title_ru):
        raise AnnouncementError("no-title", "title_en")
    for lang in ("en", "ru"):
        title, body = getattr(values, f"title_{lang}"), getattr(values, f"body_{lang}")
        if title and not body:
            raise AnnouncementError("title-without-body", f"body_{lang}")
        if body and not title:
            raise AnnouncementError("no-title", f"title_{lang}")
        for field, source in ((f"title_{lang}", title), (f"body_{lang}", body)):
            found = text.problem(source)
            if found:
                raise AnnouncementError(found, field)
    if values.publish_at and values.expires_at and values.expires_at <= values.publish_at:
        raise AnnouncementError("expiry", "expires_at")
    if values.is_public and not values.public_consent:
        raise AnnouncementError("consent", "public_consent")


def _record_consent(actor, announcement: Announcement) -> None:
    """Each save as public is the author's confirmation, recorded with who and when."""
    public = announcement.is_public
    announcement.public_consent_by_id = getattr(actor, "id", None) if public else None
    announcement.public_consent_at = utcnow() if public else None


def _scope_checks(actor, values: Values) -> None:
    if values.scope == Scope.EVERYONE:
        if not is_admin(actor):
            raise AnnouncementError("everyone", "scope", status=403)
        values.office_id = None
        return
    if values.office_id is None or db.session.get(Office, values.office_id) is None:
        raise AnnouncementError("office", "office_id")
    if values.scope == Scope.GROUP:
        audience = values.audience or Audience(office_id=values.office_id)
        if audience_queries.count(audience) == 0:
            raise AnnouncementError("nobody", "scope")


def _store_files(actor, announcement: Announcement, values: Values) -> None:
    if values.remove_attachment:
        announcement.attachment_id = None
    if values.remove_picture:
        announcement.picture_id = None
    if values.attachment:
        announcement.attachment_id = _upload(actor, values.attachment, "attachment").id
    if values.picture:
        stored = _upload(actor, values.picture, "picture")
        if stored.content_type not in PICTURE_TYPES:
            raise AnnouncementError("picture", "picture")
        announcement.picture_id = stored.id


def _upload(actor, file, field: str) -> StoredFile:
    try:
        return save_upload(file, actor=actor)
    except UploadRefused as refused:
        raise UploadProblem(refused, field) from refused


class UploadProblem(AnnouncementError):
    def __init__(self, refused: UploadRefused, field: str):
        super().__init__(refused.code, field, status=refused.status)
        self.refused = refused

    @property
    def message(self) -> str:
        return self.refused.message


def _members(announcement: Announcement, audience: Audience) -> None:
    db.session.execute(sa.delete(AnnouncementMember).where(
        AnnouncementMember.announcement_id == announcement.id))
    if announcement.scope != Scope.GROUP:
        return
    db.session.execute(sa.insert(AnnouncementMember).from_select(
        ["announcement_id", "record_id"],
        sa.select(sa.literal(announcement.id), AlumnusRecord.id)
        .where(*audience_queries.conditions(audience))))


def save(actor, announcement: Announcement | None, values: Values) -> Announcement:
    """Create or change an announcement; a group announcement keeps its members as they are
    when it is saved."""
    _check(values)
    _scope_checks(actor, values)
    created = announcement is None
    if created:
        announcement = Announcement(created_by_id=getattr(actor, "id", None))
        db.session.add(announcement)
    for name in ("title_en", "title_ru", "body_en", "body_ru", "is_pinned", "is_public",
                 "expires_at", "scope", "office_id"):
        setattr(announcement, name, getattr(values, name))
    announcement.publish_at = values.publish_at or announcement.publish_at or utcnow()
    audience = values.audience or Audience(office_id=values.office_id)
    announcement.audience = json.dumps(
        audience.to_dict() if values.scope == Scope.GROUP else {}, sort_keys=True)
    announcement.search_text = f"{values.title_en} {values.title_ru}".lower()[:420]
    _store_files(actor, announcement, values)
    _record_consent(actor, announcement)
    db.session.flush()
    _members(announcement, audience)
    audit.record("announcement.created" if created else "announcement.edited", actor=actor,
                 subject=announcement, office_id=announcement.office_id,
                 scope=announcement.scope, public_consent=announcement.is_public)
    return announcement


def withdraw(actor, announcement: Announcement) -> None:
    """Take it off the alumni's pages (kept for the delivery log)."""
    taken = db.session.execute(
        sa.update(Announcement).where(Announcement.id == announcement.id,
                                      Announcement.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow()).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise AnnouncementError("withdrawn", status=409)
    audit.record("announcement.withdrawn", actor=actor, subject=announcement,
                 office_id=announcement.office_id)
    db.session.refresh(announcement)


def delete(actor, announcement: Announcement) -> None:
    """Delete one that was never sent by e-mail."""
    sent = db.session.scalar(sa.select(sa.func.count(BulkMessage.id)).where(
        BulkMessage.announcement_id == announcement.id))
    if sent:
        raise AnnouncementError("sent", status=409)
    audit.record("announcement.deleted", actor=actor, subject=None,
                 office_id=announcement.office_id, announcement_id=announcement.id,
                 title=announcement.title_en or announcement.title_ru)
    db.session.execute(sa.delete(AnnouncementMember).where(
        AnnouncementMember.announcement_id == announcement.id))
    db.session.execute(sa.delete(AnnouncementRead).where(
        AnnouncementRead.announcement_id == announcement.id))
    db.session.delete(announcement)
    db.session.flush()


# What alumni see ----------------------------------------------------------------------------

def own_record(user) -> AlumnusRecord | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(sa.select(AlumnusRecord).where(
        AlumnusRecord.user_id == user.id, AlumnusRecord.merged_into_id.is_(None)).limit(1))


def live_condition(now: datetime | None = None):
    now = now or utcnow()
    return sa.and_(Announcement.withdrawn_at.is_(None), Announcement.publish_at <= now,
                   sa.or_(Announcement.expires_at.is_(None), Announcement.expires_at > now))


def reaches_record(record_id, office_id):
    """SQL: the announcement is meant for the record `record_id` of office `office_id`."""
    member = sa.exists().where(AnnouncementMember.announcement_id == Announcement.id,
                               AnnouncementMember.record_id == record_id)
    return sa.or_(Announcement.scope == Scope.EVERYONE.value,
                  sa.and_(Announcement.scope == Scope.OFFICE.value,
                          Announcement.office_id == office_id),
                  sa.and_(Announcement.scope == Scope.GROUP.value, member))


def for_reader(user, record: AlumnusRecord | None = None) -> sa.Select | None:
    """select(Announcement, unread) of the live news meant for an alumnus, pinned first then
    newest first; None when they have no record (nothing is addressed to them)."""
    record = record or own_record(user)
    if record is None:
        return None
    unread = ~sa.exists().where(AnnouncementRead.announcement_id == Announcement.id,
                                AnnouncementRead.user_id == user.id)
    return (sa.select(Announcement, unread.label("unread"))
            .where(live_condition(), reaches_record(record.id, record.office_id))
            .order_by(Announcement.is_pinned.desc(), Announcement.publish_at.desc(),
                      Announcement.id.desc()))


def is_for(user, announcement: Announcement) -> bool:
    record = own_record(user)
    if record is None or not announcement.is_live():
        return False
    return bool(db.session.scalar(sa.select(sa.literal(True)).where(
        Announcement.id == announcement.id, reaches_record(record.id, record.office_id))))


def unread_count(user) -> int:
    query = for_reader(user)
    if query is None:
        return 0
    sub = query.order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(sub).where(sub.c.unread))


def mark_all_read(user) -> int:
    query = for_reader(user)
    if query is None:
        return 0
    ids = [a.id for a, unread in db.session.execute(query) if unread]
    if ids:
        db.session.execute(sa.insert(AnnouncementRead), [
            {"announcement_id": i, "user_id": user.id, "read_at": utcnow()} for i in ids])
    return len(ids)


def public_items() -> sa.Select:
    return (sa.select(Announcement).where(live_condition(), Announcement.is_public,
                                          Announcement.public_consent_at.is_not(None))
            .order_by(Announcement.is_pinned.desc(), Announcement.publish_at.desc(),
                      Announcement.id.desc()))


def stored(file_id: int | None) -> StoredFile | None:
    return db.session.get(StoredFile, file_id) if file_id else None


def staff_list(user, q: str = "") -> sa.Select:
    """The announcements a staff member manages: their office's (every office's, and those
    to everyone, for administrators), newest first; `q` searches the titles."""
    query = sa.select(Announcement)
    if not is_admin(user):
        query = query.where(Announcement.office_id == user.office_id)
    for word in q.lower().split()[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Announcement.search_text.like(f"%{escaped}%", escape="\\"))
    return query.order_by(Announcement.created_at.desc(), Announcement.id.desc())


def news_summary(user, limit: int = 3) -> tuple[list, int]:
    """The newest live items for the alumnus and how many are unread, in one statement (the
    dashboard's next steps and its news both read it, once per request)."""
    from flask import has_request_context, request

    # Kept on the request itself: g may outlive it (an outer app context in a shell or test).
    cache = request.environ.setdefault("alumni.news_summary", {}) if has_request_context() \
        else {}
    if user.id in cache:
        return cache[user.id]
    mine = sa.select(AlumnusRecord).where(AlumnusRecord.user_id == user.id,
                                          AlumnusRecord.merged_into_id.is_(None)).limit(1)
    record_id = mine.with_only_columns(AlumnusRecord.id).scalar_subquery()
    office_id = mine.with_only_columns(AlumnusRecord.office_id).scalar_subquery()
    unread = ~sa.exists().where(AnnouncementRead.announcement_id == Announcement.id,
                                AnnouncementRead.user_id == user.id)
    total = sa.func.sum(sa.case((unread, 1), else_=0)).over()
    rows = db.session.execute(
        sa.select(Announcement, unread.label("unread"), total.label("unread_total"))
        .where(live_condition(), reaches_record(record_id, office_id))
        .order_by(Announcement.is_pinned.desc(), Announcement.publish_at.desc(),
                  Announcement.id.desc()).limit(limit)).all()
    found = ([(row[0], row[1]) for row in rows], int(rows[0][2] or 0) if rows else 0)
    cache[user.id] = found
    return found
