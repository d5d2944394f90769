"""Factories for announcements and bulk messages, and the URL arguments of their routes."""

from __future__ import annotations

from alumni_app.audiences import Audience
from alumni_app.extensions import db
from alumni_app.messages import announcements
from alumni_app.messages.announcements import Values
from alumni_app.messages.models import BulkMessage
from tests import factories


def make_announcement(office, actor=None, **values):
    values.setdefault("title_en", "Call for young leaders")
    values.setdefault("body_en", "Apply **now**.")
    values.setdefault("office_id", office.id if office is not None else None)
    audience = values.pop("audience", None)
    if audience is not None and not isinstance(audience, Audience):
        audience = Audience(office_id=office.id, **audience)
    announcement = announcements.save(actor, None, Values(audience=audience, **values))
    db.session.commit()
    return announcement


def alumnus_with_record(office, make_user=None, *, language="en", email=None, **record):
    """An alumnus account whose record (of `office`) is linked to it."""
    user = factories.make_user(role="alumnus", preferred_language=language,
                               **({"email": email} if email else {}))
    record.setdefault("email", "")
    found = factories.make_record(office, **record)
    found.user_id = user.id
    db.session.commit()
    return user, found


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    announcement = make_announcement(office, users["officer"])
    message = BulkMessage(kind="announcements", office_id=office.id, subject_en="Hello",
                          body_en="Hi", announcement_id=announcement.id)
    db.session.add(message)
    db.session.commit()
    return {"announcement_id": announcement.id, "message_id": message.id}
