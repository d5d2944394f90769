"""The namesakes a probable duplicate names: the first few of each (name, year of birth).

Read once per import and kept up to date as records are created (FirstNamesakes), with one
query per batch for the groups not known yet (NamesakeQueries, part of the import's Run).
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.imports.matching import CANDIDATE_COLUMNS, SAME_NAME_LISTED, named
from alumni_app.imports.rows import ParsedRow

NAMESAKE_GROUPS_KEPT = 20_000  # (name, year) groups an import keeps between batches


class FirstNamesakes:
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
                group[rec.id] = named(rec)

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
            group[record_id] = named(values)

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



class NamesakeQueries:
    """The queries for the first namesakes of each group (a part of the import's Run)."""

    office_id: int
    namesakes: FirstNamesakes

    def _live(self) -> tuple:
        return (AlumnusRecord.office_id == self.office_id, AlumnusRecord.is_active,
                AlumnusRecord.merged_into_id.is_(None), AlumnusRecord.erased_at.is_(None))

    def listed_namesakes(self, rows: list[ParsedRow]) -> dict[int, dict]:
        """The namesakes the duplicate list may name for the rows: the first of each group.

        A row with a year of birth needs its (name, year) group and its name's unknown-year
        group; a row without one needs every group of its name. Groups are read once per
        import and then kept up to date as records are created (see FirstNamesakes).
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
