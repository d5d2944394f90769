"""One import's run: each batch's rows checked, matched and written, with their history.

Run keeps the state of one import (caches, the counts) and writes each batch with Core inserts:
new records, their search terms, new participations and one history entry for each.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.models import AlumnusRecord, SearchTerm
from alumni_app.audit import AuditEvent, client_ip
from alumni_app.db import bulk_insert, bulk_insert_returning_ids, utcnow
from alumni_app.extensions import db
from alumni_app.imports.candidates import CandidateLoading
from alumni_app.imports.courses import CourseLookup
from alumni_app.imports.matching import (
    EMPTY,
    SAME_NAME_LISTED,
    Index,
    Target,
    changes_to,
    resolve,
    year_fits,
)
from alumni_app.imports.namesakes import FirstNamesakes, NamesakeQueries
from alumni_app.imports.report import PREVIEW_ROWS, ImportReport, display_name
from alumni_app.imports.rows import Lookups, ParsedRow, parse_row, record_name_key
from alumni_app.training.models import Participation


class Run(CourseLookup, CandidateLoading, NamesakeQueries):
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
        self.namesakes = FirstNamesakes()
        # Duplicate references waiting for the id of a record this batch creates.
        self.unresolved: list[tuple[dict, Target]] = []
        # E-mail addresses are stored in lower case; compare case-insensitively (which no index
        # serves) only if some record of the office was saved otherwise.
        self.mixed_case = db.session.scalar(sa.select(sa.exists().where(
            AlumnusRecord.office_id == office_id,
            AlumnusRecord.email != sa.func.lower(AlumnusRecord.email))))

    def process(self, items: list[tuple[int, dict]]) -> None:
        rows = [parse_row(number, raw, self.lookups) for number, raw in items]
        self.resolve_courses(rows)
        good = [row for row in rows if not row.errors]
        index = self.candidates_for(good)
        new: list[Target] = []
        links: list[dict] = []
        for row in rows:
            if not row.errors:
                self._apply(row, index, new, links)
            self.report.add_row_issues(row)
        self._write(new, links)

    def _apply(self, row: ParsedRow, index: Index, new: list, links: list) -> None:
        target, how, others = index.match(row)
        if target is None:
            target = Target({**EMPTY, **row.values}, row.name_key, row=row.number)
            self._link(target, row, links)
            same = [t for t in resolve(index.same_name(row)) if year_fits(t, row)]
            index.add(target)
            new.append(target)
            if same:
                self._duplicate(row, "same-name", same[:SAME_NAME_LISTED], target)
            return self._count(row, "created")
        touched = target.id is None or target.id in self.seen
        if target.id is not None:
            self.seen.setdefault(target.id, None)
        changes = changes_to(target.values, row.values, fill_only=touched)
        linked = self._link(target, row, links)
        if changes:
            self._change(target, changes)
            index.add(target)
        outcome = "updated" if changes or linked else "unchanged"
        self._report_match(row, target, how, others, outcome)
        return self._count(row, outcome)

    def _link(self, target: Target, row: ParsedRow, links: list) -> bool:
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

    def _change(self, target: Target, changes: dict) -> None:
        if target.id is not None:
            # Through the service: post history, search terms and the record's own audit trail.
            record = db.session.get(AlumnusRecord, target.id)
            services.update_record(self.actor, record, changes, source=self.source)
        before = (target.name_key, target.values["birth_year"])
        target.values.update(changes)
        target.name_key = record_name_key(target.values)
        self.namesakes.forget(before, (target.name_key, target.values["birth_year"]))

    def _ref(self, target: Target) -> dict:
        return {"id": None if target.row else target.id, "row": target.row,
                "name": display_name(target.values), "record_id": target.id}

    def _duplicate(self, row: ParsedRow, kind: str, others: list[Target],
                   record: Target) -> None:
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

    def _write(self, new: list[Target], links: list[dict]) -> None:
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
