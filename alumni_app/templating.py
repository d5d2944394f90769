"""Jinja globals and filters: permissions, languages, locale-aware formatting, pagination links."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from alumni_app.permissions import template_globals
from alumni_app.training.labels import program_type_label


def page_url(page: int) -> str:
    """Return the current URL with another page number, keeping the other query arguments."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def sort_url(column: str) -> str:
    """Return the current URL sorted by `column`, flipping the direction if already sorted so."""
    args = request.args.to_dict(flat=True)
    current = args.get("sort", "")
    args["sort"] = f"-{column}" if current == column else column
    args.pop("page", None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        template_globals(),
        page_url=page_url,
        sort_url=sort_url,
        current_locale=lambda: str(get_locale()),
        languages=app.config["LANGUAGES"],
        program_type_label=program_type_label,
    )
    app.jinja_env.filters.update(
        datetime=lambda v, fmt="medium": format_datetime(v, fmt) if v else "",
        date=lambda v, fmt="medium": format_date(v, fmt) if v else "",
        number=lambda v: format_decimal(v) if v is not None else "",
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
