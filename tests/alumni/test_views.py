"""Directory and record pages: what each person sees, what staff can change, exports."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.models import AlumnusRecord, RecordPosition, Visibility
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.training.models import Participation
from tests.factories import make_course, make_record, make_region, make_sector


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_officer_creates_a_record_and_finds_it(login, users, office):
    officer = login(users["officer"])
    response = officer.post("/records/new", data={
        "family_name_cyr": "Гуломшоева", "given_name_cyr": "Дилноза", "gender": "female",
        "birth_year": "1984", "organization": "Ministry of Health", "region_id": "0"})
    assert response.status_code == 302
    record = db.session.scalar(sa.select(AlumnusRecord))
    assert record.office_id == office.id and record.birth_year == 1984
    page = officer.get("/directory?q=Ghulomshoyeva").get_data(as_text=True)
    assert "Гуломшоева" in page and "1 people found" in page
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.subject_type == "AlumnusRecord")) == "record.created"


def test_bad_record_input_keeps_what_was_typed(login, users):
    response = login(users["officer"]).post("/records/new", data={
        "organization": "Ministry of Energy", "birth_year": "nineteen", "email": "not-an-email",
        "region_id": "0", "gender": "female"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Ministry of Energy" in body
    assert "Latin or Cyrillic" in body and "name@example.org" in body
    assert _count(AlumnusRecord) == 0


def test_staff_cannot_touch_another_offices_record(login, users, other_office):
    foreign = make_record(other_office, family_name="Foreign")
    officer = login(users["officer"])
    for path in (f"/records/{foreign.id}/edit", f"/records/{foreign.id}/history",
                 f"/records/{foreign.id}/merge"):
        assert officer.get(path).status_code == 404
    assert officer.post(f"/records/{foreign.id}/edit", data={"family_name": "Hacked"}
                        ).status_code == 404
    assert officer.get(f"/directory/{foreign.id}").status_code == 404
    assert "Foreign" not in officer.get("/directory?q=foreign").get_data(as_text=True)
    db.session.refresh(foreign)
    assert foreign.family_name == "Foreign"


def _edit(record, **values) -> dict:
    return {"family_name": record.family_name, "given_name": "Given", "gender": "unspecified",
            "region_id": "0", "organization": record.organization, "position": record.position,
            **values}


def test_a_move_keeps_the_earlier_post_with_its_dates(login, users, office):
    record = make_record(office, organization="Ministry of Finance", position="Specialist",
                         post_started_on=date(2015, 9, 1))
    response = login(users["officer"]).post(f"/records/{record.id}/edit", data=_edit(
        record, organization="Tax Committee", position="Head of unit", post_change="moved",
        moved_on="2021-03-01"))
    assert response.status_code == 302
    db.session.refresh(record)
    assert (record.organization, record.post_started_on) == ("Tax Committee", date(2021, 3, 1))
    assert [(p.organization, p.position, p.started_on, p.ended_on) for p in record.positions] == [
        ("Ministry of Finance", "Specialist", date(2015, 9, 1), date(2021, 3, 1))]
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "record.updated")).one()
    assert event.details_dict["post"] == "moved"
    assert event.details_dict["changes"]["organization"] == ["Ministry of Finance",
                                                             "Tax Committee"]


def test_a_correction_changes_the_entry_and_keeps_no_post(login, users, office):
    record = make_record(office, organization="Ministry of Finanse", position="Specialist")
    response = login(users["officer"]).post(f"/records/{record.id}/edit", data=_edit(
        record, organization="Ministry of Finance", post_change="corrected"))
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.organization == "Ministry of Finance" and record.positions == []
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "record.updated")).one()
    assert event.details_dict["post"] == "corrected"
    assert event.details_dict["changes"]["organization"] == ["Ministry of Finanse",
                                                             "Ministry of Finance"]


@pytest.mark.parametrize(("values", "message"), [
    ({}, "Say whether this is a new post or a correction."),
    ({"post_change": "moved"}, "Enter the date the new post began."),
    ({"post_change": "moved", "moved_on": "2999-01-01"}, "cannot be in the future"),
    ({"post_change": "moved", "moved_on": "2010-01-01"}, "cannot begin before the current one"),
])
def test_a_changed_post_needs_a_clear_choice(login, users, office, values, message):
    record = make_record(office, organization="Ministry of Finance",
                         post_started_on=date(2015, 9, 1))
    response = login(users["officer"]).post(f"/records/{record.id}/edit", data=_edit(
        record, organization="Tax Committee", **values))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "Tax Committee" in body
    db.session.refresh(record)
    assert record.organization == "Ministry of Finance" and record.positions == []


def test_staff_add_correct_and_delete_earlier_posts(login, users, office):
    record = make_record(office, organization="Tax Committee")
    officer = login(users["officer"])
    assert officer.post(f"/records/{record.id}/posts/new", data={
        "organization": "Ministry of Energy", "position": "Engineer", "started_on": "2012-01-10",
        "ended_on": "2011-01-01"}).status_code == 400  # ends before it begins
    assert officer.post(f"/records/{record.id}/posts/new", data={
        "organization": "Ministry of Energy", "position": "Engineer", "started_on": "2012-01-10",
        "ended_on": "2016-05-31"}).status_code == 302
    post = db.session.scalar(sa.select(RecordPosition))
    page = officer.get(f"/records/{record.id}/posts").get_data(as_text=True)
    assert "Ministry of Energy" in page and "Jan 10, 2012" in page
    assert officer.post(f"/records/{record.id}/posts/{post.id}", data={
        "organization": "Ministry of Energy and Water", "position": "Engineer",
        "started_on": "2012-01-10", "ended_on": "2016-05-31"}).status_code == 302
    db.session.refresh(post)
    assert post.organization == "Ministry of Energy and Water"
    assert "Delete this earlier post" in officer.get(
        f"/records/{record.id}/posts/{post.id}/delete").get_data(as_text=True)
    assert officer.post(f"/records/{record.id}/posts/{post.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecordPosition)) == 0
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.subject_id == record.id).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["record.post_added", "record.post_updated", "record.post_deleted"]


def test_posts_of_another_record_or_office_are_out_of_reach(login, users, office,
                                                            other_office):
    mine, foreign = make_record(office), make_record(other_office)
    post = RecordPosition(record_id=foreign.id, organization="Secret ministry")
    db.session.add(post)
    db.session.commit()
    officer = login(users["officer"])
    assert officer.get(f"/records/{foreign.id}/posts").status_code == 404
    assert officer.get(f"/records/{mine.id}/posts/{post.id}").status_code == 404
    assert officer.post(f"/records/{mine.id}/posts/{post.id}/delete").status_code == 404
    assert db.session.get(RecordPosition, post.id) is not None


def test_the_record_page_shows_posts_and_who_nominated_for_each_course(login, users, office):
    record = make_record(office, organization="Tax Committee", post_started_on=date(2021, 3, 1))
    record.visibility = Visibility.ALL.value
    db.session.add(RecordPosition(record_id=record.id, organization="Ministry of Finance",
                                  position="Specialist", started_on=date(2015, 9, 1),
                                  ended_on=date(2021, 3, 1)))
    course = make_course(title="Public finance")
    services.add_participation(None, record, course.id,
                               nominating_organization="Ministry of Finance",
                               position="Specialist")
    db.session.commit()
    page = login(users["alumnus"]).get(f"/directory/{record.id}").get_data(as_text=True)
    assert "since Mar 1, 2021" in page
    assert "Sep 1, 2015 – Mar 1, 2021" in page
    assert "Nominated by:" in page and "as Specialist" in page


def test_alumni_see_chosen_contact_details_only(login, users, office):
    shown = make_record(office, family_name="Open", email="open@example.org", phone="+992 1")
    shown.visibility, shown.show_email = Visibility.ALL.value, True
    hidden = make_record(office, family_name="Hidden")
    db.session.commit()
    alumnus = login(users["alumnus"])
    page = alumnus.get(f"/directory/{shown.id}").get_data(as_text=True)
    assert "open@example.org" in page and "+992 1" not in page
    assert alumnus.get(f"/directory/{hidden.id}").status_code == 404
    assert alumnus.get("/directory/export.csv").status_code == 403


def test_csv_export_neutralises_formulas_and_reads_as_utf8(login, users, office, other_office):
    make_record(office, family_name="=HYPERLINK(\"http://x\")", given_name="Карим")
    make_record(other_office, family_name="Elsewhere")
    response = login(users["officer"]).get("/directory/export.csv")
    text = response.get_data().decode("utf-8")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert text.startswith("\ufeff") and "Карим" in text
    assert "'=HYPERLINK" in text and "Elsewhere" not in text


EXPORTED = {"phone": "+992 93 123 4567", "family_name": '=HYPERLINK("http://x","y")',
            "organization": "-2+3", "position": "@SUM(A1)", "given_name": "(3712) 62-44-01"}


def _exported(login, users, office, fmt: str) -> dict:
    make_record(office, **EXPORTED)
    response = login(users["officer"]).get(f"/directory/export.{fmt}")
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
            values_only=True))
    return dict(zip(rows[0], rows[1], strict=True))


def test_csv_export_prefixes_only_what_could_run(login, users, office):
    row = _exported(login, users, office, "csv")
    assert row["Phone"] == "+992 93 123 4567"  # a phone number keeps its value
    assert row["Given name"] == "(3712) 62-44-01"
    assert row["Family name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert (row["Organization"], row["Position"]) == ("'-2+3", "'@SUM(A1)")


def test_xlsx_export_writes_plain_text_that_never_runs(login, users, office):
    make_record(office, family_name="Other")
    row = _exported(login, users, office, "xlsx")
    assert row["Phone"] == "+992 93 123 4567"
    assert row["Family name"] == '=HYPERLINK("http://x","y")'  # text, not a formula
    assert (row["Organization"], row["Position"]) == ("-2+3", "@SUM(A1)")


def test_xlsx_cells_are_strings_not_formulas(login, users, office):
    make_record(office, family_name="=1+1", phone="+992 93 123 4567")
    response = login(users["officer"]).get("/directory/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = [c for c in sheet[2] if c.value in ("=1+1", "+992 93 123 4567")]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_exports_use_the_language_of_the_user(login, users, office):
    region = make_region(office, name_en="Sughd", name_ru="Согдийская область")
    sector = make_sector(name_en="Health", name_ru="Здравоохранение")
    record = make_record(office, family_name="Rahimova", gender="female", region_id=region.id)
    services.update_record(None, record, {}, sector_ids=[sector.id])
    users["officer"].preferred_language = "ru"
    db.session.commit()
    text = login(users["officer"]).get("/directory/export.csv").get_data().decode("utf-8-sig")
    assert "Согдийская область" in text and "Здравоохранение" in text and "Женский" in text
    assert "Sughd" not in text and "female" not in text


def test_xlsx_export_of_a_filtered_list(login, users, office):
    make_record(office, family_name="Rahimova", organization="+SUM(A1)")
    make_record(office, family_name="Other")
    response = login(users["officer"]).get("/directory/export.xlsx?q=rahimova")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "Rahimova"
    assert "+SUM(A1)" in rows[1]


@pytest.fixture
def count_queries(app):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", before)


def test_directory_query_count_does_not_grow(login, users, office, count_queries):
    officer = login(users["officer"])
    officer.get("/directory")  # warm up the session row
    counts = {}
    for size in (2, 40):
        for i in range(size - len(counts) * 2):
            make_record(office, family_name=f"Person{size}{i}")
        count_queries.clear()
        assert officer.get("/directory?per_page=100").status_code == 200
        counts[size] = len(count_queries)
    assert counts[2] == counts[40]


@pytest.mark.parametrize("query", ["", "?region={region}", "?q=alim", "?sector={sector}"])
def test_capped_count_and_index_walk_list_the_same_people(login, users, office, monkeypatch,
                                                          query):
    """Big lists count only up to a cap and walk the name index: same people, same order."""
    from alumni_app.alumni import directory
    from alumni_app.alumni.services import update_record
    from tests.factories import make_region, make_sector

    region, sector = make_region(office), make_sector()
    for i in range(12):
        record = make_record(office, family_name=f"Alimov{i:02d}", region_id=region.id)
        update_record(None, record, {}, sector_ids=[sector.id])
    db.session.commit()
    url = "/directory" + query.format(region=region.id, sector=sector.id) + \
        ("&" if query else "?") + "per_page=25"
    officer = login(users["officer"])
    exact = officer.get(url).get_data(as_text=True)
    monkeypatch.setattr(directory, "COUNT_LIMIT", 5)
    monkeypatch.setattr("alumni_app.alumni.views.COUNT_LIMIT", 5)
    monkeypatch.setattr(directory, "WALK_FACTOR", 0)
    capped = officer.get(url).get_data(as_text=True)
    names = [f"Alimov{i:02d}" for i in range(12)]
    assert [n for n in names if n in exact] == names
    positions = [capped.index(n) for n in names]
    assert positions == sorted(positions)  # all twelve, in name order


def test_a_big_list_says_how_many_at_least(login, users, office, monkeypatch):
    for i in range(30):
        make_record(office, family_name=f"Many{i:02d}")
    monkeypatch.setattr("alumni_app.alumni.views.COUNT_LIMIT", 5)
    page = login(users["officer"]).get("/directory").get_data(as_text=True)
    assert "25+ people found" in page and "1–25 of 25+" in page
    assert login(users["officer"]).get("/directory?page=2").status_code == 200


def test_the_history_of_a_kept_record_shows_its_merged_duplicates(login, users, office):
    keep = make_record(office, family_name="Saidova")
    dup = make_record(office, family_name="Saidova", email="old@example.org")
    services.update_record(users["officer"], dup, {"phone": "+992 1"})
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    page = login(users["officer"]).get(f"/records/{keep.id}/history").get_data(as_text=True)
    assert "A duplicate was merged into this record" in page
    assert f'href="/directory/{dup.id}"' in page and "on the merged duplicate" in page
    assert "Phone: — → +992 1" in page and users["officer"].display_name in page
    dup_page = login(users["officer"]).get(f"/records/{dup.id}/history").get_data(as_text=True)
    assert f'href="/records/{keep.id}/history"' in dup_page


def test_staff_correct_a_nomination_and_remove_a_wrongly_linked_course(login, users, office):
    record = make_record(office)
    part = services.add_participation(None, record, make_course(code="J-01").id,
                                      nominating_organization="Ministry of Helth")
    db.session.commit()
    officer = login(users["officer"])
    assert "Correct the nomination" in officer.get(f"/records/{record.id}/edit").get_data(
        as_text=True)
    assert officer.post(f"/records/{record.id}/participations/{part.id}", data={
        "nominating_organization": "Ministry of Health",
        "position_at_nomination": "Specialist"}).status_code == 302
    db.session.refresh(part)
    assert (part.nominating_organization, part.position_at_nomination) == (
        "Ministry of Health", "Specialist")
    confirm = officer.get(f"/records/{record.id}/participations/{part.id}/remove")
    assert "Remove J-01" in confirm.get_data(as_text=True)
    assert db.session.get(Participation, part.id) is not None  # asking removes nothing
    assert officer.post(f"/records/{record.id}/participations/{part.id}/remove"
                        ).status_code == 302
    assert _count(Participation) == 0
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_id == record.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-2:] == ["participation.updated", "participation.removed"]
    assert events[-1].details_dict["nominating_organization"] == "Ministry of Health"
    history = officer.get(f"/records/{record.id}/history").get_data(as_text=True)
    assert "Course removed" in history and "J-01" in history


def test_a_course_an_action_plan_depends_on_cannot_be_removed(login, users, office):
    from tests.plans.factories import make_participation, make_plan

    record = make_record(office)
    part = make_participation(record)
    make_plan(part)
    officer = login(users["officer"])
    page = officer.get(f"/records/{record.id}/participations/{part.id}/remove")
    assert "cannot be removed" in page.get_data(as_text=True)
    refused = officer.post(f"/records/{record.id}/participations/{part.id}/remove")
    assert refused.status_code == 409 and "action plan" in refused.get_data(as_text=True)
    assert db.session.get(Participation, part.id) is not None
    with pytest.raises(services.RecordError):
        services.remove_participation(users["officer"], record, part)


def test_participations_of_another_record_or_office_are_out_of_reach(login, users, office,
                                                                     other_office):
    mine, foreign = make_record(office), make_record(other_office)
    part = services.add_participation(None, foreign, make_course().id)
    db.session.commit()
    officer = login(users["officer"])
    assert officer.post(f"/records/{foreign.id}/participations/{part.id}/remove"
                        ).status_code == 404
    assert officer.post(f"/records/{mine.id}/participations/{part.id}/remove"
                        ).status_code == 404
    assert officer.post(f"/records/{mine.id}/participations/{part.id}",
                        data={"nominating_organization": "x"}).status_code == 404
    assert _count(Participation) == 1


def test_staff_can_list_deactivated_records_with_a_checkbox(login, users, office):
    gone = make_record(office, family_name="Gone")
    services.set_active(None, gone, False)
    make_record(office, family_name="Here")
    db.session.commit()
    officer = login(users["officer"])
    page = officer.get("/directory").get_data(as_text=True)
    assert 'name="inactive"' in page and "Include deactivated records" in page
    assert "Gone" not in page
    listed = officer.get("/directory?inactive=1").get_data(as_text=True)
    assert "Gone" in listed and "Deactivated" in listed and 'value="1" checked' in listed
    alumnus = login(users["alumnus"])
    assert 'name="inactive"' not in alumnus.get("/directory").get_data(as_text=True)
    assert "Gone" not in alumnus.get("/directory?inactive=1").get_data(as_text=True)


def test_the_course_filter_is_shown_and_can_be_removed(login, users, office):
    course = make_course(code="J-77", title="Water supply")
    on = make_record(office, family_name="Oncourse")
    make_record(office, family_name="Offcourse")
    services.add_participation(None, on, course.id)
    db.session.commit()
    page = login(users["officer"]).get(f"/directory?course={course.id}&sort=organization&page=1"
                                       ).get_data(as_text=True)
    assert "J-77 · Water supply" in page
    assert "Oncourse" in page and "Offcourse" not in page
    assert 'href="/directory?sort=organization"' in page  # the same list, without the course


def test_forms_list_regions_and_sectors_in_the_users_language(login, users, office):
    make_region(office, name_en="Sughd", name_ru="Согдийская область")
    make_sector(name_en="Health", name_ru="Здравоохранение")
    record = make_record(office)
    users["officer"].preferred_language = "ru"
    db.session.commit()
    officer = login(users["officer"])
    for path in (f"/records/{record.id}/edit", "/records/new", "/courses/new"):
        page = officer.get(path).get_data(as_text=True)
        assert "Здравоохранение" in page and ">Health<" not in page, path
        if path.startswith("/records"):
            assert "Согдийская область" in page and ">Sughd<" not in page, path


def _three_namesakes(office):
    return [make_record(office, family_name="Rakhimov", given_name=given)
            for given in ("Alisher", "Aziz", "Akmal")]


def test_nothing_merges_into_a_merged_away_record_nor_back_into_its_survivor(login, users,
                                                                             office):
    a, b, c = _three_namesakes(office)
    services.check_mergeable(a, b)
    services.merge_records(users["officer"], a, b)
    db.session.commit()
    officer = login(users["officer"])
    for kept, dup in ((b, c), (b, a), (a, b)):  # C into B, A back into B, B into A again
        with pytest.raises(services.RecordError):
            services.check_mergeable(kept, dup)
        page = officer.get(f"/records/{kept.id}/merge?duplicate={dup.id}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert "already merged into another record" in body and 'value="yes"' not in body
        refused = officer.post(f"/records/{kept.id}/merge",
                               data={"duplicate_id": dup.id, "confirm": "yes"})
        assert refused.status_code == 409
    for record in (a, b, c):
        db.session.refresh(record)
    assert (a.merged_into_id, b.merged_into_id, c.merged_into_id) == (None, a.id, None)
    assert c.is_active and a.is_active
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AuditEvent.action == "record.merged")) == 1


@pytest.mark.parametrize("state", ["inactive", "erased", "same"])
def test_deactivated_erased_or_identical_records_are_not_merged(login, users, office, state):
    from alumni_app.db import utcnow

    a, b, _c = _three_namesakes(office)
    if state == "inactive":
        services.set_active(None, b, False)
    elif state == "erased":
        b.erased_at = utcnow()
    else:
        b = a
    db.session.commit()
    message = {"inactive": "reactivate it before merging", "erased": "erased at the person",
               "same": "cannot be merged into itself"}[state]
    with pytest.raises(services.RecordError):
        services.check_mergeable(a, b)
    with pytest.raises(services.RecordError):
        services.check_mergeable(b, a)
    response = login(users["officer"]).post(f"/records/{a.id}/merge",
                                            data={"duplicate_id": b.id, "confirm": "yes"})
    assert response.status_code in (400, 409)
    if state != "same":  # the same number is refused as "no other record"
        assert message in response.get_data(as_text=True)
    db.session.refresh(b)
    assert b.merged_into_id is None


def test_records_of_two_offices_are_not_mergeable(office, other_office):
    mine, foreign = make_record(office), make_record(other_office)
    with pytest.raises(services.RecordError, match="merge-other-office"):
        services.check_mergeable(mine, foreign)


def _application_of(office, users, state: str):
    from tests.grants.factories import draft, eligible_alumnus, make_call, submitted

    alumnus = eligible_alumnus(office)
    call = make_call(office, users["manager"])
    (submitted if state == "submitted" else draft)(call, alumnus)
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=alumnus.id))
    part = db.session.scalar(sa.select(Participation).filter_by(record_id=record.id))
    return record, part


def test_a_course_stays_while_a_grant_application_past_draft_may_rest_on_it(login, users,
                                                                           office):
    record, part = _application_of(office, users, "submitted")
    officer = login(users["officer"])
    page = officer.get(f"/records/{record.id}/participations/{part.id}/remove")
    assert "mini-grant application" in page.get_data(as_text=True)
    refused = officer.post(f"/records/{record.id}/participations/{part.id}/remove")
    assert refused.status_code == 409
    assert db.session.get(Participation, part.id) is not None
    with pytest.raises(services.RecordError, match="grant"):
        services.remove_participation(users["officer"], record, part)


def test_a_draft_application_does_not_keep_a_wrong_course(login, users, office):
    record, part = _application_of(office, users, "draft")
    assert login(users["officer"]).post(
        f"/records/{record.id}/participations/{part.id}/remove").status_code == 302
    assert db.session.get(Participation, part.id) is None


def test_earlier_posts_are_listed_latest_first_by_their_end_or_start(login, users, office):
    record = make_record(office, organization="Tax Committee")
    for organization, started, ended in [
            ("Ministry of Energy", date(2005, 1, 1), date(2010, 6, 30)),
            ("Undated office", None, None),
            ("Ministry of Water", date(2016, 2, 1), None),  # only its start is known
            ("Ministry of Finance", None, date(2013, 12, 31)),  # only its end is known
            ("Ministry of Health", date(2014, 1, 1), date(2015, 12, 31))]:
        db.session.add(RecordPosition(record_id=record.id, organization=organization,
                                      started_on=started, ended_on=ended))
    db.session.commit()
    expected = ["Ministry of Water", "Ministry of Health", "Ministry of Finance",
                "Ministry of Energy", "Undated office"]
    db.session.expire(record, ["positions"])
    assert [p.organization for p in record.positions] == expected
    page = login(users["officer"]).get(f"/records/{record.id}/posts").get_data(as_text=True)
    assert [page.index(name) for name in expected] == sorted(page.index(n) for n in expected)


def test_the_russian_history_shows_dates_names_and_words_not_stored_values(login, users,
                                                                          office):
    region = make_region(office, name_en="Sughd", name_ru="Согдийская область")
    sector = make_sector(name_en="Health", name_ru="Здравоохранение")
    record = make_record(office, organization="Ministry of Finance",
                         post_started_on=date(2015, 9, 1))
    officer = users["officer"]
    services.update_record(officer, record, {"region_id": region.id, "gender": "female",
                                             "is_verified": True}, sector_ids=[sector.id])
    services.update_record(officer, record, {"organization": "Tax Committee"},
                           post_change="moved", moved_on=date(2021, 3, 1))
    post = services.save_post(officer, record, None, {
        "organization": "Ministry of Energy", "position": "Engineer",
        "started_on": date(2010, 1, 10), "ended_on": date(2014, 5, 31)})
    services.delete_post(officer, record, post)
    officer.preferred_language = "ru"
    db.session.commit()
    page = login(officer).get(f"/records/{record.id}/history").get_data(as_text=True)
    body = page.split("<tbody>")[-1].replace("\u202f", " ").replace("\xa0", " ")
    for text in ("Согдийская область", "Здравоохранение", "Женский", "нет → да",
                 "1 мар. 2021 г.", "1 сент. 2015 г.", "Ministry of Energy", "Engineer",
                 "10 янв. 2010 г.", "31 мая 2014 г."):
        assert text in body, text
    for raw in ("2021-03-01", "2015-09-01", "2010-01-10", "female", "True", "False",
                f"→ {region.id}<", f"[{sector.id}]"):
        assert raw not in body, raw
