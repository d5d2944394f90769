"""Dry run and commit: who a row is, what it changes, merged duplicates, removed courses."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.models import AlumnusRecord, RecordPosition, SearchTerm
from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.imports import report as import_report
from alumni_app.training.models import Course
from tests.imports.helpers import (
    RU_HEADER,
    RU_ROWS,
    _course_list,
    counts,
    found,
    record_by_email,
    record_course_id,
    run,
    write_csv,
)


def test_a_dry_run_writes_nothing(office, region, tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS])
    before = counts()
    report = run(path, office, commit=False)
    assert (report.created, report.participations) == (3, 3)
    assert [c["code"] for c in report.courses_created] == ["J19-001", "J20-002"]
    assert not report.applied
    assert counts() == before


def test_commit_creates_records_courses_and_participations_found_by_search(office, region,
                                                                           tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS])
    report = run(path, office, commit=True)
    assert report.applied and (report.created, report.participations) == (3, 3)
    dilnoza = record_by_email("dilnoza@example.org")
    assert (dilnoza.family_name_cyr, dilnoza.given_name_cyr, dilnoza.family_name) == (
        "Гуломшоева", "Дилноза", "")
    assert (dilnoza.gender, dilnoza.birth_year, dilnoza.region_id) == ("female", 1985, region.id)
    assert [p.course.code for p in dilnoza.participations] == ["J19-001"]
    assert dilnoza.participations[0].nominating_organization == "Министерство здравоохранения"
    karimov = record_by_email("rustam@example.org")
    assert (karimov.family_name, karimov.given_name) == ("KARIMOV", "Rustam")
    course = db.session.scalar(sa.select(Course).where(Course.code == "J19-001"))
    assert (course.title, course.fiscal_year) == ("Политика здравоохранения", 2019)
    for query in ("Гуломшоева", "Gulomshoeva", "дилноза", "Dzhalolov", "karimov rustam",
                  "Tax committee"):
        assert len(found(query)) == 1, query
    assert found("Гуломшоева") == [dilnoza.id]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "records.imported"))
    assert event.office_id == office.id
    assert event.details_dict["created"] == 3 and event.details_dict["file"] == "list.csv"


def test_importing_the_same_file_twice_changes_nothing(office, region, tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS,
                                             ["Гуломшоева Дилноза", "1985", "", "", "", "", "",
                                              "J20-002", "", "", ""]])
    first = run(path, office, commit=True)
    assert (first.created, first.updated) == (3, 1)  # the 4th row adds a course to row 1's person
    after_first = counts()
    second = run(path, office, commit=True)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert second.participations == 0 and second.courses_created == []
    after_first["audit_events"] += 1  # the second import is recorded, nothing else changes
    assert counts() == after_first


def test_a_person_on_several_rows_does_not_flip_between_imports(office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Email", "Organization", "Course code", "Course title"],
        ["Karimov Rustam", "r@example.org", "Ministry of Energy", "C1", "Energy"],
        ["Karimov Rustam", "r@example.org", "Ministry of Water", "C2", "Water"],
    ])
    first = run(path, office, commit=True)
    assert (first.created, first.updated) == (1, 1)  # the second row adds the second course
    person = record_by_email("r@example.org")
    assert person.organization == "Ministry of Energy"  # the first row wins ...
    assert sorted(p.nominating_organization for p in person.participations) == [
        "Ministry of Energy", "Ministry of Water"]  # ... and nothing is lost
    again = run(path, office, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecordPosition)) == 0


def test_same_name_and_year_with_different_emails_are_two_people(office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Email", "Year of birth"],
        ["Karimov Rustam", "r1@example.org", "1980"],
        ["Karimov Rustam", "r2@example.org", "1980"],
        ["Karimov Rustam", "", "1980"],
    ])
    report = run(path, office, commit=True)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 1)
    assert [(d["row"], d["kind"]) for d in report.duplicates] == [(3, "same-name"),
                                                                  (4, "ambiguous")]
    assert run(path, office, commit=True).created == 0


def test_people_without_email_or_year_are_matched_again(office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["Фамилия", "Имя", "Код курса", "Название курса"],
        ["Саидов", "Анвар", "C1", "Roads"],
        ["Алиева", "Мадина", "", ""],
    ])
    assert run(path, office, commit=True).created == 2
    again = run(path, office, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_matched_records_are_updated_not_overwritten(office, tmp_path):
    person = services.create_record(None, office.id, {
        "family_name": "Nazarov", "given_name": "Rustam", "email": "rustam@example.org",
        "organization": "Ministry of Energy", "position": "Engineer"})
    db.session.commit()
    path = write_csv(tmp_path / "list.csv", [
        ["Surname", "Given name", "E-mail", "Organization", "Position", "Phone"],
        ["Nazarov", "R.", "RUSTAM@example.org", "Ministry of Water", "", "+992 1"],
    ])
    report = run(path, office, commit=True)
    assert (report.created, report.updated) == (0, 1)
    db.session.refresh(person)
    assert (person.given_name, person.organization, person.position, person.phone) == (
        "Rustam", "Ministry of Water", "Engineer", "+992 1")
    # The import does not say when the person moved: the old post ended by today at the latest.
    assert [(p.organization, p.ended_on) for p in person.positions] == [
        ("Ministry of Energy", utcnow().date())]
    assert found("water") == [person.id] and found("energy") == []
    assert report.duplicates[0]["kind"] == "email-name"  # "R." is not "Rustam": staff check


def test_emails_saved_in_mixed_case_are_matched(office, tmp_path):
    person = services.create_record(None, office.id, {"family_name": "Aliev",
                                                      "email": "Bakhtiyor.Aliev@Example.org"})
    db.session.commit()
    path = write_csv(tmp_path / "list.csv", [["Name", "Email", "Phone"],
                                             ["Aliev B", "bakhtiyor.aliev@example.org", "+1"]])
    report = run(path, office, commit=True)
    assert (report.created, report.updated) == (0, 1)
    db.session.refresh(person)
    assert (person.phone, person.email) == ("+1", "Bakhtiyor.Aliev@Example.org")


def test_rows_spread_over_batches_find_each_other(office, tmp_path):
    rows = [["Name", "Email", "Course code", "Course title"]]
    rows += [[f"Person{i} Test", f"p{i}@example.org", "B1", "Batch course"] for i in range(250)]
    rows += [["Person3 Test", "p3@example.org", "B2", "Second course"]]
    path = write_csv(tmp_path / "big.csv", rows)
    report = run(path, office, commit=True, batch_size=40)
    assert (report.created, report.updated, report.rows) == (250, 1, 251)
    assert len(record_by_email("p3@example.org").participations) == 2
    again = run(path, office, commit=False, batch_size=40)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 251)


def test_rows_are_streamed_and_written_in_batches(office, tmp_path):
    rows = [["Name", "Email"]] + [[f"P{i} Q", f"q{i}@example.org"] for i in range(1000)]
    seen = []
    report = run(write_csv(tmp_path / "big.csv", rows), office, commit=True, batch_size=300,
                 progress=seen.append)
    assert seen == [300, 600, 900, 1000] and report.created == 1000
    terms = db.session.scalar(sa.select(sa.func.count()).select_from(SearchTerm))
    assert terms == sum(len(services.search_terms(r)) for r in
                        db.session.scalars(sa.select(AlumnusRecord)))


def test_a_merged_duplicate_is_not_created_again_by_its_email(office, users, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Email", "Year of birth", "Course code", "Course title"],
        ["Karimov Rustam", "rk@example.org", "1980", "C1", "Energy"],
        ["Karimov Rustam", "rustam.k@example.org", "1980", "C2", "Water"],
    ])
    assert run(path, office, commit=True).created == 2
    keep, dup = record_by_email("rk@example.org"), record_by_email("rustam.k@example.org")
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    before = counts()
    again = run(path, office, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.duplicates == []
    before["audit_events"] += 1  # the import itself; nothing else changes
    assert counts() == before
    db.session.refresh(keep)
    assert keep.email_alt == "rustam.k@example.org"
    assert sorted(p.course.code for p in keep.participations) == ["C1", "C2"]


def test_a_merged_duplicate_is_not_created_again_by_its_name(office, users, tmp_path):
    keep = services.create_record(None, office.id, {"family_name": "Saidov",
                                                    "given_name": "Anvar",
                                                    "email": "anvar@example.org"})
    db.session.commit()
    path = write_csv(tmp_path / "list.csv", [["Фамилия", "Имя", "Телефон"],
                                             ["Saidov", "Anvar", "+992 44"]])
    assert run(path, office, commit=True).created == 1  # no e-mail, no year: not the same yet
    dup = db.session.scalar(sa.select(AlumnusRecord).where(AlumnusRecord.id != keep.id))
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    again = run(path, office, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert counts()["alumni_records"] == 2
    db.session.refresh(keep)
    assert keep.phone == "+992 44"


def test_a_row_of_a_duplicate_merged_twice_reaches_the_last_record(office, users, tmp_path):
    first, second, third = (services.create_record(None, office.id, {
        "family_name": "Aliev", "given_name": "Bakhtiyor", "email": f"b{i}@example.org",
        "birth_year": 1970}) for i in range(3))
    db.session.commit()
    services.merge_records(users["officer"], second, first)
    services.merge_records(users["officer"], third, second)
    db.session.commit()
    path = write_csv(tmp_path / "list.csv", [["Name", "Email", "Phone"],
                                             ["Aliev Bakhtiyor", "b0@example.org", "+992 5"]])
    report = run(path, office, commit=True)
    assert (report.created, report.updated) == (0, 1)
    db.session.refresh(third)
    assert third.phone == "+992 5"


def _merged_pair(office, keep_values: dict, dup_values: dict):
    name = {"family_name": "Saidov", "given_name": "Anvar"}
    keep = services.create_record(None, office.id, {**name, **keep_values})
    dup = services.create_record(None, office.id, {**name, **dup_values})
    return keep, dup


def test_a_merged_duplicate_does_not_hand_the_kept_record_to_another_address(office, users,
                                                                             tmp_path):
    keep, dup = _merged_pair(office, {
        "email": "anvar@example.org", "birth_year": 1980, "organization": "Bank A"},
        {"birth_year": 1980})
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Email", "Year of birth", "Organization"],
        ["Saidov Anvar", "other@example.org", "1980", "Bank B"]])
    report = run(path, office, commit=True)
    assert (report.created, report.updated) == (1, 0)
    db.session.refresh(keep)
    assert (keep.email, keep.organization) == ("anvar@example.org", "Bank A")
    assert record_by_email("other@example.org").id not in (keep.id, dup.id)


def test_a_merged_duplicate_does_not_hand_the_kept_record_to_another_year(office, users,
                                                                          tmp_path):
    from tests.factories import make_course

    course = make_course(code="C1", title="Energy")
    keep, dup = _merged_pair(office, {
        "birth_year": 1975, "organization": "Bank A"}, {})
    services.add_participation(None, dup, course.id)
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Year of birth", "Organization", "Course code", "Course title"],
        ["Saidov Anvar", "1980", "Bank B", "C1", "Energy"]])
    report = run(path, office, commit=True)
    assert (report.created, report.updated) == (1, 0)
    db.session.refresh(keep)
    assert (keep.birth_year, keep.organization) == (1975, "Bank A")
    # The same row with the kept record's own year still reaches it through the duplicate.
    again = write_csv(tmp_path / "again.csv", [
        ["Name", "Year of birth", "Phone", "Course code", "Course title"],
        ["Saidov Anvar", "1975", "+992 7", "C1", "Energy"]])
    assert run(again, office, commit=True).updated == 1
    db.session.refresh(keep)
    assert keep.phone == "+992 7"


def test_a_course_staff_removed_is_not_linked_again_by_the_next_import(office, users,
                                                                       tmp_path):
    path = _course_list(tmp_path, "rk@example.org")
    assert run(path, office, commit=True).participations == 1
    record = record_by_email("rk@example.org")
    services.remove_participation(users["officer"], record, record.participations[0])
    db.session.commit()
    dry = run(path, office)  # the dry run says which row's course stays off, and why
    assert [(w.row, w.code) for w in dry.warnings] == [(2, "course-removed")]
    message = import_report.issue_text(dry.warnings[0])
    assert "The office removed the course C1 from this person's record" in message
    again = run(path, office, commit=True)
    assert (again.created, again.updated, again.unchanged, again.participations) == (0, 0, 1, 0)
    assert counts()["participations"] == 0
    # Staff adding it by hand overrule the removal; the import then finds it there.
    services.add_participation(users["officer"], record, record_course_id("C1"))
    db.session.commit()
    assert run(path, office, commit=True).unchanged == 1
    services.remove_participation(users["officer"], record, record.participations[0])
    db.session.commit()  # removed twice: one remembered removal
    assert run(path, office, commit=True).participations == 0


def test_a_course_removed_from_a_merged_duplicate_is_not_linked_to_the_kept_record(
        office, users, tmp_path):
    path = _course_list(tmp_path, "rk@example.org")
    run(path, office, commit=True)
    dup = record_by_email("rk@example.org")
    keep = services.create_record(None, office.id, {"family_name": "Karimov",
                                                    "given_name": "Rustam"})
    services.remove_participation(users["officer"], dup, dup.participations[0])
    services.merge_records(users["officer"], keep, dup)
    db.session.commit()
    report = run(path, office, commit=True)
    assert (report.created, report.participations) == (0, 0)
    db.session.refresh(keep)
    assert keep.participations == []
