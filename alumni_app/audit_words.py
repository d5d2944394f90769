"""The audit log in words: what each recorded action means, who did it, to what, with a link.

One registry for every page that shows audit events (the staff dashboard, the audit log, a
person's data page, a record's history). Each feature registers the words of its own actions
and how to name and link its own objects (`<feature>/audit_words.py`, registered by
create_app), so this module imports no feature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import lazyload

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db

OTHER = _l("Other recorded event")
SOMEONE = _l("Someone")


@dataclass(frozen=True)
class Wording:
    """The words of one action: a title (filters, lists) and a sentence.

    The sentence may hold %(actor)s (who did it) and %(subject)s (what it was done to, linked
    when the reader may open it); `own` is the sentence when people did it to themselves.
    """

    label: object
    sentence: object
    own: object = None


@dataclass(frozen=True)
class Subject:
    """How to name and link the objects of one model: `name(obj)`, `url(obj, reader)`."""

    model: type
    name: Callable
    url: Callable = lambda _obj, _reader: None


@dataclass(frozen=True)
class Described:
    event: AuditEvent
    label: str
    sentence: Markup
    actor: str
    subject: Markup


def _file_name(stored) -> str:
    return stored.original_name or "—"


def register_core(app) -> None:
    """The words of the actions of the app's shared parts (stored files)."""
    from alumni_app.storage import StoredFile

    register(app, {"file.stored": Wording(_l("File uploaded"),
                                          _l("%(actor)s uploaded the file %(subject)s"))},
             {"StoredFile": Subject(StoredFile, _file_name)})


def _registry(app=None) -> dict:
    app = app or current_app
    return app.extensions.setdefault("audit_words", {"actions": {}, "subjects": {},
                                                     "resolvers": []})


def register(app, actions: dict[str, Wording] | None = None,
             subjects: dict[str, Subject] | None = None,
             resolver: Callable[[str], Wording | None] | None = None) -> None:
    """Add a feature's words: a table of actions, its objects, or a function for a family of
    actions built from parts (the grant workflow's "grant.<machine>.<action>")."""
    registry = _registry(app)
    registry["actions"].update(actions or {})
    registry["subjects"].update(subjects or {})
    if resolver is not None and resolver not in registry["resolvers"]:
        registry["resolvers"].append(resolver)


def wording(code: str) -> Wording | None:
    """The words of an action code, or None when nothing registered has words for it."""
    registry = _registry()
    found = registry["actions"].get(code)
    for resolve in registry["resolvers"]:
        found = found or resolve(code)
    return found


def label(code: str) -> str:
    found = wording(code)
    return str(found.label) if found else str(OTHER)


def action_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, title) for a select of actions, in the reader's alphabetical order."""
    return sorted(((code, label(code)) for code in codes), key=lambda pair: pair[1].casefold())


def _load_subjects(events: list[AuditEvent]) -> dict[tuple[str, int], object]:
    """The events' objects and the people who acted, one query per kind of object."""
    subjects, wanted = _registry()["subjects"], {}
    for event in events:
        if event.subject_type in subjects and event.subject_id is not None:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
        if event.actor_id is not None:  # loaded with the accounts the events are about
            wanted.setdefault("User", set()).add(event.actor_id)
    found = {}
    for kind, ids in wanted.items():
        model = subjects[kind].model if kind in subjects else _user_model()
        # The names need no related rows: no eager loading of, e.g., a record's sectors.
        for obj in db.session.scalars(sa.select(model).where(model.id.in_(ids))
                                      .options(lazyload("*"))):
            found[(kind, obj.id)] = obj
    return found


def _user_model():
    from alumni_app.accounts.models import User

    return User


def _subject_text(event: AuditEvent, obj, reader) -> Markup:
    if obj is None:
        return Markup("")
    kind = _registry()["subjects"][event.subject_type]
    name, url = str(kind.name(obj) or "—"), kind.url(obj, reader)
    if url:
        return Markup('<a href="{}">{}</a>').format(url, name)
    return escape(name)


def describe(events: list[AuditEvent], reader=None) -> list[Described]:
    """Each event in the reader's words: title, sentence, who, and its object linked."""
    reader = reader if reader is not None else current_user
    objects = _load_subjects(events)
    described = []
    for event in events:
        found = wording(event.action)
        person = objects.get(("User", event.actor_id))
        actor = person.display_name if person is not None else str(SOMEONE)
        subject = _subject_text(event, objects.get((event.subject_type, event.subject_id)),
                                reader)
        own = (found and found.own and event.subject_type == "User"
               and event.subject_id == event.actor_id)
        template = (found.own if own else found.sentence) if found else OTHER
        # As Jinja's gettext does: the catalog is trusted, the values are escaped by Markup.
        sentence = Markup(str(template)) % {"actor": actor, "subject": subject}  # noqa: S704
        described.append(Described(event, label(event.action), sentence, actor, subject))
    return described
