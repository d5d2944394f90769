"""The audit log's words for offices."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.offices.models import Office
from alumni_app.permissions import is_admin

ACTIONS = {
    "office.created": Wording(_l("Office created"), _l("%(actor)s created the office %(subject)s")),
    "office.updated": Wording(_l("Office changed"), _l("%(actor)s changed the office %(subject)s")),
}


def _url(office: Office, reader) -> str | None:
    return url_for("offices.edit", office_id=office.id) if is_admin(reader) else None


def register(app) -> None:
    register_words(app, ACTIONS, {"Office": Subject(Office, lambda o: o.name, _url)})
