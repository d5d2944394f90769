"""The import of ex-participant records from CSV or XLSX: match rows to people, dry run, commit.

A dry run does exactly what the commit does, inside the transaction, and then rolls it back (as
django-import-export does): its counts are the commit's counts, and nothing it did is ever seen
by anyone else. The commit leaves its changes in the session for the caller to commit at once:
all rows or none. Rows are streamed and written in batches with Core inserts, so a file of
100,000 rows is never held in memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alumni_app import audit
from alumni_app.alumni import import_files as files
from alumni_app.alumni import services
from alumni_app.alumni.import_report import LISTED, PREVIEW_ROWS, ImportReport, display_name
from alumni_app.alumni.import_rows import (
    Lookups,
    ParsedRow,
    cell_text,
    junk_reason,
    parse_row,
    record_name_key,
)
from alumni_app.alumni.models import AlumnusRecord, SearchTerm
from alumni_app.audit import AuditEvent, client_ip
from alumni_app.db import bulk_insert, bulk_insert_returning_ids, utcnow
from alumni_app.extensions import db
from alumni_app.training.models import Course, Participation, RemovedParticipation

BATCH_SIZE = 1000
SAME_NAME_LISTED = 5  # namesakes listed with a probable duplicate
NAMESAKE_GROUPS_KEPT = 20_000  # (name, year) groups an import keeps between batches
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

# --- matching rows to records ----------------------------------------------------------------

@dataclass(eq=False)
class _Target:
    """A record a row may update: one that exists, or one this import creates."""

    values: dict
    name_key: str
    id: int | None = None
    row: int | None = None  # the file row that created it, when it is new in this import
    # Read only to be named in the duplicate list: a namesake with an e-mail of its own,
    # which no row of the batch can match (see _Run._namesakes).
    listed_only: bool = False
    courses: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)  # courses staff removed: never linked again
    pending: list[dict] = field(default_factory=list)  # participations waiting for an id
    # A record merged into another: a row matching it matches the record it was merged into.
    into: _Target | None = None


def _resolve(targets: Iterable[_Target]) -> list[_Target]:
    """The targets, merged-away records replaced by the records they live on in, once each."""
    return list(dict.fromkeys(t.into or t for t in targets))


class _Index:
    """Targets by e-mail and by name key, for the rows of one batch.

    Same-name targets are also kept by (name key, year of birth): a row with a year only
    looks at that year's and the unknown year's targets (every rule and the duplicate list
    need the years to fit), not at every namesake (1,500 of them for a common name).
    """

    def __init__(self):
        self.by_email: dict[str, dict[_Target, None]] = defaultdict(dict)
        self.by_name: dict[str, dict[_Target, None]] = defaultdict(dict)
        self.by_name_year: dict[tuple, dict[_Target, None]] = defaultdict(dict)
        self.position: dict[tuple[str, int], int] = {}  # (name key, id(target)) -> order added

    def add(self, target: _Target) -> None:
        email = (target.values["email"] or "").casefold()
        if email:
            self.by_email[email].setdefault(target)
        key = target.name_key
        if key:
            if target not in self.by_name[key]:
                self.by_name[key][target] = None
                self.position[key, id(target)] = len(self.position)
            self.by_name_year[key, target.values["birth_year"]].setdefault(target)

    def same_name(self, row: ParsedRow) -> list[_Target]:
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

    def match(self, row: ParsedRow) -> tuple[_Target | None, str, list[_Target]]:
        """E-mail first, then name with year of birth, name with course, or name alone."""
        if row.email and (found := _resolve(self.by_email.get(row.email.casefold(), ()))):
            return found[0], "email", found[1:]
        unidentified = not row.email and row.birth_year is None
        rules = (
            ("year", lambda t: row.birth_year is not None and _fits(t, row)
             and t.values["birth_year"] == row.birth_year),
            ("course", lambda t: row.course_id is not None and _fits(t, row)
             and row.course_id in t.courses),
            # A row with neither e-mail nor year cannot contradict a kept record: a row that
            # matched a duplicate before its merge still reaches the person after it.
            ("name", lambda t: unidentified and not t.values["email"]
             and t.values["birth_year"] is None),
        )
        same = [t for t in self.same_name(row) if not t.listed_only]
        for how, test in rules:
            if found := _resolve(t for t in same if test(t)):
                return found[0], how, found[1:]
        return None, "", []


def _changes(current: dict, values: dict, fill_only: bool) -> dict:
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


class _Run:
    """The state of one import: caches, the counts, and the batch writer."""

    def __init__(self, office_id: int, actor, report: ImportReport, origin: dict | None = None):
        self.office_id, self.actor, self.report = office_id, actor, report
        # What the history says of every change this import makes: the file, and who ran it
        # (the command line has no user: it names the operator's login instead).
        self.source = {"source": "import", "file": report.file_name, **(origin or {})}
        self.event = {"occurred_at": utcnow(), "actor_id": getattr(actor, "id", None),
                      "subject_type": AlumnusRecord.__name__, "office_id": office_id,
                      "ip_address": client_ip()}
        self.lookups = Lookups(office_id, report.chosen)
        self.courses: dict[str, int | None] = {}
        self.titles: dict[tuple, int | None] = {}
        # Every record this import touched -> the row that created it (None if it existed).
        self.seen: dict[int, int | None] = {}
        self.namesakes = _FirstNamesakes()
        # Duplicate references waiting for the id of a record this batch creates.
        self.unresolved: list[tuple[dict, _Target]] = []
        # E-mail addresses are stored in lower case; compare case-insensitively (which no index
        # serves) only if some record of the office was saved otherwise.
        self.mixed_case = db.session.scalar(sa.select(sa.exists().where(
            AlumnusRecord.office_id == office_id,
            AlumnusRecord.email != sa.func.lower(AlumnusRecord.email))))

    def process(self, items: list[tuple[int, dict]]) -> None:
        rows = [parse_row(number, raw, self.lookups) for number, raw in items]
        self._resolve_courses(rows)
        good = [row for row in rows if not row.errors]
        index = self._candidates(good)
        new: list[_Target] = []
        links: list[dict] = []
        for row in rows:
            if not row.errors:
                self._apply(row, index, new, links)
            self.report.add_row_issues(row)
        self._write(new, links)

    # courses

    def _resolve_courses(self, rows: list[ParsedRow]) -> None:
        codes = {r.course.code for r in rows if r.course and r.course.code}
        wanted = {c for c in codes if c.casefold() not in self.courses}
        if wanted:
            folded = {c.casefold() for c in wanted}
            found = db.session.execute(sa.select(Course.id, Course.code).where(
                sa.or_(sa.func.lower(Course.code).in_(folded), Course.code.in_(wanted))))
            for course_id, code in found:
                self.courses[code.casefold()] = course_id
            for code in folded:
                self.courses.setdefault(code, None)
        for row in rows:
            if row.course and not row.errors:
                row.course_id = self._course_id(row)

    def _course_id(self, row: ParsedRow) -> int | None:
        course = row.course
        if not course.code:
            course_id = self._course_by_title(course.title, course.start_on)
            if course_id is None:
                row.error("course-no-code", "course_title", value=course.title[:80])
            return course_id
        key = course.code.casefold()
        if self.courses.get(key) is None:
            if not course.title:
                row.error("course-unknown", "course_code", value=course.code)
                return None
            self.courses[key] = self._create_course(course)
        return self.courses[key]

    def _course_by_title(self, title: str, start_on) -> int | None:
        key = (title, start_on)
        if key not in self.titles:
            query = sa.select(Course.id).where(Course.title == title)
            if start_on:
                query = query.where(Course.start_on == start_on)
            self.titles[key] = db.session.scalar(query.order_by(Course.id).limit(1))
        return self.titles[key]

    def _create_course(self, row_course) -> int:
        course = Course(code=row_course.code, title=row_course.title,
                        program_type=row_course.program_type, sector_id=row_course.sector_id)
        course.set_dates(row_course.start_on, row_course.end_on)
        course.fiscal_year = course.fiscal_year or row_course.fiscal_year
        db.session.add(course)
        db.session.flush()
        if len(self.report.courses_created) < LISTED:
            self.report.courses_created.append({"code": course.code, "title": course.title,
                                                "fiscal_year": course.fiscal_year})
        return course.id

    # records

    def _candidates(self, rows: list[ParsedRow]) -> _Index:
        """Load the office's records that rows of this batch may match, with their courses."""
        index = _Index()
        emails = {r.email for r in rows if r.email}
        # Lookups that each use their index (an OR of IN lists scans the table, and with an
        # office condition SQLite prefers the office index); the office is checked here.
        email = sa.func.lower(AlumnusRecord.email) if self.mixed_case else AlumnusRecord.email
        queries = [sa.select(*CANDIDATE_COLUMNS).where(email.in_(emails))] if emails else []
        found, merged = {}, {}
        for query in queries + self._namesakes(rows):
            for rec in db.session.execute(query):
                if self._in_office(rec):
                    found[rec.id] = _record_values(rec)
                elif self._merged_away(rec):
                    merged[rec.id] = rec
        survivors = self._survivors(merged, found)
        listed = {record_id: values for record_id, values in self._listed(rows).items()
                  if record_id not in found}
        targets = {record_id: _Target({f: values.get(f, EMPTY[f]) for f in COMPARED},
                                      values["name_key"],
                                      id=record_id, row=self.seen.get(record_id),
                                      listed_only=record_id in listed)
                   for record_id, values in sorted([*found.items(), *listed.items()],
                                                   key=lambda item: item[0])}
        if found:  # only these may be matched; the listed ones are only named
            self._load_courses(targets, list(found), survivors)
        for target in targets.values():
            index.add(target)
        for rec in merged.values():  # matched by their own values, resolved to the survivor
            if (survivor := survivors.get(rec.id)) is not None:
                into = targets[survivor]
                index.add(_Target({f: getattr(rec, f) for f in COMPARED}, rec.name_key,
                                  id=rec.id, courses=into.courses, into=into))
        return index

    @staticmethod
    def _load_courses(targets: dict, found: list[int], survivors: dict[int, int]) -> None:
        """The courses of the records rows may match, and the courses staff removed."""
        for record_id, course_id in db.session.execute(
                sa.select(Participation.record_id, Participation.course_id)
                .where(Participation.record_id.in_(found))):
            targets[record_id].courses.add(course_id)
        removed = sa.select(RemovedParticipation.record_id, RemovedParticipation.course_id)
        for record_id, course_id in db.session.execute(removed.where(
                RemovedParticipation.record_id.in_([*found, *survivors]))):
            # A course removed from a merged duplicate is not the person's either.
            targets[survivors.get(record_id, record_id)].removed.add(course_id)

    def _merged_away(self, rec) -> bool:
        return (rec.office_id == self.office_id and rec.merged_into_id is not None
                and rec.erased_at is None)

    def _survivors(self, merged: dict, found: dict) -> dict[int, int]:
        """Merged-away record id -> the live record it was merged into (added to `found`).

        Merges last: a row that matches a duplicate staff merged away (its e-mail, its name)
        updates the kept record instead of creating the duplicate again. Rare, so a query
        per level of merges-into-merges is cheap.
        """
        into = {rec.id: rec.merged_into_id for rec in merged.values()}
        asked: set[int] = set()
        while wanted := set(into.values()) - found.keys() - into.keys() - asked:
            asked |= wanted
            for rec in db.session.execute(sa.select(*CANDIDATE_COLUMNS)
                                          .where(AlumnusRecord.id.in_(sorted(wanted)))):
                if self._in_office(rec):
                    found[rec.id] = _record_values(rec)
                elif self._merged_away(rec):
                    into[rec.id] = rec.merged_into_id
        survivors = {}
        for record_id in list(into):
            current, steps = record_id, 0
            while current in into and steps < 50:
                current, steps = into[current], steps + 1
            if current in found:
                survivors[record_id] = current
        return survivors

    def _live(self) -> tuple:
        return (AlumnusRecord.office_id == self.office_id, AlumnusRecord.is_active,
                AlumnusRecord.merged_into_id.is_(None), AlumnusRecord.erased_at.is_(None))

    def _listed(self, rows: list[ParsedRow]) -> dict[int, dict]:
        """The namesakes the duplicate list may name for the rows: the first of each group.

        A row with a year of birth needs its (name, year) group and its name's unknown-year
        group; a row without one needs every group of its name. Groups are read once per
        import and then kept up to date as records are created (see _FirstNamesakes).
        """
        pairs = {(r.name_key, r.birth_year) for r in rows if r.name_key}
        any_year = {key for key, year in pairs if year is None}
        wanted = {(key, year) for key, year in pairs if key not in any_year}
        wanted |= {(key, None) for key, year in wanted}
        cache = self.namesakes
        if len(cache.groups) > NAMESAKE_GROUPS_KEPT:
            cache.clear()  # memory stays bounded; the groups are read again when needed
        missing_keys = sorted(any_year - cache.complete)
        missing_pairs = sorted((p for p in wanted if not cache.knows(p)),
                               key=lambda p: (p[0], p[1] is not None, p[1] or 0))
        if missing_keys:
            cache.load_keys(missing_keys, db.session.execute(self._first_of_keys(missing_keys)))
        if missing_pairs:
            cache.load_pairs(missing_pairs, db.session.execute(self._first_of_pairs(missing_pairs)))
        return cache.entries(wanted, any_year)

    def _ranked(self, *conditions) -> sa.Select:
        name = AlumnusRecord.name_key
        rank = sa.func.row_number().over(partition_by=(name, AlumnusRecord.birth_year),
                                         order_by=AlumnusRecord.id)
        ranked = sa.select(*CANDIDATE_COLUMNS, rank.label("rank")).where(
            *conditions, *self._live()).subquery()
        return (sa.select(*[ranked.c[c.key] for c in CANDIDATE_COLUMNS])
                .where(ranked.c.rank <= SAME_NAME_LISTED))

    def _first_of_keys(self, keys: list[str]) -> sa.Select:
        """The first namesakes of every (name, year) group of these names."""
        return self._ranked(AlumnusRecord.name_key.in_(keys))

    def _first_of_pairs(self, pairs: list[tuple]) -> sa.Select:
        """The first namesakes of each (name, year); a year of None is the unknown year."""
        if db.session.get_bind().dialect.name == "postgresql":
            return self._first_by_index_walk(pairs)
        dated = [pair for pair in pairs if pair[1] is not None]
        undated = sorted({key for key, year in pairs if year is None})
        group = sa.tuple_(AlumnusRecord.name_key, AlumnusRecord.birth_year)
        return self._ranked(sa.or_(
            group.in_(dated) if dated else sa.false(),
            sa.and_(AlumnusRecord.name_key.in_(undated), AlumnusRecord.birth_year.is_(None))
            if undated else sa.false()))

    def _first_by_index_walk(self, pairs: list[tuple]) -> sa.CompoundSelect:
        """PostgreSQL: one short walk of ix_alumni_records_name_year per (name, year) group.

        LATERAL ... LIMIT, with the groups as array parameters so the statement is the same
        every time, instead of ranking every namesake (all 100,000 records of an import of
        common names).
        """
        text, number = postgresql.ARRAY(sa.String), postgresql.ARRAY(sa.Integer)
        dated_pairs = [(k, y) for k, y in pairs if y is not None]
        dated = sa.func.unnest(sa.bindparam("keys", [k for k, _ in dated_pairs], type_=text),
                               sa.bindparam("years", [y for _, y in dated_pairs], type_=number)
                               ).table_valued("key", "year").render_derived("dated")
        undated = sa.func.unnest(sa.bindparam("undated_keys", [k for k, y in pairs if y is None],
                                              type_=text)
                                 ).table_valued("key").render_derived("undated")
        selects = []
        for groups, year in ((dated, AlumnusRecord.birth_year == dated.c.year),
                             (undated, AlumnusRecord.birth_year.is_(None))):
            first = (sa.select(*CANDIDATE_COLUMNS)
                     .where(AlumnusRecord.name_key == groups.c.key, year, *self._live())
                     .order_by(AlumnusRecord.id).limit(SAME_NAME_LISTED).lateral("first"))
            selects.append(sa.select(first).select_from(groups).join(first, sa.true()))
        return sa.union_all(*selects)

    def _namesakes(self, rows: list[ParsedRow]) -> list[sa.Select]:
        """The queries for the same-name records the rows may match.

        A row with an e-mail only matches a namesake without one (a different address means
        another person; the same one is found by e-mail); a row without needs them all.
        """
        keys = {r.name_key for r in rows if r.name_key}
        if not keys:
            return []
        name = AlumnusRecord.name_key
        no_email = {r.name_key for r in rows if r.name_key and not r.email}
        queries = [sa.select(*CANDIDATE_COLUMNS).where(name.in_(keys), AlumnusRecord.email == "")]
        if no_email:
            queries.append(sa.select(*CANDIDATE_COLUMNS).where(name.in_(no_email)))
        return queries

    def _in_office(self, rec) -> bool:
        """A live record of the office: active, not merged away, not erased."""
        return (rec.office_id == self.office_id and rec.is_active and rec.merged_into_id is None
                and rec.erased_at is None)

    def _apply(self, row: ParsedRow, index: _Index, new: list, links: list) -> None:
        target, how, others = index.match(row)
        if target is None:
            target = _Target({**EMPTY, **row.values}, row.name_key, row=row.number)
            self._link(target, row, links)
            same = [t for t in _resolve(index.same_name(row)) if _year_fits(t, row)]
            index.add(target)
            new.append(target)
            if same:
                self._duplicate(row, "same-name", same[:SAME_NAME_LISTED], target)
            return self._count(row, "created")
        touched = target.id is None or target.id in self.seen
        if target.id is not None:
            self.seen.setdefault(target.id, None)
        changes = _changes(target.values, row.values, fill_only=touched)
        linked = self._link(target, row, links)
        if changes:
            self._change(target, changes)
            index.add(target)
        outcome = "updated" if changes or linked else "unchanged"
        self._report_match(row, target, how, others, outcome)
        return self._count(row, outcome)

    def _link(self, target: _Target, row: ParsedRow, links: list) -> bool:
        if row.course_id is None or row.course_id in target.courses:
            return False
        if row.course_id in target.removed:  # staff took it off the record: say so, skip it
            row.warn("course-removed", "course_code",
                     value=row.course.code or row.course.title if row.course else "")
            return False
        target.courses.add(row.course_id)
        link = {"record_id": target.id, "course_id": row.course_id,
                "nominating_organization": row.values.get("organization", ""),
                "position_at_nomination": row.values.get("position", "")}
        (target.pending if target.id is None else links).append(link)
        return True

    def _change(self, target: _Target, changes: dict) -> None:
        if target.id is not None:
            # Through the service: post history, search terms and the record's own audit trail.
            record = db.session.get(AlumnusRecord, target.id)
            services.update_record(self.actor, record, changes, source=self.source)
        before = (target.name_key, target.values["birth_year"])
        target.values.update(changes)
        target.name_key = record_name_key(target.values)
        self.namesakes.forget(before, (target.name_key, target.values["birth_year"]))

    def _ref(self, target: _Target) -> dict:
        return {"id": None if target.row else target.id, "row": target.row,
                "name": display_name(target.values), "record_id": target.id}

    def _duplicate(self, row: ParsedRow, kind: str, others: list[_Target],
                   record: _Target) -> None:
        """List a probable duplicate with the record the row went to, for links and merges.

        A record this import creates has its id once its batch is written (_write).
        """
        entry = self.report.add_duplicate(row, kind, [self._ref(t) for t in others])
        if entry is not None:
            entry["record"] = self._ref(record)
            self.unresolved += [(ref, t) for ref, t in zip(
                [*entry["others"], entry["record"]], [*others, record], strict=True)
                if t.id is None]

    def _report_match(self, row, target, how, others, outcome) -> None:
        if how == "email" and row.name_key and target.name_key and row.name_key != target.name_key:
            self._duplicate(row, "email-name", [target], target)
        if others:
            self._duplicate(row, "ambiguous", [target, *others], target)
        if how == "name" and outcome != "unchanged":
            self._duplicate(row, "name-only", [target], target)

    def _count(self, row: ParsedRow, outcome: str) -> None:
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        if len(self.report.preview) < PREVIEW_ROWS:
            v = row.values
            self.report.preview.append({
                "row": row.number, "outcome": outcome, "family_name": v.get("family_name", ""),
                "given_name": v.get("given_name", ""),
                "family_name_cyr": v.get("family_name_cyr", ""),
                "given_name_cyr": v.get("given_name_cyr", ""), "birth_year": v.get("birth_year"),
                "email": v.get("email", ""), "organization": v.get("organization", ""),
                "course": row.course.code or row.course.title if row.course else ""})

    def _write(self, new: list[_Target], links: list[dict]) -> None:
        """Insert the batch's new records, their search terms and the new participations."""
        if new:
            ids = bulk_insert_returning_ids(
                AlumnusRecord.__table__,
                [{"office_id": self.office_id, "name_key": t.name_key, **t.values} for t in new])
            terms = []
            for target, record_id in zip(new, ids, strict=True):
                target.id = record_id
                self.seen[record_id] = target.row
                self.namesakes.add(record_id, {**target.values, "name_key": target.name_key})
                terms += [{"term": term, "record_id": record_id, "office_id": self.office_id}
                          for term in services.search_terms(SimpleNamespace(**target.values))]
                links += [{**link, "record_id": record_id} for link in target.pending]
            # In the order of the terms' key: their index entries go in side by side instead
            # of all over the index.
            terms.sort(key=lambda t: (t["term"], t["record_id"]))
            bulk_insert(SearchTerm.__table__, terms)
        if links:
            bulk_insert(Participation.__table__, links)
            self.report.participations += len(links)
        self._history([t.id for t in new], links)
        for ref, target in self.unresolved:
            ref["record_id"] = target.id
        self.unresolved.clear()

    def _history(self, created: list[int], links: list[dict]) -> None:
        """One history entry per record created and per course linked, inserted in bulk."""
        created_text = json.dumps(self.source, ensure_ascii=False)
        events = [{**self.event, "action": "record.created", "subject_id": record_id,
                   "details": created_text} for record_id in created]
        events += [{**self.event, "action": "participation.added",
                    "subject_id": link["record_id"],
                    "details": json.dumps({"course_id": link["course_id"], **self.source},
                                          ensure_ascii=False)} for link in links]
        bulk_insert(AuditEvent.__table__, events)


def _year_fits(target: _Target, row: ParsedRow) -> bool:
    year = target.values["birth_year"]
    return year is None or row.birth_year is None or year == row.birth_year


def _compatible(target: _Target, row: ParsedRow) -> bool:
    """Two known, different e-mail addresses or years of birth mean two people."""
    email = (target.values["email"] or "").casefold()
    return _year_fits(target, row) and not (row.email and email and email != row.email.casefold())


def _sides(target: _Target) -> tuple[_Target, ...]:
    """The target, and for a merged-away record also the record it lives on in.

    A row reaching a merged duplicate updates the kept record: its current e-mail and year
    must fit the row as well as the duplicate's own (merges fill the kept record's fields).
    """
    return (target,) if target.into is None else (target, target.into)


def _fits(target: _Target, row: ParsedRow) -> bool:
    return all(_compatible(side, row) for side in _sides(target))


def _record_values(rec) -> dict:
    """The compared fields of a record row, with its name key."""
    return {**{f: getattr(rec, f) for f in COMPARED}, "name_key": rec.name_key}


def _named(values) -> dict:
    """What the duplicate list needs of a namesake: its names and year of birth."""
    get = values.get if isinstance(values, dict) else lambda f: getattr(values, f)
    return {"name_key": get("name_key"), **{f: get(f) for f in NAMED}}


class _FirstNamesakes:
    """The first SAME_NAME_LISTED live records of each (name key, year of birth), by id.

    The duplicate list names the first namesakes whose years fit. A group once read stays
    right for the rest of the import: records created later have higher ids, so they join a
    group only while it is short; a record whose name or year this import fills in leaves
    its old group and joins a new one, so both are read again. Reading every group for every
    batch made an import of common names quadratic (100,000 namesakes per batch, late on).
    """

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.groups: dict[tuple, dict[int, dict]] = {}
        self.years: dict[str, set] = defaultdict(set)  # name key -> years with a known group
        self.complete: set[str] = set()  # names whose every group is known

    def knows(self, pair: tuple) -> bool:
        return pair in self.groups or pair[0] in self.complete

    def _store(self, rows) -> None:
        for rec in rows:
            pair = (rec.name_key, rec.birth_year)
            group = self.groups.setdefault(pair, {})
            self.years[rec.name_key].add(rec.birth_year)
            if len(group) < SAME_NAME_LISTED:
                group[rec.id] = _named(rec)

    def load_keys(self, keys: list[str], rows) -> None:
        for key in keys:
            for year in self.years.pop(key, ()):
                self.groups.pop((key, year), None)
        self._store(rows)
        self.complete.update(keys)

    def load_pairs(self, pairs: list[tuple], rows) -> None:
        for key, year in pairs:
            self.groups[key, year] = {}
            self.years[key].add(year)
        self._store(rows)

    def add(self, record_id: int, values: dict) -> None:
        """A record this import created (its id is above every id read so far)."""
        pair = (values["name_key"], values["birth_year"])
        if not pair[0] or not self.knows(pair):
            return
        group = self.groups.setdefault(pair, {})
        self.years[pair[0]].add(pair[1])
        if len(group) < SAME_NAME_LISTED:
            group[record_id] = _named(values)

    def forget(self, *pairs: tuple) -> None:
        for key, year in pairs:
            self.groups.pop((key, year), None)
            self.complete.discard(key)

    def entries(self, wanted: set[tuple], any_year: set[str]) -> dict[int, dict]:
        found: dict[int, dict] = {}
        for pair in wanted:
            found.update(self.groups.get(pair, {}))
        for key in any_year:
            for year in self.years.get(key, ()):
                found.update(self.groups.get((key, year), {}))
        return found


# --- running an import -----------------------------------------------------------------------

def _start(rows: Iterator, report: ImportReport, mapping: list[str] | None) -> Iterable:
    """Find the header row, settle the column mapping, and return the rows after the header."""
    head = list(islice(rows, files.HEADER_SCAN_ROWS))
    found = files.find_header([cells for _, cells in head])
    if found is None:
        found = next((i for i, (_, cells) in enumerate(head)
                      if any(cell_text(c) for c in cells)), None)
        if found is None:
            raise files.ImportFileError("empty")
        if mapping is None:
            report.problems.append({"code": "no-header", "params": {}})
    number, cells = head[found]
    report.header_row = number
    report.columns = files.header_cells(cells)
    fits = mapping is not None and len(mapping) == len(report.columns)
    report.mapping = list(mapping) if fits else files.guess_mapping(report.columns)
    if not fits:
        report.notes = [{"code": code, "params": params} for code, params
                        in files.repeated_columns(report.columns, report.mapping)]
    if not report.problems:
        report.problems += [{"code": code, "params": params} for code, params
                            in files.mapping_problems(report.mapping, report.columns)]
    return chain(head[found + 1:], rows)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _records(data: Iterable, report: ImportReport) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {field: cell}) for rows with content; blank rows are counted only."""
    columns = [(i, f) for i, f in enumerate(report.mapping) if f]
    header = [c.casefold() for c in report.columns]
    for number, cells in data:
        raw = {f: cells[i] for i, f in columns if i < len(cells) and not _blank(cells[i])}
        repeated = raw and cell_text(cells[0]).casefold() == header[0] and [
            cell_text(c).casefold() for c in cells[:len(header)]] == header
        if not raw or repeated:
            report.blank += 1
            continue
        if reason := junk_reason(raw):
            report.add_junk(number, reason)
            continue
        report.rows += 1
        yield number, raw


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(items, size)):
        yield batch


def _finish(report: ImportReport, office, actor, commit: bool, skip_errors: bool,
            origin: dict | None = None) -> None:
    if not (commit and report.can_commit(skip_errors)):
        db.session.rollback()
        return
    audit.record("records.imported", actor=actor, subject=office, office_id=office.id,
                 **(origin or {}),
                 file=report.file_name, rows=report.rows, created=report.created,
                 updated=report.updated, unchanged=report.unchanged,
                 skipped_with_errors=report.error_rows, duplicates=report.duplicate_count,
                 courses_created=len(report.courses_created),
                 participations=report.participations)
    report.applied = True


def _plan_for_a_growing_table() -> None:
    """On PostgreSQL, plan each lookup afresh for the rest of this transaction.

    psycopg prepares a statement run five times, and PostgreSQL then keeps a generic plan
    chosen while the import's own inserts were few: a scan that grows with every batch (2 s a
    lookup after 50,000 rows). Custom plans see the table as it is and use the indexes.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def run_import(path, office, actor=None, commit: bool = False, *, chosen: dict | None = None,
               mapping: list[str] | None = None, skip_errors: bool = False,
               file_name: str | None = None, progress: Callable[[int], None] | None = None,
               batch_size: int = BATCH_SIZE, origin: dict | None = None) -> ImportReport:
    """Import a CSV or XLSX file into `office`; without `commit`, roll everything back.

    With `commit`, the changes stay in the session (report.applied) for the caller to commit,
    unless the file has mapping problems or rows with errors (and `skip_errors` is off): then
    everything is rolled back. Raises ImportFileError for a file that cannot be read at all.
    `origin` goes into every history entry (the command line's, naming the operator).
    """
    path = Path(path)
    ext = files.extension_of(path.name)
    files.check_file(path, ext)
    report = ImportReport(file_name=file_name or path.name, office_id=office.id, chosen=chosen)
    rows = files.iter_rows(path, ext)
    try:
        data = _start(rows, report, mapping)
        if not report.problems:
            _plan_for_a_growing_table()
            run = _Run(office.id, actor, report, origin)
            for batch in _batches(_records(data, report), batch_size):
                run.process(batch)
                if progress:
                    progress(report.rows)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        rows.close()
    _finish(report, office, actor, commit, skip_errors, origin)
    return report


def read_columns(path) -> tuple[list[str], list[str]]:
    """Return the column titles of a file and the mapping guessed from them (no database)."""
    path = Path(path)
    ext = files.extension_of(path.name)
    files.check_file(path, ext)
    rows = files.iter_rows(path, ext)
    report = ImportReport()
    try:
        _start(rows, report, None)
    finally:
        rows.close()
    return report.columns, report.mapping
