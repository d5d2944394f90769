"""Outcome tables never reveal one person's plan: not in a row, nor by subtracting rows.

The reviewer's example: course BIG (three people, plans in progress, each reporting a budget
barrier) and course ONE (one person, plan abandoned, a legal barrier). ONE's figures must not be
obtainable from the total, from a program type or fiscal year row, on the page or in the XLSX.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.plans import services
from alumni_app.plans.models import Barrier
from alumni_app.plans.outcomes import WITHHELD
from alumni_app.plans.services import UpdateValues
from alumni_app.training.models import Participation
from tests import factories
from tests.plans import factories as plan_factories
from tests.plans.test_outcomes import sheet_rows

STATUSES = ("Draft", "In progress", "Completed", "Stalled", "Abandoned")
LEGAL = "Barrier: Legal or regulatory"


def _barrier(name: str) -> int:
    return db.session.scalar(sa.select(Barrier.id).filter_by(name_en=name))


def course_of(office, officer, people: int, start_on: date, program_type: str, *,
              status="in_progress", barrier="Budget", plans_each=1, code=None):
    """A course taken by `people` of `office`, each with plans reporting `barrier`."""
    course = factories.make_course(program_type=program_type, **({"code": code} if code else {}))
    course.set_dates(start_on, start_on + timedelta(days=30))
    for _person in range(people):
        participation = Participation(record_id=factories.make_record(office).id,
                                      course_id=course.id)
        db.session.add(participation)
        db.session.flush()
        for _plan in range(plans_each):
            plan = plan_factories.make_plan(participation, status=status)
            if barrier:
                services.post_update(officer, plan, UpdateValues(
                    "Met a barrier", barrier_ids=[_barrier(barrier)]))
    db.session.commit()
    return course


@pytest.fixture
def example(office, users, barriers):
    """BIG in FY 2023 (issue-based), ONE in FY 2024 (young leaders)."""
    big = course_of(office, users["officer"], 3, date(2024, 1, 15), "issue_based", code="BIG")
    one = course_of(office, users["officer"], 1, date(2024, 6, 1), "young_leaders",
                    status="abandoned", barrier="Legal or regulatory", code="ONE")
    return big, one


def _withheld_everywhere(row: dict) -> None:
    for column in (*STATUSES, "Barrier: Budget", LEGAL):
        assert row[column] == WITHHELD, (row, column)


def _note(http, query: str) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(http.get(f"/plans/outcomes.xlsx{query}").data)).active
    notes = [r[0] for r in sheet.iter_rows(values_only=True) if sum(v is not None for v in r) == 1]
    assert len(notes) == 1
    return notes[0]


@pytest.mark.parametrize(("group", "label", "big_key", "one_key"), [
    ("course", "Course number or code", "BIG", "ONE"),
    ("program_type", "Program type", "Training and dialogue program (issue-based)",
     "Young leaders program"),
    ("fiscal_year", "Fiscal year", 2023, 2024),
])
def test_the_total_cannot_be_used_to_subtract_the_large_row_in_the_download(
        app, login, users, example, group, label, big_key, one_key):
    http = login(users["officer"])
    rows = {r[label]: r for r in sheet_rows(http, f"?group={group}")}
    assert set(rows) == {big_key, one_key, "Total"}
    big, one, total = rows[big_key], rows[one_key], rows["Total"]
    assert (big["In progress"], big["Abandoned"], big["Barrier: Budget"], big[LEGAL]) == (
        3, 0, 3, 0)
    _withheld_everywhere(one)
    _withheld_everywhere(total)  # Total minus BIG would be ONE's plan
    assert (total["Ex-participants"], total["Action plans"]) == (4, 4)  # counts stay
    note = _note(http, f"?group={group}")
    assert "cannot be worked out by subtraction" in note and "the total" in note


def _cells(page: str, part: str) -> str:
    return re.search(rf"<{part}>.*?</{part}>", page, re.S).group(0)


@pytest.mark.parametrize("group", ["course", "program_type", "fiscal_year"])
def test_the_total_cannot_be_used_to_subtract_the_large_row_on_the_page(
        app, login, users, example, group):
    page = login(users["officer"]).get(f"/plans/outcomes?group={group}").get_data(as_text=True)
    body, foot = _cells(page, "tbody"), _cells(page, "tfoot")
    assert "In progress 3" in body and "Budget 3" in body  # BIG is shown
    assert "Abandoned" not in page and "Legal or regulatory" not in page
    assert "plans of fewer than 3 ex-participants" in body or \
        "withheld, as for a course it counts" in body
    assert "In progress" not in foot and "Budget" not in foot
    assert foot.count("withheld, as for a course it counts") == 2
    assert "cannot be worked out by subtraction" in page


def test_a_page_of_courses_withholds_the_total_for_a_course_on_another_page(
        app, login, users, example):
    app.config["PAGE_SIZE"] = 1
    http = login(users["officer"])
    page = http.get("/plans/outcomes?page=2").get_data(as_text=True)  # BIG; ONE is on page 1
    assert "BIG" in _cells(page, "tbody") and "ONE" not in page
    assert "In progress 3" in _cells(page, "tbody")
    assert "In progress" not in _cells(page, "tfoot") and "Abandoned" not in page


def test_a_group_row_cannot_be_used_to_subtract_its_large_course(app, login, users, office,
                                                                 barriers):
    """BIG and ONE of one program type and fiscal year: that row minus BIG would be ONE."""
    course_of(office, users["officer"], 3, date(2024, 5, 1), "issue_based", code="BIG")
    course_of(office, users["officer"], 1, date(2024, 5, 15), "issue_based", status="abandoned",
              barrier="Legal or regulatory", code="ONE")
    http = login(users["officer"])
    for group, label in (("program_type", "Program type"), ("fiscal_year", "Fiscal year")):
        row, total = sheet_rows(http, f"?group={group}")
        assert row["Action plans"] == 4 and total[label] == "Total"
        _withheld_everywhere(row)
        _withheld_everywhere(total)
        page = http.get(f"/plans/outcomes?group={group}").get_data(as_text=True)
        assert "Abandoned" not in page and "In progress" not in _cells(page, "tbody")
    # A filter gives the same group as a total: withheld too.
    _row, _one, total = sheet_rows(http, "?program_type=issue_based&fy=2024")
    _withheld_everywhere(total)


def test_the_cut_off_counts_the_people_with_plans_not_the_participants(app, login, users,
                                                                       office, barriers):
    """Five people took the course, one wrote a plan (three of them, in fact): withheld."""
    course = course_of(office, users["officer"], 1, date(2024, 1, 15), "issue_based",
                       status="stalled", plans_each=3, code="FIVE")
    for _index in range(4):
        db.session.add(Participation(record_id=factories.make_record(office).id,
                                     course_id=course.id))
    db.session.commit()
    row, _total = sheet_rows(login(users["officer"]), "")
    assert (row["Ex-participants"], row["Action plans"]) == (5, 3)
    _withheld_everywhere(row)


def test_barriers_need_enough_people_reporting_them(app, login, users, office, barriers):
    """Three people with plans, one reporting a barrier: status shown, barriers withheld."""
    course = course_of(office, users["officer"], 2, date(2024, 1, 15), "issue_based",
                       barrier=None, code="FEW")
    participation = Participation(record_id=factories.make_record(office).id,
                                  course_id=course.id)
    db.session.add(participation)
    db.session.flush()
    services.post_update(users["officer"], plan_factories.make_plan(participation),
                         UpdateValues("Stuck", barrier_ids=[_barrier("Legal or regulatory")]))
    db.session.commit()
    http = login(users["officer"])
    row, total = sheet_rows(http, "")
    for each in (row, total):
        assert each["In progress"] == 3 and each[LEGAL] == WITHHELD
    page = http.get("/plans/outcomes").get_data(as_text=True)
    assert "In progress 3" in page and "Legal or regulatory" not in page
    assert "fewer than 3 ex-participants reported barriers" in page
