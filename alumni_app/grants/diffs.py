"""Differences between two submitted versions of an application, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from alumni_app.grants.labels import CATEGORY_LABELS, PROPOSAL_LANGUAGE_LABELS, label

FIELD_LABELS = {
    "title": _l("Title of the project"), "summary": _l("Summary"),
    "problem": _l("The problem it addresses"), "objectives": _l("Objectives"),
    "activities": _l("Activities and timeline"), "starts_on": _l("Activities start on"),
    "ends_on": _l("Activities end on"), "region": _l("Target region"),
    "target_group": _l("People to reach"), "people_to_reach": _l("How many people"),
    "plan": _l("The action plan it carries forward"), "language": _l("Language of the proposal"),
    "total": _l("Budget total"), "budget": _l("Budget lines"), "team": _l("Team"),
    "files": _l("Attached files"),
}
TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class Piece:
    kind: str  # "same", "removed", "added"
    text: str


@dataclass
class FieldChange:
    label: str
    pieces: list[Piece]


def _as_text(name: str, value) -> str:
    if name == "budget":
        return "\n".join(f"{label(CATEGORY_LABELS, line['category'])}: {line['description']} — "
                         f"{line['quantity']} × {line['unit_cost']} = {line['total']}"
                         for line in value or [])
    if name == "language":
        return label(PROPOSAL_LANGUAGE_LABELS, value)
    if name == "team":
        return "\n".join(f"{m['name']} ({m['role']})" for m in value or [])
    if name == "files":
        return "\n".join(value or [])
    return "" if value is None else str(value)


def word_diff(old: str, new: str) -> list[Piece]:
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def compare(old: dict, new: dict) -> list[FieldChange]:
    """The fields that differ between two snapshots, with their word-level differences."""
    changes = []
    for name, field_label in FIELD_LABELS.items():
        before, after = _as_text(name, old.get(name)), _as_text(name, new.get(name))
        if before != after:
            changes.append(FieldChange(str(field_label), word_diff(before, after)))
    return changes
