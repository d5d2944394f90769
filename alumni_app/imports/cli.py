"""`flask import-alumni FILE --office CODE [--commit]`: the spreadsheet import for operators."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from alumni_app.extensions import db
from alumni_app.imports import services
from alumni_app.imports.columns import FIELDS, column_letter
from alumni_app.imports.errors import ImportFileError
from alumni_app.imports.report import (
    ImportReport,
    duplicate_text,
    issue_text,
    junk_text,
    problem_text,
)
from alumni_app.offices.models import Office

PROGRESS_EVERY = 10_000
LISTED = 20


def _office(code: str) -> Office:
    office = db.session.scalar(sa.select(Office).where(Office.code == code.strip().upper()))
    if office is None:
        raise click.UsageError(f"no office with code {code!r}")
    return office


def operator() -> dict:
    """The history's word for who ran an import from the command line: no user, a login."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        login = "unknown"
    return {"via": "command line", "os_user": login[:64]}


def _mapping(path: Path, choices: tuple[str, ...]) -> list[str] | None:
    """Apply COLUMN=FIELD choices (a column's title or letter) to the guessed mapping."""
    if not choices:
        return None
    columns, mapping = services.read_columns(path)
    for choice in choices:
        column, _, field = choice.partition("=")
        column, field = column.strip().casefold(), field.strip()
        field = "" if field == "ignore" else field
        matches = [i for i, title in enumerate(columns)
                   if column in (title.casefold(), column_letter(i).casefold())]
        if not matches or field not in ("", *FIELDS):
            raise click.UsageError(
                f"--map {choice!r}: name a column of the file (its title or letter) and one of: "
                f"ignore, {', '.join(FIELDS)}")
        mapping[matches[0]] = field
    return mapping


def _progress():
    shown = {"last": 0}

    def report(rows: int) -> None:
        if rows // PROGRESS_EVERY > shown["last"] // PROGRESS_EVERY:
            click.echo(f"... {rows:,} rows read", err=True)
        shown["last"] = rows

    return report


def _listing(title: str, lines: list[str], total: int) -> None:
    if not lines:
        return
    click.echo(f"{title}:")
    for line in lines[:LISTED]:
        click.echo(f"  {line}")
    if total > LISTED:
        click.echo(f"  ... and {total - LISTED} more")


def _summary(report: ImportReport) -> None:
    click.echo(f"file: {report.file_name} (column names on row {report.header_row})")
    click.echo("columns: " + ", ".join(
        f"{title} -> {field or 'ignored'}" for title, field in zip(report.columns, report.mapping,
                                                                  strict=False)))
    for problem in report.problems:
        click.echo(f"problem: {problem_text(problem)}")
    for note in report.notes:
        click.echo(f"note: {problem_text(note)}")
    click.echo(f"rows read: {report.rows}")
    click.echo(f"created: {report.created}")
    click.echo(f"updated: {report.updated}")
    click.echo(f"skipped (no changes): {report.unchanged}")
    click.echo(f"with errors: {report.error_rows}")
    click.echo(f"probable duplicates: {report.duplicate_count}")
    click.echo(f"warnings: {report.warning_count}")
    click.echo(f"courses created: {len(report.courses_created)}")
    click.echo(f"participations added: {report.participations}")
    click.echo(f"blank rows ignored: {report.blank}")
    click.echo(f"skipped (totals, notes, separators): {report.junk}")
    _listing("errors", [f"row {i.row}: {issue_text(i)}" for i in report.errors],
             report.error_count)
    _listing("probable duplicates", [f"row {d['row']} {d['name']}: {duplicate_text(d)}"
                                     for d in report.duplicates], report.duplicate_count)
    _listing("warnings", [f"row {i.row}: {issue_text(i)}" for i in report.warnings],
             report.warning_count)
    _listing("skipped rows", [f"row {j['row']}: {junk_text(j)}" for j in report.junk_rows],
             report.junk)
    for field, values in report.unmatched.items():
        _listing(f"{field} values not recognised (left empty; choose them on the dry run's "
                 "page to have them remembered)",
                 [f"{v['text']} ({v['rows']} rows)" for v in values.values()], len(values))


@click.command("import-alumni")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--office", "office_code", required=True, help="Code of the office (e.g. TJ).")
@click.option("--commit", is_flag=True, help="Import. Without it: a dry run that writes nothing.")
@click.option("--skip-errors", is_flag=True,
              help="With --commit: import the other rows when some rows have errors.")
@click.option("--map", "choices", multiple=True, metavar="COLUMN=FIELD",
              help="Read a column (title or letter) as FIELD, or 'ignore' it. Repeatable.")
@with_appcontext
def import_alumni(path, office_code, commit, skip_errors, choices):
    """Import ex-participant records from a CSV or XLSX file (a dry run unless --commit)."""
    office = _office(office_code)
    try:
        report = services.run_import(path, office, None, commit=commit,
                                     mapping=_mapping(path, choices), skip_errors=skip_errors,
                                     progress=_progress(), origin=operator())
    except ImportFileError as exc:
        raise click.ClickException(exc.message()) from None
    _summary(report)
    if report.applied:
        db.session.commit()
        click.echo("imported.")
    elif commit:
        raise click.ClickException("nothing was imported: fix the problems above"
                                   + ("" if report.problems else " or use --skip-errors"))
    else:
        click.echo("dry run: nothing was written. Add --commit to import.")


def register(app: Flask) -> None:
    app.cli.add_command(import_alumni)
