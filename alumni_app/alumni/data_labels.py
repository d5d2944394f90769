"""Readable words for the codes and times of a person's data page, in their language."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from alumni_app import audit_words
from alumni_app.alumni.claim_models import ClaimState, ErasureState
from alumni_app.alumni.forms import GENDER_LABELS
from alumni_app.alumni.history import FIELD_LABELS
from alumni_app.alumni.models import Visibility
from alumni_app.times import format_moment

ROLE_LABELS = {"alumnus": _l("Alumnus"), "officer": _l("Officer"), "manager": _l("Manager"),
               "admin": _l("Administrator")}
CODE_LABELS = {
    "role": ROLE_LABELS,
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
    "reason": {"password": _l("wrong password"), "unknown-email": _l("unknown address"),
               "inactive": _l("account deactivated"),
               "second-factor-totp": _l("wrong authenticator code"),
               "second-factor-recovery-code": _l("wrong recovery code"),
               "changed": _l("changed in the account settings"),
               "reset": _l("reset by e-mail"), "invitation": _l("set on accepting the invitation"),
               "command line": _l("set from the command line")},
    "method": {"password": _l("password"), "totp": _l("authenticator app"),
               "recovery-code": _l("recovery code"), "invitation": _l("invitation link")},
    "purpose": {"current-password": _l("confirming a change"),
                "password-change": _l("changing the password"),
                "email-change": _l("changing the e-mail address"),
                "second-factor-disable": _l("turning the second factor off"),
                "second-factor-reset": _l("resetting someone's second factor"),
                "recovery-codes": _l("making new recovery codes")},
    "via": {"admin page": _l("the administration pages"),
            "command line": _l("the command line")},
    "source": {"import": _l("an imported list")},
    "consent": {"given": _l("given"), "withdrawn": _l("taken back"), "none": _l("unchanged")},
    "post": {"moved": _l("a new post"), "corrected": _l("a correction")},
}
# The details shown on the data page, with their titles; the JSON download has all of them.
# Not shown: internal ids, the operator's login on the server, file names, counters.
DETAIL_LABELS = {
    "changes": _l("Changed"), "post": _l("Change of post"),
    "moved_on": _l("In the new post since"), "source": _l("Source of the change"),
    "via": _l("Done through"), "reason": _l("Reason"), "method": _l("With"),
    "remember": _l("Stay logged in"), "purpose": _l("Purpose"), "email": _l("Address typed"),
    "old": _l("Old address"), "new": _l("New address"), "role": _l("Role"),
    "old_role": _l("Old role"), "new_role": _l("New role"), "consent": _l("Consent"),
    "enabled": _l("Reminders"), "password_voided": _l("Password turned off"),
    "nominating_organization": _l("Nominating organization"),
    "position_at_nomination": _l("Position at nomination"),
}
ACCOUNT_FIELD_LABELS = {"display_name": _l("Your name"), "preferred_language": _l("Language")}
CODED_DETAILS = {"role": "role", "old_role": "role", "new_role": "role"}


def code_label(kind: str, value) -> str:
    """The word for a stored code (a role, a state, an action ...); the code if it has none."""
    if value is None or value == "":
        return ""
    if kind == "action":
        return audit_words.label(str(value))
    return str(CODE_LABELS.get(kind, {}).get(value, value))


def _changed_fields(changes) -> str:
    names = changes if isinstance(changes, list) else list(changes or {})
    labels = {**FIELD_LABELS, **ACCOUNT_FIELD_LABELS}
    return ", ".join(str(labels[n]) for n in names if isinstance(n, str) and n in labels)


def detail_value(key: str, value) -> str:
    if key == "changes":
        return _changed_fields(value)
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if key == "moved_on":
        return readable_time(value)
    if isinstance(value, dict | list):
        return ""
    return code_label(CODED_DETAILS.get(key, key), value)


def event_details(details: dict) -> list[tuple[str, str]]:
    """The chosen details of an event as (title, readable value), in DETAIL_LABELS' order."""
    shown = [(str(title), detail_value(key, details[key])) for key, title in DETAIL_LABELS.items()
             if details.get(key) not in (None, "", [], {})]
    return [(title, value) for title, value in shown if value]


def readable_time(value) -> str:
    """An ISO date or time of the export as the locale writes it; other values unchanged."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_moment(value, "medium")
    if isinstance(value, date):
        return format_date(value, "medium")
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    return format_date(parsed.date(), "medium") if len(text) == 10 else format_moment(parsed,
                                                                                     "medium")
