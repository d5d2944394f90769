"""The import of ex-participant records from CSV or XLSX: match rows to people, dry run, commit.

A dry run does exactly what the commit does, inside the transaction, and then rolls it back (as
django-import-export does): its counts are the commit's counts, and nothing it did is ever seen
by anyone else. The commit leaves its changes in the session for the caller to commit at once:
all rows or none. Rows are streamed and written in batches with Core inserts, so a file of
100,000 rows is never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path

import sqlalchemy as sa

from alumni_app import audit
from alumni_app.extensions import db
from alumni_app.imports import columns, reading
from alumni_app.imports.errors import ImportFileError
from alumni_app.imports.report import ImportReport
from alumni_app.imports.rows import cell_text, junk_reason
from alumni_app.imports.writing import Run

BATCH_SIZE = 1000


def _start(rows: Iterator, report: ImportReport, mapping: list[str] | None) -> Iterable:
    """Find the header row, settle the column mapping, and return the rows after the header."""
    head = list(islice(rows, columns.HEADER_SCAN_ROWS))
    found = columns.find_header([cells for _, cells in head])
    if found is None:
        found = next((i for i, (_, cells) in enumerate(head)
                      if any(cell_text(c) for c in cells)), None)
        if found is None:
            raise ImportFileError("empty")
        if mapping is None:
            report.problems.append({"code": "no-header", "params": {}})
    number, cells = head[found]
    report.header_row = number
    report.columns = columns.header_cells(cells)
    fits = mapping is not None and len(mapping) == len(report.columns)
    report.mapping = list(mapping) if fits else columns.guess_mapping(report.columns)
    if not fits:
        report.notes = [{"code": code, "params": params} for code, params
                        in columns.repeated_columns(report.columns, report.mapping)]
    if not report.problems:
        report.problems += [{"code": code, "params": params} for code, params
                            in columns.mapping_problems(report.mapping, report.columns)]
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
    ext = reading.extension_of(path.name)
    reading.check_file(path, ext)
    report = ImportReport(file_name=file_name or path.name, office_id=office.id, chosen=chosen)
    rows = reading.iter_rows(path, ext)
    try:
        data = _start(rows, report, mapping)
        if not report.problems:
            _plan_for_a_growing_table()
            run = Run(office.id, actor, report, origin)
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
    ext = reading.extension_of(path.name)
    reading.check_file(path, ext)
    rows = reading.iter_rows(path, ext)
    report = ImportReport()
    try:
        _start(rows, report, None)
    finally:
        rows.close()
    return report.columns, report.mapping
