"""Directory search finds people under every spelling and script; visibility is respected."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.directory import Filters, build_query
from alumni_app.alumni.models import AlumnusRecord, Visibility
from alumni_app.alumni.names import keys
from alumni_app.alumni.policy import visible_records
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db

SAME_PERSON = [
    ("Ghulomshoyeva", "Gulomshoeva", "Гуломшоева"),
    ("Jalolov", "Dzhalolov", "Джалолов"),
    ("Nazarbayev", "Nazarbaev", "Назарбаев"),
    ("Aigul", "Aygul", "Айгуль"),
    ("Erlan", "Yerlan", "Ерлан"),
]


@pytest.mark.parametrize("spellings", SAME_PERSON)
def test_spellings_share_one_key(spellings):
    assert len({tuple(keys(s)) for s in spellings}) == 1


def test_different_names_keep_different_keys():
    assert keys("Karimov") != keys("Kurbanov")
    assert keys("Jalolov") != keys("Jalilov")


def _record(office, actor=None, **values):
    record = services.create_record(actor, office.id, values)
    db.session.commit()
    return record


def _found(text, user=None, **filters):
    query = build_query(Filters(q=text, **filters))
    if user is not None:
        query = visible_records(query, user)
    return [r.id for r in db.session.scalars(query)]


@pytest.mark.parametrize("query", ["Ghulomshoyeva", "Gulomshoeva", "Гуломшоева", "гуломшоева",
                                   "GULOMSHOEVA", "gulom", "Дилноза Гуломшоева"])
def test_a_latin_record_is_found_in_every_spelling(office, query):
    person = _record(office, given_name="Dilnoza", family_name="Gulomshoeva")
    _record(office, given_name="Rustam", family_name="Nazarov")
    assert _found(query) == [person.id]


@pytest.mark.parametrize("query", ["Jalolov", "Dzhalolov", "Джалолов", "джал", "Farrukh"])
def test_a_cyrillic_record_is_found_by_latin_queries(office, query):
    person = _record(office, given_name_cyr="Фаррух", family_name_cyr="Джалолов")
    assert _found(query) == [person.id]


def test_cyrillic_case_folding(office):
    person = _record(office, given_name_cyr="Карим", family_name_cyr="Шарипов")
    assert _found("карим") == [person.id]
    assert _found("КАРИМ") == [person.id]


def test_organization_and_position_words_are_searchable(office):
    person = _record(office, given_name="Malika", family_name="Rahimova",
                     organization="Ministry of Health", position="Chief specialist")
    assert _found("ministry health") == [person.id]
    assert _found("chief") == [person.id]
    assert _found("ministry transport") == []


def test_edits_update_the_search(office):
    person = _record(office, given_name="Anvar", family_name="Saidov")
    services.update_record(None, person, {"family_name": "Kurbonov"})
    db.session.commit()
    assert _found("Saidov") == [] and _found("Kurbonov") == [person.id]
    services.set_active(None, person, False)
    db.session.commit()
    assert _found("Kurbonov") == []


def test_alumni_see_only_what_people_chose(office, other_office, users):
    alumnus = users["alumnus"]
    shown = _record(office, family_name="Alimov", given_name="A")
    shown.visibility = Visibility.ALL.value
    country = _record(office, family_name="Alimova", given_name="B")
    country.visibility = Visibility.COUNTRY.value
    hidden = _record(office, family_name="Alimzoda", given_name="C")
    foreign_country = _record(other_office, family_name="Alimbekov", given_name="D")
    foreign_country.visibility = Visibility.COUNTRY.value
    db.session.commit()
    assert _found("alim", alumnus) == [shown.id]
    mine = _record(office, family_name="Own", given_name="Record")
    mine.user_id = alumnus.id
    db.session.commit()
    query = visible_records(build_query(Filters(q="alim")), alumnus, own=mine)
    assert {r.id for r in db.session.scalars(query)} == {shown.id, country.id}
    staff = {r.id for r in db.session.scalars(visible_records(build_query(Filters(q="alim")),
                                                               users["officer"]))}
    assert staff == {shown.id, country.id, hidden.id}
    assert foreign_country.id not in staff


def test_merge_keeps_everything(office, users):
    keep = _record(office, family_name="Saidova", given_name="Nigora", email="n@example.org")
    dup = _record(office, family_name="Saidova", given_name="Nigora", phone="+992 900")
    from alumni_app.training.models import Course

    courses = [Course(code=f"C{i}", title=f"Course {i}", program_type="other") for i in range(2)]
    db.session.add_all(courses)
    db.session.flush()
    services.add_participation(None, keep, courses[0].id)
    services.add_participation(None, dup, courses[1].id)
    db.session.commit()
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    db.session.refresh(keep)
    assert sorted(p.course_id for p in keep.participations) == sorted(c.id for c in courses)
    assert keep.phone == "+992 900" and keep.email == "n@example.org"
    assert not db.session.get(AlumnusRecord, dup.id).is_active
    assert _found("Saidova") == [keep.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlumnusRecord)) == 2


@pytest.mark.parametrize("role", ["officer", "admin"])
@pytest.mark.parametrize("walk", [False, True])
def test_counts_and_pages_from_terms_match_the_records(office, other_office, users, role, walk):
    """Counting from the search terms finds what the record query finds (staff scopes)."""
    from alumni_app.alumni.directory import count_query, counts_from_terms, term_count_query
    from alumni_app.permissions import scope_to_office

    for n, (family, given) in enumerate([("Karimov", "Aigul"), ("Karimova", "Dilnoza"),
                                         ("Kurbonov", "Karim"), ("Saidov", "Aigul")]):
        _record(office, family_name=family, given_name=given, organization="Ministry of Health")
        _record(other_office, family_name=family, given_name=given)
        if n == 0:
            services.set_active(None, _record(office, family_name=family, given_name=given),
                                False)
    db.session.commit()
    user = users[role]
    for text in ("karim", "Каримов Айгуль", "aigul", "ka", "ministry health", "nobody"):
        filters = Filters(q=text)
        assert counts_from_terms(filters)
        by_terms = term_count_query(filters, lambda q, c: scope_to_office(q, c, user))
        by_records = count_query(filters, lambda q: visible_records(q, user))
        terms_ids = set(db.session.scalars(by_terms))
        assert terms_ids == set(db.session.scalars(by_records))
        page = scope_to_office(build_query(filters, walk=walk), AlumnusRecord.office_id, user)
        assert terms_ids == {r.id for r in db.session.scalars(page)}
    assert not counts_from_terms(Filters(q="karim", sector_id=1))
    assert not counts_from_terms(Filters(q=" - "))


def test_sector_counts_match_the_records(office, other_office, users):
    from alumni_app.alumni.directory import count_query
    from alumni_app.training.models import Sector

    health, water = Sector(name_en="Health", name_ru="Здравоохранение"), Sector(
        name_en="Water", name_ru="Водные ресурсы")
    db.session.add_all([health, water])
    db.session.flush()
    for n in range(6):
        for where in (office, other_office):
            record = services.create_record(
                None, where.id, {"family_name": f"Asanov{n}"},
                sector_ids=[health.id] if n % 2 else [health.id, water.id])
            record.visibility = Visibility.ALL.value if n % 3 else Visibility.STAFF.value
    db.session.commit()
    for role in ("officer", "admin", "alumnus"):
        user = users[role]
        for filters in (Filters(sector_id=health.id), Filters(sector_id=water.id, q="asanov3"),
                        Filters(sector_id=water.id, fiscal_year=2019)):
            counted = count_query(filters, lambda q, u=user: visible_records(q, u))
            listed = visible_records(build_query(filters), user)
            assert sorted(db.session.scalars(counted)) == sorted(
                r.id for r in db.session.scalars(listed))


def test_merge_keeps_the_duplicates_email_addresses(office, users):
    keep = _record(office, family_name="Saidova", email="n@example.org")
    dup = _record(office, family_name="Saidova", email="nigora@example.org",
                  email_alt="nigora.s@example.org")
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    assert (keep.email, keep.email_alt) == ("n@example.org", "nigora@example.org")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "record.merged"))
    assert event.details_dict["emails_not_kept"] == ["nigora.s@example.org"]


def test_course_filter_counts_match_the_records(office, other_office, users):
    from alumni_app.alumni.directory import count_query
    from alumni_app.training.models import Course

    courses = [Course(code=f"K{i}", title=f"Course {i}", fiscal_year=2018 + i % 2,
                      program_type=("issue_based", "young_leaders", "other")[i % 3])
               for i in range(5)]
    db.session.add_all(courses)
    db.session.flush()
    for n in range(10):
        for where in (office, other_office):
            record = services.create_record(None, where.id, {"family_name": f"Kurbanov{n}"})
            for course in courses[n % 5:n % 5 + 1 + n % 2]:  # one or two courses each
                services.add_participation(None, record, course.id)
            record.is_active = n != 7
    db.session.commit()
    for filters in (Filters(fiscal_year=2018), Filters(program_type="issue_based"),
                    Filters(fiscal_year=2019, program_type="young_leaders"),
                    Filters(course_id=courses[1].id), Filters(fiscal_year=2018, q="kurbanov4"),
                    Filters(fiscal_year=2030)):
        for role in ("officer", "admin"):
            user = users[role]
            counted = sorted(db.session.scalars(count_query(
                filters, lambda q, u=user: visible_records(q, u))))
            listed = sorted(r.id for r in db.session.scalars(
                visible_records(build_query(filters), user)))
            assert counted == listed
            assert len(counted) == len(set(counted))  # each person counted once
    assert db.session.scalars(count_query(Filters(fiscal_year=2018),
                                          lambda q: visible_records(q, users["admin"]))).all()
