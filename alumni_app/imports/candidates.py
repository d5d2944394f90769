"""Loading the office's records that the rows of a batch may match (a part of the import's Run)."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.imports.matching import (
    CANDIDATE_COLUMNS,
    COMPARED,
    EMPTY,
    Index,
    Target,
    record_values,
)
from alumni_app.imports.rows import ParsedRow
from alumni_app.training.models import Participation, RemovedParticipation


class CandidateLoading:
    """The records of the office a batch's rows may match, with their courses."""

    office_id: int
    mixed_case: bool
    seen: dict[int, int | None]

    def candidates_for(self, rows: list[ParsedRow]) -> Index:
        """Load the office's records that rows of this batch may match, with their courses."""
        index = Index()
        emails = {r.email for r in rows if r.email}
        # Lookups that each use their index (an OR of IN lists scans the table, and with an
        # office condition SQLite prefers the office index); the office is checked here.
        email = sa.func.lower(AlumnusRecord.email) if self.mixed_case else AlumnusRecord.email
        queries = [sa.select(*CANDIDATE_COLUMNS).where(email.in_(emails))] if emails else []
        found, merged = {}, {}
        for query in queries + self._namesakes(rows):
            for rec in db.session.execute(query):
                if self._in_office(rec):
                    found[rec.id] = record_values(rec)
                elif self._merged_away(rec):
                    merged[rec.id] = rec
        survivors = self._survivors(merged, found)
        listed = {record_id: values for record_id, values in self.listed_namesakes(rows).items()
                  if record_id not in found}
        targets = {record_id: Target({f: values.get(f, EMPTY[f]) for f in COMPARED},
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
                index.add(Target({f: getattr(rec, f) for f in COMPARED}, rec.name_key,
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
                    found[rec.id] = record_values(rec)
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
