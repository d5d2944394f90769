"""Rebuild every record's name key and search terms after the name key changed.

The keys are stored (records' name_key, the search terms), so a new key finds nothing until
they are rebuilt: migration 0016 calls `rebuild_keys`, and so does
`flask --app alumni_app rebuild-search-terms` (for an operator, after restoring a dump made
by an older version). Plain Core on the tables as they are, batch by batch in id order, and
only what changed is written: a second run reads and writes nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import sqlalchemy as sa

from alumni_app.alumni.names import name_key
from alumni_app.alumni.services import SEARCHED_FIELDS, search_terms

BATCH = 2000
NAMES = ("given_name", "family_name", "given_name_cyr", "family_name_cyr")
records = sa.table("alumni_records", sa.column("id", sa.Integer), sa.column("office_id"),
                   sa.column("is_active"), sa.column("erased_at"), sa.column("name_key"),
                   *(sa.column(f) for f in dict.fromkeys((*NAMES, *SEARCHED_FIELDS))))
terms = sa.table("alumni_search_terms", sa.column("term"), sa.column("record_id"),
                 sa.column("office_id"))


def _record_key(row) -> str:
    if row.erased_at is not None:
        return ""
    return name_key(row.family_name or row.family_name_cyr or "",
                    row.given_name or row.given_name_cyr or "")


def _wanted_terms(row) -> set[str]:
    if not row.is_active or row.erased_at is not None:
        return set()
    return search_terms(SimpleNamespace(**{f: getattr(row, f) for f in SEARCHED_FIELDS}))


def _rebuild_batch(connection: sa.Connection, rows: list) -> tuple[int, int]:
    """Write the batch's changed keys and terms; return (keys changed, records re-termed)."""
    first, last = rows[0].id, rows[-1].id
    current: dict[int, set[str]] = {}
    for record_id, term in connection.execute(
            sa.select(terms.c.record_id, terms.c.term)
            .where(terms.c.record_id.between(first, last))):
        current.setdefault(record_id, set()).add(term)
    keys = [{"b_id": row.id, "b_key": key} for row in rows
            if (key := _record_key(row)) != row.name_key]
    gone, new, changed = [], [], 0
    for row in rows:
        wanted, have = _wanted_terms(row), current.get(row.id, set())
        if wanted != have:
            changed += 1
            gone += [{"b_id": row.id, "b_term": t} for t in have - wanted]
            new += [{"term": t, "record_id": row.id, "office_id": row.office_id}
                    for t in sorted(wanted - have)]
    if keys:
        connection.execute(records.update().where(records.c.id == sa.bindparam("b_id"))
                           .values(name_key=sa.bindparam("b_key")), keys)
    if gone:
        connection.execute(terms.delete().where(terms.c.record_id == sa.bindparam("b_id"),
                                                terms.c.term == sa.bindparam("b_term")), gone)
    if new:
        connection.execute(terms.insert(), new)
    return len(keys), changed


def rebuild_keys(connection: sa.Connection, *, batch: int = BATCH,
                 progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Recompute every record's name key and search terms; return what changed."""
    done = {"records": 0, "keys": 0, "terms": 0}
    after = 0
    while rows := connection.execute(
            sa.select(records).where(records.c.id > after).order_by(records.c.id)
            .limit(batch)).all():
        keys, changed = _rebuild_batch(connection, rows)
        done["records"] += len(rows)
        done["keys"] += keys
        done["terms"] += changed
        after = rows[-1].id
        if progress:
            progress(done["records"])
    return done
