"""Outcomes by course: counts without names, scoped to the office, downloadable as XLSX."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.plans import services
from alumni_app.plans.services import UpdateValues
from alumni_app.training.models import Participation
from tests import factories
from tests.plans import factories as plan_factories


def test_the_outcome_table_counts_plans_barriers_activities_and_people(app, login, users,
                                                                        office, plan, record):
    course = plan.participation.course
    classmate = factories.make_record(office, family_name="Classmate")
    db.session.add(Participation(record_id=classmate.id, course_id=course.id))
    services.post_update(users["alumnus"], plan, UpdateValues("Stuck", barrier_ids=[1, 2]))
    plan_factories.make_activity(record, users["alumnus"], plan, total=30, women=10, men=20)
    db.session.commit()
    http = login(users["officer"])
    page = http.get("/plans/outcomes").get_data(as_text=True)
    assert course.code in page and "Budget 1" in page and "Equipment 1" in page
    assert "Karimova" not in page and "Classmate" not in page  # anonymised
    response = http.get(f"/plans/outcomes.xlsx?fy={course.fiscal_year}")
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["Ex-participants"] == 2 and row["Action plans"] == 1
    assert row["In progress"] == 1 and row["Activities"] == 1 and row["People reached"] == 30
    assert row["People reached per ex-participant"] == 15 and row["Barrier: Budget"] == 1
    assert not any("Karimova" in str(c.value) for r in sheet.iter_rows() for c in r)


def test_other_offices_and_alumni_do_not_see_the_figures(app, login, users, plan, make_user,
                                                         other_office):
    other = login(make_user(role="manager", office=other_office, second_factor=True))
    assert plan.participation.course.code not in other.get("/plans/outcomes").get_data(
        as_text=True)
    sheet = openpyxl.load_workbook(io.BytesIO(other.get("/plans/outcomes.xlsx").data)).active
    assert sheet.max_row == 1
    assert login(users["alumnus"]).get("/plans/outcomes").status_code == 403
    assert login(users["alumnus"]).get("/plans/outcomes.xlsx").status_code == 403


def test_filters_by_program_type_and_fiscal_year(app, login, users, plan):
    http = login(users["admin"])
    code = plan.participation.course.code
    assert code in http.get("/plans/outcomes?program_type=issue_based").get_data(as_text=True)
    assert code not in http.get("/plans/outcomes?program_type=long_term").get_data(as_text=True)
    assert code not in http.get("/plans/outcomes?fy=1999").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Participation.id))) == 1


def test_odd_fiscal_years_never_fail(app, login, users, plan):
    http = login(users["officer"])
    for query in ("?fy=²²²²", "?fy=٢٠٢٤", "?fy=-1&program_type=²", "?page=²"):
        assert http.get(f"/plans/outcomes{query}").status_code == 200
        assert http.get(f"/plans/outcomes.xlsx{query}").status_code == 200


def test_an_activity_without_a_plan_counts_for_the_course_it_follows_from(app, login, users,
                                                                        record, plan):
    other = plan_factories.make_participation(record, code="KM-9", title="Other course")
    plan_factories.make_activity(record, users["alumnus"], participation_id=other.id, total=7,
                                 women=3, men=4)
    plan_factories.make_activity(record, users["alumnus"], plan, total=5, women=1, men=1)
    plan_factories.make_activity(record, users["alumnus"], total=100, women=0, men=0)
    sheet = openpyxl.load_workbook(io.BytesIO(login(users["officer"]).get(
        "/plans/outcomes.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                              values_only=True)}
    assert rows["KM-9"]["Activities"] == 1 and rows["KM-9"]["People reached"] == 7
    course = plan.participation.course.code
    assert rows[course]["Activities"] == 1 and rows[course]["People reached"] == 5
