"""Pagination of select() statements with a total count."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from alumni_app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

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


def paginate(query: sa.Select, page: int, per_page: int, *, rows: bool = False) -> Page:
    """Return one page of `query` (entities, or whole rows when `rows`) and the total count."""
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    total = db.session.scalar(counted)
    page = min(page, max(1, math.ceil(total / per_page)))
    window = query.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(window) if rows else db.session.scalars(window).unique()
    return Page(items=list(result.all()), page=page, per_page=per_page, total=total)
