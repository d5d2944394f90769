"""Matching the rows of a file to the people the office knows: by e-mail, then by name.

A row goes to the record with its e-mail address; else to a namesake whose year of birth, or
course, fits; else (neither e-mail nor year) to a namesake that has neither. Two known, different
e-mail addresses or years of birth mean two people. A record staff merged away is matched by its
own values and resolved to the record it lives on in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.imports.rows import ParsedRow

SAME_NAME_LISTED = 5  # namesakes listed with a probable duplicate
NAMED = ("given_name", "family_name", "given_name_cyr", "family_name_cyr", "birth_year")
COMPARED = ("given_name", "family_name", "given_name_cyr", "family_name_cyr", "gender",
            "birth_year", "email", "email_alt", "organization", "position", "phone", "region_id")
# A matched record keeps what it has for these; the file only fills them when empty.
FILL_ONLY = frozenset({"given_name", "family_name", "given_name_cyr", "family_name_cyr",
                       "gender", "birth_year", "email", "email_alt"})
CANDIDATE_COLUMNS = (AlumnusRecord.id, AlumnusRecord.name_key, AlumnusRecord.office_id,
                     AlumnusRecord.is_active, AlumnusRecord.merged_into_id,
                     AlumnusRecord.erased_at, *[getattr(AlumnusRecord, f) for f in COMPARED])
EMPTY = {**dict.fromkeys(COMPARED, ""), "gender": "unspecified", "birth_year": None,
         "region_id": None}

@dataclass(eq=False)
class Target:
    """A record a row may update: one that exists, or one this import creates."""

    values: dict
    name_key: str
    id: int | None = None
    row: int | None = None  # the file row that created it, when it is new in this import
    # Read only to be named in the duplicate list: a namesake with an e-mail of its own,
    # which no row of the batch can match (see CandidateLoading._namesakes).
    listed_only: bool = False
    courses: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)  # courses staff removed: never linked again
    pending: list[dict] = field(default_factory=list)  # participations waiting for an id
    # A record merged into another: a row matching it matches the record it was merged into.
    into: Target | None = None


def resolve(targets: Iterable[Target]) -> list[Target]:
    """The targets, merged-away records replaced by the records they live on in, once each."""
    return list(dict.fromkeys(t.into or t for t in targets))


class Index:
    """Targets by e-mail and by name key, for the rows of one batch.

    Same-name targets are also kept by (name key, year of birth): a row with a year only
    looks at that year's and the unknown year's targets (every rule and the duplicate list
    need the years to fit), not at every namesake (1,500 of them for a common name).
    """

    def __init__(self):
        self.by_email: dict[str, dict[Target, None]] = defaultdict(dict)
        self.by_name: dict[str, dict[Target, None]] = defaultdict(dict)
        self.by_name_year: dict[tuple, dict[Target, None]] = defaultdict(dict)
        self.position: dict[tuple[str, int], int] = {}  # (name key, id(target)) -> order added

    def add(self, target: Target) -> None:
        email = (target.values["email"] or "").casefold()
        if email:
            self.by_email[email].setdefault(target)
        key = target.name_key
        if key:
            if target not in self.by_name[key]:
                self.by_name[key][target] = None
                self.position[key, id(target)] = len(self.position)
            self.by_name_year[key, target.values["birth_year"]].setdefault(target)

    def same_name(self, row: ParsedRow) -> list[Target]:
        """The row's namesakes in the order added; with a year, those whose year may fit."""
        key = row.name_key
        if not key:
            return []
        if row.birth_year is None:
            return list(self.by_name.get(key, ()))
        # A year is only ever filled in, never changed: a namesake whose year may fit was
        # added under this year or under none (the rules still check the current values).
        fitting = {**self.by_name_year.get((key, row.birth_year), {}),
                   **self.by_name_year.get((key, None), {})}
        return sorted(fitting, key=lambda t: self.position[key, id(t)])

    def match(self, row: ParsedRow) -> tuple[Target | None, str, list[Target]]:
        """E-mail first, then name with year of birth, name with course, or name alone."""
        if row.email and (found := resolve(self.by_email.get(row.email.casefold(), ()))):
            return found[0], "email", found[1:]
        unidentified = not row.email and row.birth_year is None
        rules = (
            ("year", lambda t: row.birth_year is not None and fits(t, row)
             and t.values["birth_year"] == row.birth_year),
            ("course", lambda t: row.course_id is not None and fits(t, row)
             and row.course_id in t.courses),
            # A row with neither e-mail nor year cannot contradict a kept record: a row that
            # matched a duplicate before its merge still reaches the person after it.
            ("name", lambda t: unidentified and not t.values["email"]
             and t.values["birth_year"] is None),
        )
        same = [t for t in self.same_name(row) if not t.listed_only]
        for how, test in rules:
            if found := resolve(t for t in same if test(t)):
                return found[0], how, found[1:]
        return None, "", []


def changes_to(current: dict, values: dict, fill_only: bool) -> dict:
    """The fields a row changes on a matched record.

    Names, e-mail, gender and year of birth are only filled in when empty. So is everything
    once an earlier row of the same import has touched the record: the first row wins, and a
    person listed on several rows cannot flip between them when the file is imported again.
    """
    changes = {}
    for name, value in values.items():
        old = current.get(name)
        if (fill_only or name in FILL_ONLY) and old not in ("", None, "unspecified"):
            continue
        if old != value:
            changes[name] = value
    return changes


def year_fits(target: Target, row: ParsedRow) -> bool:
    year = target.values["birth_year"]
    return year is None or row.birth_year is None or year == row.birth_year


def compatible(target: Target, row: ParsedRow) -> bool:
    """Two known, different e-mail addresses or years of birth mean two people."""
    email = (target.values["email"] or "").casefold()
    return year_fits(target, row) and not (row.email and email and email != row.email.casefold())


def sides(target: Target) -> tuple[Target, ...]:
    """The target, and for a merged-away record also the record it lives on in.

    A row reaching a merged duplicate updates the kept record: its current e-mail and year
    must fit the row as well as the duplicate's own (merges fill the kept record's fields).
    """
    return (target,) if target.into is None else (target, target.into)


def fits(target: Target, row: ParsedRow) -> bool:
    return all(compatible(side, row) for side in sides(target))


def record_values(rec) -> dict:
    """The compared fields of a record row, with its name key."""
    return {**{f: getattr(rec, f) for f in COMPARED}, "name_key": rec.name_key}


def named(values) -> dict:
    """What the duplicate list needs of a namesake: its names and year of birth."""
    get = values.get if isinstance(values, dict) else lambda f: getattr(values, f)
    return {"name_key": get("name_key"), **{f: get(f) for f in NAMED}}
