"""Pagination of select() statements with a total count (exact, or capped for big lists)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from alumni_app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    total_is_capped: bool = False  # more than `total` matched: show "10,000+"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.total_is_capped

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def parse_page(value: str | None) -> int:
    """Read a page number from the query string; odd input gives page 1, never an error."""
    try:
        page = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), 100_000)


def capped_count(query: sa.Select, limit: int) -> tuple[int, bool]:
    """Count the rows of `query` up to `limit`: (count, True) when more than `limit` match.

    The database stops after limit + 1 rows instead of visiting every match.
    """
    bounded = query.order_by(None).limit(limit + 1).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(bounded))
    return (limit, True) if total > limit else (total, False)


Window = Callable[[int, bool, int], sa.Select]  # (total, capped, offset) -> the page's select()


def paginate(query: sa.Select | Window, page: int, per_page: int, *, rows: bool = False,
             max_count: int | None = None, count_query: sa.Select | None = None) -> Page:
    """Return one page of `query` (entities, or whole rows when `rows`) and the total count.

    With `max_count` the count stops there (or at the requested page, if further) and the
    page says `total_is_capped`. `count_query` replaces `query` for counting (same rows,
    cheaper shape); `query` may be a function of (total, capped, offset) returning the
    select() to page, to pick its shape from the count.
    """
    counted = count_query if count_query is not None else query
    if max_count is None:
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(counted.order_by(None).subquery()))
        capped = False
    else:
        total, capped = capped_count(counted, max(max_count, page * per_page))
    page = min(page, max(1, math.ceil(total / per_page)))
    offset = (page - 1) * per_page
    statement = query(total, capped, offset) if callable(query) else query
    window = statement.limit(per_page).offset(offset)
    result = db.session.execute(window) if rows else db.session.scalars(window).unique()
    return Page(items=list(result.all()), page=page, per_page=per_page, total=total,
                total_is_capped=capped)
