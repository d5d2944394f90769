"""`flask refresh-figures`: rebuild the cells the figures pages count now (the worker's schedule
does it every ten minutes)."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.reports.refresh import refresh_figures


@click.command("refresh-figures")
@click.option("--office", "code", help="the office's code (default: every office)")
@with_appcontext
def refresh_figures_command(code: str | None) -> None:
    """Rebuild the figures of one office or of every office now (the worker does it every ten
    minutes)."""
    office_id = None
    if code:
        office_id = db.session.scalar(sa.select(Office.id).where(Office.code == code.upper()))
        if office_id is None:
            raise click.ClickException(f"no office with the code {code}")
    start = time.perf_counter()
    refresh_figures(office_id)
    db.session.commit()
    click.echo(f"figures refreshed ({code or 'every office'}) in "
               f"{time.perf_counter() - start:.1f} s")
