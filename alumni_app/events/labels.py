"""Words for an event's kinds, states and answers, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "annual_meeting": _l("Annual meeting"),
    "seminar": _l("Office seminar"),
    "workshop": _l("Workshop"),
    "briefing": _l("Pre-departure briefing"),
    "other": _l("Other event"),
}
STATE_LABELS = {
    "draft": _l("draft"),
    "published": _l("published"),
    "postponed": _l("postponed"),
    "cancelled": _l("cancelled"),
    "finished": _l("finished"),
}
ANSWER_LABELS = {
    "pending": _l("not answered"),
    "yes": _l("coming"),
    "waiting": _l("on the waiting list"),
    "no": _l("not coming"),
}
SOURCE_LABELS = {
    "invited": _l("invited"),
    "registered": _l("registered"),
    "walk_in": _l("walk-in"),
}
PROPOSAL_STATE_LABELS = {
    "proposed": _l("proposed"),
    "accepted": _l("accepted"),
    "ignored": _l("ignored"),
}
CERTIFICATE_SCRIPT_LABELS = {
    "latin": _l("Certificate in English, name in Latin letters (PDF)"),
    "cyrillic": _l("Certificate in Russian, name in Cyrillic (PDF)"),
}
LANGUAGE_LABELS = {"en": _l("In English"), "ru": _l("In Russian")}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def answer_label(answer: str) -> str:
    return str(ANSWER_LABELS.get(answer, answer))


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


def proposal_state_label(state: str) -> str:
    return str(PROPOSAL_STATE_LABELS.get(state, state))


def certificate_script_label(script: str) -> str:
    return str(CERTIFICATE_SCRIPT_LABELS.get(script, script))


def reader_locale() -> str:
    """The reader's language code, for the title an event or a session shows."""
    from flask_babel import get_locale

    return str(get_locale() or "en")


def template_helpers() -> dict:
    return {"event_locale": reader_locale, "event_kind_label": kind_label,
            "event_state_label": state_label,
            "event_answer_label": answer_label, "event_source_label": source_label,
            "proposal_state_label": proposal_state_label,
            "certificate_script_label": certificate_script_label}
