"""Translatable labels of the program types."""

from flask_babel import lazy_gettext as _l

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
