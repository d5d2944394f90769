"""URL converters: what a path segment may hold before any view sees it."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest value an id column holds on every database we run on (PostgreSQL's INTEGER;
# SQLite's go to 2**63 - 1, beyond which its driver raises OverflowError on the query).
MAX_ID = 2_147_483_647


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits, at most MAX_ID; anything else is not found.

    Without the bound, /plans/9223372036854775808 reached the view, whose query failed in the
    database driver: a 500 on every route with an id (from 2**31 on PostgreSQL).
    """

    regex = r"[0-9]+"  # not `\d`: "١٢٣" is no id in our URLs

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        bound = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits, min, bound, signed)


def register(app: Flask) -> None:
    """Use IdConverter for `int`: before any blueprint, since rules bind their converter."""
    app.url_map.converters["int"] = IdConverter
