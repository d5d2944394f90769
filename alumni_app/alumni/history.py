"""A record's history as staff read it: its events, its merged duplicates', who and what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from alumni_app import audit_words
from alumni_app.accounts.models import User
from alumni_app.alumni.forms import GENDER_LABELS
from alumni_app.alumni.models import AlumnusRecord, Visibility
from alumni_app.alumni.services import POST_VALUES, merged_ids
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.training.models import Course, Region, Sector

SHOWN = 300


FIELD_LABELS = {
    "given_name": _l("Given name (Latin)"), "family_name": _l("Family name (Latin)"),
    "given_name_cyr": _l("Given name (Cyrillic)"), "family_name_cyr": _l("Family name (Cyrillic)"),
    "gender": _l("Gender"), "birth_year": _l("Year of birth"), "region_id": _l("Region"),
    "organization": _l("Organization"), "position": _l("Position"), "email": _l("E-mail"),
    "email_alt": _l("Other e-mail"), "phone": _l("Phone"), "languages": _l("Languages"),
    "bio": _l("About"), "is_verified": _l("Record verified by the office"),
    "post_started_on": _l("In the current post since"), "sectors": _l("Sectors"),
    "visibility": _l("Who sees me in the directory"), "show_email": _l("E-mail shown"),
    "show_phone": _l("Phone shown"), "started_on": _l("From"), "ended_on": _l("Until"),
    "nominating_organization": _l("Nominating organization"),
    "position_at_nomination": _l("Position at nomination"),
}


DATE_FIELDS = frozenset({"post_started_on", "started_on", "ended_on", "moved_on"})
VISIBILITY_WORDS = {Visibility.STAFF.value: _l("Only the staff of my office"),
                    Visibility.COUNTRY.value: _l("Alumni of my country"),
                    Visibility.ALL.value: _l("All alumni")}
NOMINATION_FIELDS = ("nominating_organization", "position_at_nomination")


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@dataclass
class Names:
    """Region and sector names the history's values refer to, in the user's language."""

    regions: dict[int, str] = field(default_factory=dict)
    sectors: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, events: list[AuditEvent]) -> Names:
        region_ids, sector_ids = set(), set()
        for event in events:
            for name, change in (event.details_dict.get("changes") or {}).items():
                values = [v for v in change if v] if isinstance(change, list) else []
                if name == "region_id":
                    region_ids.update(v for v in values if isinstance(v, int))
                elif name == "sectors":
                    sector_ids.update(i for v in values if isinstance(v, list) for i in v)
        locale = str(get_locale())
        regions = db.session.scalars(sa.select(Region).where(Region.id.in_(region_ids)))
        sectors = db.session.scalars(sa.select(Sector).where(Sector.id.in_(sector_ids)))
        return cls({r.id: r.name(locale) for r in regions},
                   {s.id: s.name(locale) for s in sectors})


def readable(name: str, value, names: Names) -> str:
    """A value of a field as people read it: dates per locale, names for ids, words for codes."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if name in DATE_FIELDS:
        try:
            return format_date(date.fromisoformat(str(value)[:10]), "medium")
        except ValueError:
            return str(value)
    if name == "region_id":
        return names.regions.get(value, f"#{value}")
    if name == "sectors" and isinstance(value, list):
        return ", ".join(names.sectors.get(i, f"#{i}") for i in value)
    words = {"gender": GENDER_LABELS, "visibility": VISIBILITY_WORDS}.get(name, {})
    return str(words.get(value, value))


@dataclass
class Change:
    label: str
    old: str
    new: str | None = None  # None: a value shown alone (a deleted post's organization ...)


def _changes(details: dict, names: Names) -> list[Change]:
    """What an event changed, and what a deleted post or a removed course said."""
    found = [Change(field_label(n), readable(n, c[0], names), readable(n, c[1], names))
             for n, c in (details.get("changes") or {}).items()
             if isinstance(c, list) and len(c) == 2]
    deleted = details.get("post") if isinstance(details.get("post"), dict) else {}
    kept = {**{f: deleted.get(f) for f in POST_VALUES}, **{f: details.get(f) for f in
                                                           NOMINATION_FIELDS}}
    found += [Change(field_label(n), readable(n, v, names)) for n, v in kept.items() if v]
    return found


@dataclass
class Entry:
    event: AuditEvent
    label: str
    by: str  # a user's name, "command line (login)", or "" for the system
    course: str  # the course an event is about, if any
    from_duplicate: int | None  # the merged duplicate the event is about, if not this record
    changes: list[Change] = field(default_factory=list)
    moved_on: str = ""  # the day a move to a new post took effect, as the locale writes it


def _by(event: AuditEvent, names: dict[int, str]) -> str:
    details = event.details_dict
    if event.actor_id is not None:
        return names.get(event.actor_id, f"#{event.actor_id}")
    if details.get("via") == "command line":
        return str(_l("command line (%(login)s)")) % {"login": details.get("os_user", "?")}
    return ""


def record_history(record: AlumnusRecord) -> list[Entry]:
    """The latest events of the record and of every record merged into it, newest first."""
    ids = [record.id, *merged_ids(record.id)]
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "AlumnusRecord",
                                    AuditEvent.subject_id.in_(ids))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(SHOWN)).all()
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {i: n for i, n in db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(actor_ids)))}
    course_ids = {e.details_dict.get("course_id") for e in events} - {None}
    codes = {i: c for i, c in db.session.execute(
        sa.select(Course.id, Course.code).where(Course.id.in_(course_ids)))}
    values = Names.of(events)
    return [Entry(e, audit_words.label(e.action), _by(e, names),
                  codes.get(e.details_dict.get("course_id"), ""),
                  e.subject_id if e.subject_id != record.id else None,
                  _changes(e.details_dict, values),
                  readable("moved_on", e.details_dict["moved_on"], values)
                  if e.details_dict.get("moved_on") else "") for e in events]
