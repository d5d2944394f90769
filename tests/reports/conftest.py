"""Fixtures: a small office whose figures are written out by hand in the tests."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.plans import services as plan_services
from tests.reports import factories as f


class Tables(HTMLParser):
    """The page's tables by id: {id: {row header: [cells]}} (text, whitespace collapsed)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self._table = self._row = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], {})
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row:
            self._table[self._row[0]] = self._row[1:]
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@dataclass
class Office:
    """The ids of the hand-made office (see `figures_office`)."""

    office: object
    health: int
    energy: int
    dushanbe: int
    sughd: int
    courses: list
    people: list
    participations: list


@pytest.fixture
def figures_office(app, office, other_office, users):
    """Seven people of `office` on three courses (and one of another office), no plans yet.

    Figures count courses taken: p1 counts twice (C1 and C3), so the office has 8.

    C1: FY 2022, Health, issue-based, host A: p1 (F, Dushanbe, Ministry of Health),
        p2 (M, Dushanbe, Ministry of Health), p3 (F, Sughd, Tajik Technical University)
    C2: FY 2023, Energy, country-focused, host B: p4 (M, Sughd, Association of Water Users),
        p5 (F, Sughd, Ministry of Energy), p6 (M, Dushanbe, Ministry of Energy),
        p7 (F, no region, Ministry of Energy)
    C3: FY 2023, Health, young leaders, host A: p1 again
    """
    plan_services.ensure_default_barriers()
    health, energy = f.sector("Health", "Здравоохранение"), f.sector("Energy", "Энергетика")
    dushanbe, sughd = f.region(office, "Dushanbe", "Душанбе"), f.region(office, "Sughd")
    c1 = f.course(2022, health.id, "issue_based", "Host A")
    c2 = f.course(2023, energy.id, "country_focused", "Host B")
    c3 = f.course(2023, health.id, "young_leaders", "Host A")
    specs = [("female", dushanbe, "Ministry of Health"), ("male", dushanbe, "Ministry of Health"),
             ("female", sughd, "Tajik Technical University"),
             ("male", sughd, "Association of Water Users"), ("female", sughd, "Ministry of Energy"),
             ("male", dushanbe, "Ministry of Energy"), ("female", None, "Ministry of Energy")]
    people = [f.person(office, gender=g, region_id=r.id if r else None, organization=o)
              for g, r, o in specs]
    parts = [f.took(p, c1) for p in people[:3]] + [f.took(p, c2) for p in people[3:]]
    parts.append(f.took(people[0], c3))
    stranger = f.person(other_office, gender="male", organization="Ministry of Health")
    f.took(stranger, c1)
    f.refresh()
    return Office(office, health.id, energy.id, dushanbe.id, sughd.id, [c1, c2, c3], people,
                  parts)


@pytest.fixture
def tables():
    return lambda html: Tables(html).tables


@pytest.fixture
def count_queries(app):
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", before)
