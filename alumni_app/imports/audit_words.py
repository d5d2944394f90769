"""The audit log's words for imports and the names an office's files use for places."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.imports.models import ImportAlias
from alumni_app.permissions import is_staff

ACTIONS = {
    "records.imported": Wording(_l("Records imported"),
                                _l("%(actor)s imported records for the office %(subject)s")),
    "import.alias.forgotten": Wording(
        _l("Name of a place forgotten"),
        _l("%(actor)s forgot what the office's files meant by %(subject)s")),
}


def _alias_url(_alias: ImportAlias, reader) -> str | None:
    return url_for("imports.aliases") if is_staff(reader) else None


SUBJECTS = {"ImportAlias": Subject(ImportAlias, lambda a: f"“{a.text}”", _alias_url)}


def register(app) -> None:
    register_words(app, ACTIONS, SUBJECTS)
