"""Readable words for the codes and times of a person's data page, in their language."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from alumni_app.alumni.claim_models import ClaimState, ErasureState
from alumni_app.alumni.forms import GENDER_LABELS
from alumni_app.alumni.history import ACTION_LABELS
from alumni_app.alumni.models import Visibility

CODE_LABELS = {
    "role": {"alumnus": _l("Alumnus"), "officer": _l("Officer"), "manager": _l("Manager"),
             "admin": _l("Administrator")},
    "preferred_language": {"en": "English", "ru": "Русский"},
    "gender": {g.value: label for g, label in GENDER_LABELS.items()},
    "visibility": {Visibility.STAFF.value: _l("Only the staff of my office"),
                   Visibility.COUNTRY.value: _l("Alumni of my country"),
                   Visibility.ALL.value: _l("All alumni")},
    "claim_state": {ClaimState.PENDING.value: _l("waiting for the office"),
                    ClaimState.CONFIRMED.value: _l("confirmed by the office"),
                    ClaimState.REJECTED.value: _l("not confirmed"),
                    ClaimState.WITHDRAWN.value: _l("closed")},
    "erasure_state": {ErasureState.PENDING.value: _l("waiting for the office"),
                      ErasureState.COMPLETED.value: _l("done")},
    "action": ACTION_LABELS,
}


def code_label(kind: str, value) -> str:
    """The word for a stored code (a role, a state ...); the code itself if it has none."""
    if value is None or value == "":
        return ""
    return str(CODE_LABELS.get(kind, {}).get(value, value))


def readable_time(value) -> str:
    """An ISO date or time of the export as the locale writes it; other values unchanged."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    if isinstance(value, date):
        return format_date(value, "medium")
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    return format_date(parsed.date(), "medium") if len(text) == 10 else format_datetime(parsed,
                                                                                       "medium")
