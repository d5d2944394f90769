"""The course catalog: fiscal years, who extends the lists of sectors and regions."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.training import policy as training_policy
from alumni_app.training import services
from alumni_app.training.models import Course, Region, Sector
from tests.factories import make_course, make_region, make_sector


def _form(course: Course | None = None, **values) -> dict:
    data = {"code": course.code if course else "J-NEW", "title": "Road maintenance",
            "program_type": "issue_based", "sector_id": "0", "host_institution": "",
            "host_city": "", "start_on": "", "end_on": "", "fiscal_year": ""}
    return {**data, **values}


def test_editing_a_course_without_dates_keeps_its_fiscal_year(login, users):
    course = make_course(fiscal_year=2016)
    officer = login(users["officer"])
    page = officer.get(f"/courses/{course.id}/edit").get_data(as_text=True)
    assert 'value="2016"' in page
    response = officer.post(f"/courses/{course.id}/edit",
                            data=_form(course, title="Roads", fiscal_year="2016"))
    assert response.status_code == 302
    db.session.refresh(course)
    assert (course.title, course.fiscal_year) == ("Roads", 2016)


def test_the_fiscal_year_can_be_set_by_hand_when_the_dates_are_not_known(login, users):
    course = make_course(fiscal_year=2016)
    officer = login(users["officer"])
    assert officer.post(f"/courses/{course.id}/edit",
                        data=_form(course, fiscal_year="2017")).status_code == 302
    db.session.refresh(course)
    assert course.fiscal_year == 2017
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "course.updated")).one()
    assert event.details_dict["changes"]["fiscal_year"] == [2016, 2017]


def test_without_a_start_date_the_fiscal_year_is_required(login, users):
    response = login(users["officer"]).post("/courses/new", data=_form())
    assert response.status_code == 400
    assert "Enter the start date or the fiscal year." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


@pytest.mark.parametrize(("start", "year"), [("2020-02-10", 2019), ("2020-04-01", 2020)])
def test_the_fiscal_year_follows_the_start_date(login, users, start, year):
    response = login(users["officer"]).post("/courses/new", data=_form(start_on=start))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Course.fiscal_year)) == year


def test_a_fiscal_year_contradicting_the_start_date_is_refused(login, users):
    response = login(users["officer"]).post("/courses/new", data=_form(
        start_on="2020-05-01", fiscal_year="2019", title="Kept as typed"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is in fiscal year 2020" in body and "Kept as typed" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


@pytest.mark.parametrize(("start", "end"), [("2020-05-01", "9999-12-31"),
                                            ("0001-01-01", "2020-05-01")])
def test_course_dates_far_from_any_course_are_refused(login, users, start, end):
    response = login(users["officer"]).post("/courses/new", data=_form(start_on=start,
                                                                       end_on=end))
    assert response.status_code == 400
    assert "Enter a date between 1950 and 2100" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_the_service_keeps_or_checks_the_fiscal_year(app):
    course = make_course(fiscal_year=2015)
    values = {"code": course.code, "title": "T", "program_type": "other", "sector_id": None,
              "host_institution": "", "host_city": "", "start_on": None, "end_on": None}
    services.save_course(None, course, values)
    assert course.fiscal_year == 2015
    with pytest.raises(services.FiscalYearMismatch):
        services.save_course(None, course, {**values, "start_on": date(2019, 4, 1),
                                            "fiscal_year": 2018})
    services.save_course(None, course, {**values, "start_on": date(2019, 3, 31)})
    assert course.fiscal_year == 2018


def test_officers_extend_the_sectors(login, users):
    officer = login(users["officer"])
    assert officer.get("/admin/sectors").status_code == 200
    assert officer.post("/admin/sectors/new", data={
        "name_en": "Disaster risk reduction", "name_ru": "Снижение риска бедствий",
        "is_active": "y"}).status_code == 302
    assert db.session.scalar(sa.select(Sector.name_ru)) == "Снижение риска бедствий"
    assert login(users["alumnus"]).get("/admin/sectors").status_code == 403


@pytest.mark.parametrize(("role", "may_change"), [("officer", False), ("manager", False),
                                                   ("admin", True)])
def test_only_admins_rename_or_retire_a_shared_sector(login, users, role, may_change):
    sector = make_sector(name_en="Health", name_ru="Здравоохранение")
    client = login(users[role])
    page = client.get("/admin/sectors").get_data(as_text=True)
    assert (f'href="/admin/sectors/{sector.id}"' in page) is may_change
    assert ('href="/admin/sectors/new"' in page)  # every member of staff adds sectors
    response = client.post(f"/admin/sectors/{sector.id}", data={
        "name_en": "Health care", "name_ru": "Здравоохранение"})  # is_active unticked
    assert response.status_code == (302 if may_change else 403)
    db.session.refresh(sector)
    assert (sector.name_en, sector.is_active) == (("Health care", False) if may_change
                                                  else ("Health", True))
    assert training_policy.can_add_sector(users[role])
    assert training_policy.can_change_sector(users[role]) is may_change


def test_officers_extend_their_own_offices_regions_only(login, users, office, other_office):
    officer = login(users["officer"])
    page = officer.get("/admin/regions").get_data(as_text=True)
    assert "Add a region" in page
    assert officer.post("/admin/regions/new", data={
        "office_id": office.id, "name_en": "Khatlon", "name_ru": "Хатлонская область",
        "is_active": "y"}).status_code == 302
    region = db.session.scalar(sa.select(Region))
    assert (region.office_id, region.name_ru) == (office.id, "Хатлонская область")
    assert officer.post(f"/admin/regions/{region.id}", data={
        "office_id": office.id, "name_en": "Khatlon region", "name_ru": "Хатлонская область",
        "is_active": "y"}).status_code == 302
    assert officer.post("/admin/regions/new", data={
        "office_id": other_office.id, "name_en": "Chui", "name_ru": "Чуйская область",
        "is_active": "y"}).status_code in (400, 403)
    foreign = make_region(other_office, name_en="Naryn")
    assert officer.get(f"/admin/regions/{foreign.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 2
    assert login(users["alumnus"]).get("/admin/regions/new").status_code == 403


def test_a_course_page_counts_the_viewers_office_only(login, users, office):
    """The count comes from alumni (records know their office) through a hook: an officer
    sees their office's people on the course, an administrator everyone's."""
    from alumni_app.alumni import services as records
    from tests.factories import make_office, make_record

    course = make_course()
    other = make_office(code="KG", name="JICA Kyrgyz Republic Office")
    for keeper, count in ((office, 2), (other, 3)):
        for _ in range(count):
            records.add_participation(None, make_record(keeper), course.id)
    db.session.commit()
    assert "Participants from your office: 2" in login(users["officer"]).get(
        f"/courses/{course.id}").get_data(as_text=True)
    assert "Participants from your office: 5" in login(users["admin"]).get(
        f"/courses/{course.id}").get_data(as_text=True)
