"""Translatable labels of the program types, and sectors' and regions' names per language."""

from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from alumni_app import hooks
from alumni_app.training.models import ProgramType

PROGRAM_TYPE_LABELS = {
    ProgramType.COUNTRY_FOCUSED: _l("Country-focused training and dialogue"),
    ProgramType.ISSUE_BASED: _l("Training and dialogue program (issue-based)"),
    ProgramType.YOUNG_LEADERS: _l("Young leaders program"),
    ProgramType.LONG_TERM: _l("Long-term degree program"),
    ProgramType.OTHER: _l("Other (seminars, short visits)"),
}


def program_type_label(value) -> str:
    try:
        return str(PROGRAM_TYPE_LABELS[ProgramType(value)])
    except ValueError:
        return str(value)


def name_choices(items: Iterable) -> list[tuple[int, str]]:
    """(id, name) of sectors or regions in the current language, in that language's order.

    The one place that picks a list entry's name: Russian where the entry has one.
    """
    locale = str(get_locale())
    named = [(item.id, item.name(locale)) for item in items]
    return sorted(named, key=lambda pair: pair[1].casefold())


def register(app) -> None:
    """The catalog's words that every page may show (a course's programme type)."""
    hooks.register(app, hooks.TEMPLATE_GLOBALS, "program_type_label", program_type_label)
