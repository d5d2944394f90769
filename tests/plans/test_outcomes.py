"""Outcomes by course: counts without names, scoped to the office, downloadable as XLSX."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.plans import services
from alumni_app.plans.outcomes import SMALL_GROUP
from alumni_app.plans.services import UpdateValues
from alumni_app.training.models import Participation
from tests import factories
from tests.plans import factories as plan_factories


def test_the_outcome_table_counts_plans_barriers_activities_and_people(app, login, users,
                                                                        office, plan, record):
    course = plan.participation.course
    for name in ("Classmate", "Deskmate"):
        classmate = factories.make_record(office, family_name=name)
        participation = Participation(record_id=classmate.id, course_id=course.id)
        db.session.add(participation)
        db.session.flush()
        services.post_update(users["officer"], plan_factories.make_plan(participation),
                             UpdateValues("Stuck", barrier_ids=[1]))
    services.post_update(users["alumnus"], plan, UpdateValues("Stuck", barrier_ids=[1, 2]))
    plan_factories.make_activity(record, users["alumnus"], plan, total=30, women=10, men=20)
    db.session.commit()
    http = login(users["officer"])
    page = http.get("/plans/outcomes").get_data(as_text=True)
    assert course.code in page and "Budget 3" in page and "Equipment 1" in page
    assert "Karimova" not in page and "Classmate" not in page  # anonymised
    response = http.get(f"/plans/outcomes.xlsx?fy={course.fiscal_year}")
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["Ex-participants"] == 3 and row["Action plans"] == 3
    assert row["In progress"] == 3 and row["Activities"] == 1 and row["People reached"] == 30
    assert row["People reached per ex-participant"] == 10 and row["Barrier: Budget"] == 3
    assert row["People reached: Women"] == 10 and row["People reached: Men"] == 20
    assert not any("Karimova" in str(c.value) for r in sheet.iter_rows() for c in r)


def test_other_offices_and_alumni_do_not_see_the_figures(app, login, users, plan, make_user,
                                                         other_office):
    other = login(make_user(role="manager", office=other_office, second_factor=True))
    assert plan.participation.course.code not in other.get("/plans/outcomes").get_data(
        as_text=True)
    for group in ("course", "program_type", "fiscal_year"):
        data = other.get(f"/plans/outcomes.xlsx?group={group}").data
        assert openpyxl.load_workbook(io.BytesIO(data)).active.max_row == 1
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


def sheet_rows(http, query: str) -> list[dict]:
    response = http.get(f"/plans/outcomes.xlsx{query}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)
            if sum(v is not None for v in r) > 1]  # not the note under the table


def course_with(office, n: int, start_on=date(2024, 1, 15), **values):
    """A course taken by `n` ex-participants of `office`, each with a plan."""
    course = factories.make_course(**values)
    course.set_dates(start_on, start_on + timedelta(days=30))
    for _index in range(n):
        participation = Participation(record_id=factories.make_record(office).id,
                                      course_id=course.id)
        db.session.add(participation)
        db.session.flush()
        plan_factories.make_plan(participation)
    db.session.commit()
    return course


def test_rows_per_program_type_and_fiscal_year_with_totals(app, login, users, office, barriers):
    first = course_with(office, 3, program_type="issue_based")  # FY 2023
    course_with(office, 2, date(2024, 6, 1), program_type="issue_based")
    leaders = course_with(office, 4, date(2024, 6, 1), program_type="young_leaders")
    record = db.session.scalar(sa.select(Participation.record_id).where(
        Participation.course_id == first.id).limit(1))
    db.session.add(Participation(record_id=record, course_id=leaders.id))  # took two courses
    db.session.commit()
    http = login(users["officer"])
    by_type = sheet_rows(http, "?group=program_type")
    assert [(r["Program type"], r["Ex-participants"], r["Action plans"]) for r in by_type] == [
        ("Training and dialogue program (issue-based)", 5, 5),
        ("Young leaders program", 5, 4), ("Total", 9, 9)]
    by_year = sheet_rows(http, "?group=fiscal_year&program_type=issue_based")
    assert [(r["Fiscal year"], r["Ex-participants"]) for r in by_year] == [
        (2024, 2), (2023, 3), ("Total", 5)]
    # Two ex-participants in 2024: how their plans stand is withheld.
    assert by_year[0]["In progress"] == "—" and by_year[1]["In progress"] == 3
    page = http.get("/plans/outcomes?group=fiscal_year").get_data(as_text=True)
    assert "One row per fiscal year" in page and "<td>2023</td>" in page and "Total" in page
    by_course = sheet_rows(http, "")
    assert by_course[-1]["Course number or code"] == "Total"
    assert by_course[-1]["Ex-participants"] == 9 and by_course[-1]["Action plans"] == 9


def test_small_groups_show_no_status_or_barriers(app, login, users, plan):
    services.post_update(users["alumnus"], plan, UpdateValues("Stuck", barrier_ids=[1]))
    db.session.commit()
    http = login(users["officer"])
    page = http.get("/plans/outcomes").get_data(as_text=True)
    assert f"plans of fewer than {SMALL_GROUP} ex-participants" in page
    assert f"fewer than {SMALL_GROUP} ex-participants reported barriers" in page
    assert "Budget 1" not in page and "In progress 1" not in page
    assert "so that no one can be recognised" in page
    row = sheet_rows(http, "")[0]
    assert row["Action plans"] == 1 and row["In progress"] == "—"
    assert row["Barrier: Budget"] == "—"


def test_text_in_the_download_never_becomes_a_formula_or_a_link(app, login, users, office,
                                                                  barriers):
    course = course_with(office, 1, title='=HYPERLINK("http://evil.example","x")',
                         host_institution="http://evil.example/")
    response = login(users["officer"]).get("/plans/outcomes.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    title, host = sheet.cell(2, 2), sheet.cell(2, 5)
    assert title.value == course.title and title.data_type == "s"
    assert host.value == "http://evil.example/" and host.hyperlink is None
