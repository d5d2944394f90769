"""The spreadsheet import: formats, encodings, dry run, commit, idempotency, bad input, access."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from alumni_app.alumni import import_files, import_report, importer, services
from alumni_app.alumni.directory import Filters, build_query
from alumni_app.alumni.import_files import ImportFileError, guess_field, sniff_delimiter
from alumni_app.alumni.import_rows import parse_date, split_full_name
from alumni_app.alumni.models import AlumnusRecord, RecordPosition, Region, SearchTerm
from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.training.models import Course, Participation

RU_HEADER = ["ФИО", "Год рождения", "Пол", "Эл. почта", "Организация", "Должность", "Область",
             "Код курса", "Название курса", "Начало", "Окончание"]
RU_ROWS = [
    ["Гуломшоева Дилноза", "1985", "ж", "dilnoza@example.org", "Министерство здравоохранения",
     "Главный специалист", "Согдийская область", "J19-001", "Политика здравоохранения",
     "01.04.2019", "2019-04-20"],
    ["Джалолов Фаррух", "1990", "м", "", "Министерство финансов", "", "", "J19-001", "", "", ""],
    ["KARIMOV Rustam", "", "male", "rustam@example.org", "Tax Committee", "Inspector", "",
     "J20-002", "Public finance", "2020-06-01", "2020-06-20"],
]
TABLES = (AlumnusRecord, SearchTerm, Course, Participation, RecordPosition, AuditEvent)


@pytest.fixture
def app(app, tmp_path):
    """The app keeping uploads in a private folder."""
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return app


@pytest.fixture
def region(office):
    region = Region(office_id=office.id, name_en="Sughd", name_ru="Согдийская область")
    db.session.add(region)
    db.session.commit()
    return region


def write_csv(path: Path, rows: list[list], encoding="utf-8", delimiter=",") -> Path:
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def counts() -> dict:
    db.session.rollback()
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in TABLES}


def found(text: str) -> list[int]:
    return [r.id for r in db.session.scalars(build_query(Filters(q=text)))]


def record_by_email(email: str) -> AlumnusRecord:
    return db.session.scalar(sa.select(AlumnusRecord).where(AlumnusRecord.email == email))


def run(path, office, commit=False, **kw) -> import_report.ImportReport:
    report = importer.run_import(path, office, None, commit=commit, **kw)
    if report.applied:
        db.session.commit()
    return report


# --- reading files ---------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "field"), [
    ("First name", "given_name"), (" Имя ", "given_name"), ("SURNAME", "family_name"),
    ("Фамилия", "family_name"), ("Full name", "full_name"), ("Ф.И.О.", "full_name"),
    ("Имя (кириллица)", "given_name_cyr"), ("Фамилия на кириллице", "family_name_cyr"),
    ("Имя (латиница)", "given_name"), ("E-mail", "email"), ("Эл. почта", "email"),
    ("Электронная почта", "email"), ("Телефон", "phone"), ("Место работы", "organization"),
    ("Ministry", "organization"), ("Должность", "position"), ("Область", "region"),
    ("Course No.", "course_code"), ("№ курса", "course_code"), ("Название курса", "course_title"),
    ("Начало", "course_start"), ("Окончание", "course_end"), ("Фин. год", "fiscal_year"),
    ("Год рождения", "birth_year"), ("Date of birth", "birth_date"), ("Пол", "gender"),
    ("Notes", ""), (None, ""),
])
def test_headers_are_recognised_in_english_and_russian(header, field):
    assert guess_field(header) == field


@pytest.mark.parametrize("value", ["2019-04-01", "01.04.2019", "01/04/2019", 43556, "43556",
                                   43556.0, datetime(2019, 4, 1), date(2019, 4, 1),
                                   "2019-04-01 00:00:00"])
def test_dates_in_the_usual_formats(value):
    assert parse_date(value) == date(2019, 4, 1)


@pytest.mark.parametrize("value", ["April 2019", "2019", "32.13.2019", "yesterday"])
def test_dates_that_are_not_dates(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(("text", "parts"), [
    ("Гуломшоева Дилноза Рахимовна", ("Гуломшоева", "Дилноза Рахимовна")),
    ("Rustam KARIMOV", ("KARIMOV", "Rustam")),
    ("Karimov, Rustam", ("Karimov", "Rustam")),
    ("Mr. Karimov Rustam", ("Karimov", "Rustam")),
    ("Karimov", ("Karimov", "")),
])
def test_full_names_are_split_family_first(text, parts):
    assert split_full_name(text) == parts


@pytest.mark.parametrize(("sample", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("Список участников\nИмя;Фамилия;Адрес\nА;Б;\"ул. Ленина, 5\"\n", ";"),
])
def test_delimiters_are_sniffed(sample, delimiter):
    assert sniff_delimiter(sample) == delimiter


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_with_russian_headers_in_any_common_encoding(office, tmp_path, encoding):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS], encoding=encoding,
                     delimiter=";")
    report = run(path, office)
    assert report.columns == RU_HEADER
    assert report.mapping[:4] == ["full_name", "birth_year", "gender", "email"]
    assert (report.created, report.updated, report.error_rows) == (3, 0, 0)
    assert report.preview[0]["family_name_cyr"] == "Гуломшоева"


def test_xlsx_with_a_title_line_excel_dates_and_text_dates(office, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [
        ["Participants of KCCP courses, 2019"],
        [],
        ["Last name", "First name", "Year of birth", "Email", "Course code", "Course title",
         "Start", "End", "Phone"],
        ["Nazarov", "Rustam", 1985, "r@example.org", "J19-100", "Water", 43556, "20.04.2019",
         992900123456],
        ["Saidova", "Nigora", 1991.0, "", "J19-101", "Roads", datetime(2019, 5, 6),
         date(2019, 5, 20), "+992 93 000"],
    ])
    report = run(path, office, commit=True)
    assert report.header_row == 3 and report.applied
    assert (report.created, report.error_rows) == (2, 0), report.errors
    water = db.session.scalar(sa.select(Course).where(Course.code == "J19-100"))
    assert (water.start_on, water.end_on, water.fiscal_year) == (date(2019, 4, 1),
                                                                 date(2019, 4, 20), 2019)
    roads = db.session.scalar(sa.select(Course).where(Course.code == "J19-101"))
    assert roads.start_on == date(2019, 5, 6)
    person = record_by_email("r@example.org")
    assert (person.birth_year, person.phone) == (1985, "992900123456")


def test_the_sheet_with_the_list_is_found_in_a_workbook(office, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Cover page: KCCP alumni, prepared by the office"])
    data = book.create_sheet("List")
    data.append(["ФИО", "Эл. почта"])
    data.append(["Саидов Анвар", "anvar@example.org"])
    book.save(tmp_path / "book.xlsx")
    report = run(tmp_path / "book.xlsx", office, commit=True)
    assert report.created == 1 and record_by_email("anvar@example.org").family_name_cyr == "Саидов"


# --- dry run and commit ----------------------------------------------------------------------

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


# --- merges last ----------------------------------------------------------------------------

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


# --- row errors, warnings and duplicates -----------------------------------------------------

def _bad_file(tmp_path) -> Path:
    return write_csv(tmp_path / "bad.csv", [
        ["Title line of the list"],
        ["Last name", "First name", "Email", "Year of birth", "Course code", "Course title",
         "Start", "Organization"],
        ["Good", "Person", "good@example.org", "1980", "", "", "", ""],
        ["", "", "noname@example.org", "1980", "", "", "", "Ministry"],
        ["Bad", "Mail", "not-an-address", "", "", "", "", ""],
        ["Old", "Person", "", "1850", "", "", "", ""],
        ["Date", "Person", "", "", "X1", "Course", "soon", ""],
        ["x" * 10_000, "Long", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", ""],
        ["Formula", "Person", "", "", "", "", "", "=HYPERLINK(\"http://x\",\"y\")"],
        ["Unknown", "Course", "", "", "NOPE-1", "", "", ""],
    ])


def test_row_errors_are_reported_with_row_numbers_and_block_the_commit(office, tmp_path):
    path = _bad_file(tmp_path)
    before = counts()
    report = run(path, office, commit=True)
    assert not report.applied and counts() == before
    errors = {(i.row, i.code) for i in report.errors}
    assert errors == {(4, "missing-name"), (5, "email"), (6, "birth-year"), (7, "date"),
                      (8, "too-long"), (11, "course-unknown")}
    assert report.error_rows == 6 and report.blank == 1
    assert [(w.row, w.code) for w in report.warnings] == [(10, "formula")]
    texts = [import_report.issue_text(i) for i in report.errors]
    assert any("longer than 100 characters (10000)" in t for t in texts)


def test_rows_with_errors_can_be_left_out(office, tmp_path):
    report = run(_bad_file(tmp_path), office, commit=True, skip_errors=True)
    assert report.applied and report.created == 2
    formula = db.session.scalar(sa.select(AlumnusRecord).where(
        AlumnusRecord.family_name == "Formula"))
    assert formula.organization == "=HYPERLINK(\"http://x\",\"y\")"  # stored as plain text
    assert counts()["courses"] == 0


def test_probable_duplicates_are_reported(office, tmp_path):
    services.create_record(None, office.id, {"family_name": "Karimov", "given_name": "Rustam"})
    services.create_record(None, office.id, {"family_name": "Aliev", "given_name": "Bakhtiyor",
                                             "email": "shared@example.org"})
    db.session.commit()
    path = write_csv(tmp_path / "dups.csv", [
        ["Last name", "First name", "Email", "Year of birth"],
        ["Karimov", "Rustam", "rk@example.org", "1980"],
        ["Umarov", "Farhod", "shared@example.org", ""],
        ["Saidov", "Anvar", "a1@example.org", "1975"],
        ["Saidov", "Anvar", "a2@example.org", ""],
    ])
    report = run(path, office)
    kinds = {(d["row"], d["kind"]) for d in report.duplicates}
    assert kinds == {(2, "same-name"), (3, "email-name"), (5, "same-name")}
    texts = {d["row"]: import_report.duplicate_text(d) for d in report.duplicates}
    assert "Karimov Rustam" in texts[2] and "row 4" in texts[5]
    assert (report.created, report.updated) == (3, 0)


JUNK_ROWS = [
    ["----", "", "", ""],
    ["Итого: 2", "", "", ""],
    ["Всего", "", "", ""],
    ["Примечание: список уточняется", "", "", ""],
    ["Total 2", "", "", ""],
    ["", "", "", "Примечание: данные на 2020 год"],
    ["", "2", "", ""],
    ["", "", "", "Список составлен отделом кадров"],
    ["№ 12", "", "", ""],
]


def test_totals_notes_and_separators_are_skipped_not_imported(office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["ФИО", "Год рождения", "Эл. почта", "Организация"],
        ["Karimov Rustam", "1980", "r@example.org", "Ministry of Finance"],
        *JUNK_ROWS[:5],
        ["Aliev —", "", "", "Tax Committee"],
        *JUNK_ROWS[5:],
    ])
    report = run(path, office, commit=True)
    assert report.applied and (report.created, report.error_rows) == (2, 0)
    assert report.junk == len(JUNK_ROWS) and report.rows == 2
    assert [j["row"] for j in report.junk_rows] == [3, 4, 5, 6, 7, 9, 10, 11, 12]
    texts = [import_report.junk_text(j) for j in report.junk_rows]
    assert "Итого: 2" in texts[1] and "no letters" in texts[0] and "No name" in texts[5]
    names = sorted(r.family_name + "/" + r.given_name for r in
                   db.session.scalars(sa.select(AlumnusRecord)))
    assert names == ["Aliev/", "Karimov/Rustam"]  # the dash is no given name


def test_a_real_row_without_a_name_is_still_an_error(office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["ФИО", "Эл. почта", "Организация"], ["Karimov Rustam", "", ""],
        ["", "x@example.org", "Ministry of Health"], ["", "y@example.org", ""],
        ["—", "z@example.org", "Ministry of Health"]])
    report = run(path, office)
    assert [(e.row, e.code) for e in report.errors] == [
        (3, "missing-name"), (4, "missing-name"), (5, "missing-name")]
    assert report.junk == 0


def test_skipped_rows_are_shown_in_the_dry_run(login, users, office):
    rows = [["ФИО", "Год рождения", "Эл. почта", "Организация"], ["Karimov Rustam", "", "", ""],
            *JUNK_ROWS]
    officer = login(users["officer"])
    page = officer.get(f"/records/import/{_token(_upload(officer, 'list.csv', _csv_bytes(rows)))}")
    body = page.get_data(as_text=True)
    assert "Rows skipped: not people" in body and "Итого: 2" in body
    assert "Rows with errors</th><td>0" in body


def test_duplicate_columns_are_noted_and_manual_choices_checked(office, tmp_path):
    path = write_csv(tmp_path / "cols.csv", [
        ["Name", "E-mail", "Email", "Notes"],
        ["Karimov Rustam", "r@example.org", "other@example.org", "x"],
    ])
    report = run(path, office)
    assert report.mapping == ["full_name", "email", "", ""]
    assert [n["code"] for n in report.notes] == ["repeated-column"]
    assert "C (Email)" in import_report.problem_text(report.notes[0])
    clash = run(path, office, commit=True, mapping=["full_name", "email", "email", ""])
    assert [p["code"] for p in clash.problems] == ["duplicate-column"] and not clash.applied
    chosen = run(path, office, commit=True, mapping=["full_name", "", "email", ""])
    assert chosen.applied and record_by_email("other@example.org") is not None


# --- bad files -------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _corrupted_xlsx(tmp_path) -> bytes:
    data = write_xlsx(tmp_path / "ok.xlsx", [["Name", "Email"], ["A B", "a@b.org"]]).read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("photo.png", PNG, "extension"),
    ("photo.xlsx", PNG, "not-xlsx"),
    ("setup.xlsx", EXE, "not-xlsx"),
    ("setup.csv", EXE, "not-text"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "xls"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\r\n ,, \r\n", "empty"),
])
def test_files_that_are_not_spreadsheets_are_refused(office, tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as refused:
        importer.run_import(path, office, None, commit=True)
    assert refused.value.code == code and refused.value.message()


def test_a_corrupted_workbook_is_refused(office, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(_corrupted_xlsx(tmp_path))
    with pytest.raises(ImportFileError) as refused:
        importer.run_import(path, office, None)
    assert refused.value.code == "not-xlsx"


def test_a_file_failing_half_way_writes_nothing(office, tmp_path):
    rows = [["Name", "Email"]] + [[f"P{i} Q", f"q{i}@example.org"] for i in range(300)]
    path = write_csv(tmp_path / "half.csv", rows)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("Huge Cell," + "x" * 200_000 + "\r\n")
    before = counts()
    with pytest.raises(ImportFileError) as refused:
        importer.run_import(path, office, None, commit=True, batch_size=50)
    assert refused.value.code == "csv-broken"
    assert counts() == before


def test_a_file_without_recognisable_columns_can_be_mapped_by_hand(office, tmp_path):
    path = write_csv(tmp_path / "odd.csv", [["Col1", "Col2"], ["Karimov Rustam", "r@ex.org"]])
    report = run(path, office, commit=True)
    assert [p["code"] for p in report.problems] == ["no-header"] and not report.applied
    mapped = run(path, office, commit=True, mapping=["full_name", "email"])
    assert mapped.applied and mapped.created == 1


# --- web pages -------------------------------------------------------------------------------

def _upload(client, name, content, **data):
    return client.post("/records/import", data={"file": (io.BytesIO(content), name), **data},
                       content_type="multipart/form-data")


def _csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _token(response) -> str:
    assert response.status_code == 302, response.data[:300]
    return response.headers["Location"].rstrip("/").split("/")[-1]


def test_staff_upload_check_and_commit(app, login, users, office, region, tmp_path):
    officer = login(users["officer"])
    assert officer.get("/records/import").status_code == 200
    before = counts()
    token = _token(_upload(officer, "список.csv", _csv_bytes([RU_HEADER, *RU_ROWS])))
    assert counts() == before
    page = officer.get(f"/records/import/{token}")
    assert page.status_code == 200, page.text
    assert "список.csv" in page.text and "Dry run" in page.text
    done = officer.post(f"/records/import/{token}/commit", data={})
    assert done.status_code == 302
    assert counts()["alumni_records"] == 3
    assert found("Гуломшоева") == [record_by_email("dilnoza@example.org").id]
    folder = Path(app.config["IMPORT_FOLDER"])
    assert [p.suffix for p in folder.iterdir()] == [".json"]  # the file itself is gone
    page = officer.get(f"/records/import/{token}")
    assert "This file was imported" in page.text
    again = officer.post(f"/records/import/{token}/commit", data={})
    assert again.status_code == 302 and counts()["alumni_records"] == 3


def test_a_file_with_errors_is_imported_only_when_staff_leave_the_rows_out(
        login, users, office, tmp_path):
    officer = login(users["officer"])
    token = _token(_upload(officer, "bad.csv", _bad_file(tmp_path).read_bytes()))
    page = officer.get(f"/records/import/{token}")
    assert "not-an-address" in page.text and "Rows with errors" in page.text
    officer.post(f"/records/import/{token}/commit", data={})
    assert counts()["alumni_records"] == 0
    officer.post(f"/records/import/{token}/commit", data={"skip_errors": "y"})
    assert counts()["alumni_records"] == 2


def test_columns_can_be_mapped_on_the_page(login, users, office):
    officer = login(users["officer"])
    token = _token(_upload(officer, "odd.csv", _csv_bytes([["Col1", "Col2"],
                                                           ["Karimov Rustam", "r@ex.org"]])))
    page = officer.get(f"/records/import/{token}")
    assert "No header row was found" in page.text and 'name="columns-1"' in page.text
    bad = officer.post(f"/records/import/{token}/mapping",
                       data={"columns-0": "full_name", "columns-1": "shoe_size"})
    assert bad.status_code == 302
    officer.post(f"/records/import/{token}/mapping",
                 data={"columns-0": "full_name", "columns-1": "email"})
    officer.post(f"/records/import/{token}/commit", data={})
    assert record_by_email("r@ex.org").family_name == "Karimov"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.png", PNG, "Upload a CSV or XLSX file"),
    ("photo.xlsx", PNG, "not a readable XLSX workbook"),
    ("setup.xlsx", EXE, "not a readable XLSX workbook"),
    ("broken.xlsx", None, "not a readable XLSX workbook"),
])
def test_bad_uploads_get_a_clear_message_and_leave_nothing(app, login, users, office, tmp_path,
                                                           name, content, message):
    content = _corrupted_xlsx(tmp_path) if content is None else content
    before = counts()
    response = _upload(login(users["officer"]), name, content)
    assert response.status_code == 400 and message in response.text
    assert counts() == before
    folder = Path(app.config["IMPORT_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_oversize_files_are_refused(app, login, users, office):
    officer = login(users["officer"])
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    big = _csv_bytes([["Name", "Email"]] + [[f"P{i} Q", f"q{i}@ex.org"] for i in range(60_000)])
    response = _upload(officer, "big.csv", big)
    assert response.status_code == 413 and "larger than 1 MB" in response.text
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024  # the app's own limit answers 413 as well
    assert _upload(officer, "big.csv", big).status_code == 413
    assert counts()["alumni_records"] == 0


def test_admins_choose_the_office(login, users, office, other_office):
    admin = login(users["admin"])
    content = _csv_bytes([["Name", "Email"], ["Karimov Rustam", "r@ex.org"]])
    token = _token(_upload(admin, "a.csv", content, office_id=str(other_office.id)))
    admin.post(f"/records/import/{token}/commit", data={})
    assert record_by_email("r@ex.org").office_id == other_office.id


def test_staff_of_another_office_cannot_use_the_token(app, login, users, office, other_office,
                                                      make_user):
    token = _token(_upload(login(users["officer"]), "a.csv",
                           _csv_bytes([["Name", "Email"], ["Karimov Rustam", "r@ex.org"]])))
    stranger = login(make_user(role="officer", office=other_office))
    assert stranger.get(f"/records/import/{token}").status_code == 404
    for action in ("commit", "mapping", "discard"):
        assert stranger.post(f"/records/import/{token}/{action}").status_code == 404
    assert counts()["alumni_records"] == 0
    assert (Path(app.config["IMPORT_FOLDER"]) / f"{token}.csv").exists()
    assert stranger.get("/records/import/" + "a" * 43).status_code == 404
    assert stranger.get("/records/import/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_staff_can_discard_an_upload(app, login, users, office):
    officer = login(users["officer"])
    token = _token(_upload(officer, "a.csv", _csv_bytes([["Name", "Email"], ["A B", "a@ex.org"]])))
    assert officer.post(f"/records/import/{token}/discard").status_code == 302
    assert list(Path(app.config["IMPORT_FOLDER"]).iterdir()) == []
    assert officer.get(f"/records/import/{token}").status_code == 404


@pytest.mark.parametrize("path", ["/records/import", "/records/import/" + "x" * 43])
def test_alumni_and_visitors_cannot_import(client, login, users, path):
    assert login(users["alumnus"]).get(path).status_code == 403
    assert _upload(login(users["alumnus"]), "a.csv", b"Name\nA B\n").status_code == 403
    assert client.get(path).status_code == 302


def test_upload_route_accepts_large_bodies_and_every_route_declares_a_rule(app):
    assert app.view_functions["imports.upload"].accepts_uploads is True
    for endpoint in ("upload", "review", "remap", "commit", "discard"):
        assert app.view_functions[f"imports.{endpoint}"].access_rule is not None


def test_tokens_are_checked_strictly(tmp_path):
    store = import_files.UploadStore(tmp_path)
    for token in ("../x", "a" * 42, "a" * 44, "a/" * 22, ""):
        assert store.meta(token) is None
        with pytest.raises(ValueError):
            store.file(token, {"ext": "csv"})
    with pytest.raises(ValueError):
        store.file("a" * 43, {"ext": "sh"})


# --- command line ----------------------------------------------------------------------------

def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["import-alumni", *map(str, args)])


def test_cli_dry_run_prints_the_summary_and_writes_nothing(app, office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS], encoding="cp1251")
    before = counts()
    result = _cli(app, path, "--office", "tj")
    assert result.exit_code == 0, result.output
    for line in ("created: 3", "updated: 0", "skipped (no changes): 0", "with errors: 0",
                 "probable duplicates: 0", "dry run: nothing was written"):
        assert line in result.output
    assert counts() == before


def test_cli_commit_imports_and_a_second_run_changes_nothing(app, office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS])
    result = _cli(app, path, "--office", "TJ", "--commit")
    assert result.exit_code == 0 and "imported." in result.output
    assert counts()["alumni_records"] == 3
    again = _cli(app, path, "--office", "TJ", "--commit")
    assert "created: 0" in again.output and "updated: 0" in again.output
    assert counts()["alumni_records"] == 3


def test_cli_refuses_errors_unless_skipped_and_reports_them(app, office, tmp_path):
    path = _bad_file(tmp_path)
    refused = _cli(app, path, "--office", "TJ", "--commit")
    assert refused.exit_code == 1 and "row 5:" in refused.output
    assert "--skip-errors" in refused.output
    assert counts()["alumni_records"] == 0
    assert _cli(app, path, "--office", "TJ", "--commit", "--skip-errors").exit_code == 0
    assert counts()["alumni_records"] == 2


def test_cli_maps_columns_and_explains_bad_input(app, office, tmp_path):
    odd = write_csv(tmp_path / "odd.csv", [["Col1", "Col2"], ["Karimov Rustam", "r@ex.org"]])
    result = _cli(app, odd, "--office", "TJ", "--map", "col1=full_name", "--map", "B=email",
                  "--commit")
    assert result.exit_code == 0, result.output
    assert record_by_email("r@ex.org") is not None
    assert _cli(app, odd, "--office", "TJ", "--map", "Col9=email").exit_code == 2
    assert _cli(app, odd, "--office", "XX").exit_code == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_corrupted_xlsx(tmp_path))
    failed = _cli(app, broken, "--office", "TJ")
    assert failed.exit_code == 1 and "not a readable XLSX workbook" in failed.output


def test_cli_prints_progress(app, office, tmp_path):
    rows = [["Name", "Email"]] + [[f"P{i} Q", f"q{i}@ex.org"] for i in range(10_500)]
    result = _cli(app, write_csv(tmp_path / "big.csv", rows), "--office", "TJ")
    assert "10,000 rows read" in result.stderr
    assert "created: 10500" in result.stdout


def test_report_survives_the_json_round_trip(office, tmp_path):
    report = run(_bad_file(tmp_path), office)
    copy = import_report.ImportReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert copy == report


def _wait_for_job(token: str, timeout: float = 20.0) -> dict:
    from alumni_app.alumni import import_jobs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        meta = import_jobs.store().meta(token)
        if meta["job"]["state"] == import_jobs.DONE:
            return meta
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_a_long_import_runs_in_the_background_and_shows_its_progress(
        app, login, users, office, monkeypatch):
    """The page answers at once, shows the rows done so far and refreshes itself until done."""
    app.config["IMPORT_IN_BACKGROUND"] = True
    reached, release = threading.Event(), threading.Event()
    real_run = importer.run_import

    def held_run(*args, progress=None, **kwargs):
        if not reached.is_set():
            progress(250)  # as the importer does after each batch
            reached.set()
            assert release.wait(10)
        return real_run(*args, progress=progress, **kwargs)

    monkeypatch.setattr(importer, "run_import", held_run)
    monkeypatch.setattr("alumni_app.alumni.import_jobs.BEAT_EVERY", 0)
    officer = login(users["officer"])
    rows = [["Given name", "Family name", "E-mail"], ["Aziza", "Backgroundova", "a@ex.org"]]
    token = _token(_upload(officer, "big.csv", _csv_bytes(rows)))
    assert reached.wait(10)
    page = officer.get(f"/records/import/{token}")
    assert page.status_code == 200, page.text
    assert '<meta http-equiv="refresh"' in page.text and "250 rows done so far" in page.text
    assert "Checking the file" in page.text
    again = officer.post(f"/records/import/{token}/commit", data={}, follow_redirects=True)
    assert "already being imported" in again.text
    release.set()
    _wait_for_job(token)

    page = officer.get(f"/records/import/{token}")
    assert '<meta http-equiv="refresh"' not in page.text and "Dry run" in page.text
    assert counts()["alumni_records"] == 0
    officer.post(f"/records/import/{token}/commit", data={})
    meta = _wait_for_job(token)
    assert meta["outcome"] == {"kind": "imported", "created": 1, "updated": 0, "unchanged": 0}
    assert record_by_email("a@ex.org").family_name == "Backgroundova"
    assert "Imported: 1 created" in officer.get(f"/records/import/{token}").text


def test_an_import_whose_server_died_is_reported_and_can_be_started_again(
        app, login, users, office):
    from alumni_app.alumni import import_jobs

    officer = login(users["officer"])
    rows = [["Given name", "Family name", "E-mail"], ["Oydin", "Stalova", "o@ex.org"]]
    token = _token(_upload(officer, "s.csv", _csv_bytes(rows)))
    store = import_jobs.store()
    meta = store.meta(token)
    stopped = time.time() - app.config["IMPORT_STALE_SECONDS"] - 5
    store.write_meta(token, {**meta, "job": {"kind": "commit", "state": "running", "rows": 0,
                                             "started": stopped, "beat": stopped}})
    page = officer.get(f"/records/import/{token}")
    assert "stopped before it finished" in page.text and counts()["alumni_records"] == 0
    officer.post(f"/records/import/{token}/commit", data={})
    assert record_by_email("o@ex.org") is not None


def test_the_duplicate_list_does_not_depend_on_the_batch_size(office, tmp_path, monkeypatch):
    # Namesakes with and without years, existing and new, one getting its year filled in by
    # the file: the first namesakes named for each row are the same in batches of 3 as in one.
    services.create_record(None, office.id, {"family_name": "Saidov", "given_name": "Anvar"})
    services.create_record(None, office.id, {"family_name": "Saidov", "given_name": "Anvar",
                                             "email": "old@example.org", "birth_year": 1975})
    services.create_record(None, office.id, {"family_name": "Saidov", "given_name": "Anvar",
                                             "email": "fill@example.org"})
    db.session.commit()
    rows = [["Last name", "First name", "Email", "Year of birth"]]
    rows += [["Saidov", "Anvar", f"a{i}@example.org", str(1975 + i % 3) if i % 4 else ""]
             for i in range(14)]
    rows.insert(6, ["Saidov", "Anvar", "fill@example.org", "1976"])
    rows += [["Saidov", "Anvar", "", "1976"], ["Saidov", "Anvar", "old@example.org", ""]]
    path = write_csv(tmp_path / "namesakes.csv", rows)

    def listing(batch_size):
        report = run(path, office, batch_size=batch_size)
        return report.created, [(d["row"], d["kind"], [(r["id"], r["row"]) for r in d["others"]])
                                for d in report.duplicates]

    whole = listing(1000)
    assert whole[0] == 14 and len(whole[1]) == 15
    # The record whose year the file filled in (row 7) is one of the 1976 rows' namesakes.
    assert whole[1][-1] == (17, "ambiguous", [(3, None), (None, 3), (None, 10), (None, 13),
                                              (None, 16)])
    assert listing(3) == whole
    # The groups kept between batches are bounded: dropped and read again, same list.
    monkeypatch.setattr(importer, "NAMESAKE_GROUPS_KEPT", 1)
    assert listing(3) == whole


def test_cli_lists_the_rows_skipped_as_not_people(app, office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [["ФИО", "Год рождения", "Эл. почта", "Организация"],
                                             ["Karimov Rustam", "", "", ""], *JUNK_ROWS])
    result = _cli(app, path, "--office", "TJ", "--commit")
    assert result.exit_code == 0, result.output
    assert "skipped (totals, notes, separators): 9" in result.output
    assert "row 3: " in result.output and "created: 1" in result.output


# --- history -----------------------------------------------------------------------------------

def test_an_import_writes_the_history_of_each_record_and_course(office, users, region,
                                                                tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS])
    importer.run_import(path, office, users["officer"], commit=True)
    db.session.commit()
    dilnoza = record_by_email("dilnoza@example.org")
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_type == "AlumnusRecord", AuditEvent.subject_id == dilnoza.id)
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["record.created", "participation.added"]
    assert all(e.actor_id == users["officer"].id and e.office_id == office.id for e in events)
    assert events[0].details_dict == {"source": "import", "file": "list.csv"}
    assert events[1].details_dict["course_id"] == dilnoza.participations[0].course_id
    created = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "record.created"))
    linked = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "participation.added"))
    assert (created, linked) == (3, 3)


def test_the_history_page_says_what_an_import_did(login, users, office, tmp_path):
    officer = login(users["officer"])
    rows = [["Name", "Email", "Course code", "Course title"],
            ["Karimov Rustam", "r@example.org", "C1", "Energy"]]
    token = _token(_upload(officer, "office list.csv", _csv_bytes(rows)))
    officer.post(f"/records/import/{token}/commit")
    _wait_for_job(token)
    person = record_by_email("r@example.org")
    page = officer.get(f"/records/{person.id}/history").get_data(as_text=True)
    assert "Record created" in page and "imported from office list.csv" in page
    assert "Course added" in page and "C1" in page
    assert users["officer"].display_name in page


def test_the_command_line_names_its_operator_in_the_history(app, office, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "operator7")
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS])
    assert _cli(app, path, "--office", "TJ", "--commit").exit_code == 0
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(
        ["records.imported", "record.created", "participation.added"]))).all()
    assert len(events) == 7
    assert all(e.actor_id is None and e.details_dict["via"] == "command line"
               and e.details_dict["os_user"] == "operator7" for e in events)


def test_probable_duplicates_link_to_the_records_and_to_a_prefilled_merge(login, users,
                                                                          office):
    old = services.create_record(None, office.id, {"family_name": "Karimov",
                                                   "given_name": "Rustam"})
    db.session.commit()
    officer = login(users["officer"])
    rows = [["Last name", "First name", "Email", "Year of birth"],
            ["Karimov", "Rustam", "rk@example.org", "1980"]]
    token = _token(_upload(officer, "dups.csv", _csv_bytes(rows)))
    dry = officer.get(f"/records/import/{token}").get_data(as_text=True)
    assert f'<a href="/directory/{old.id}">record #{old.id}</a>' in dry
    assert "/merge?duplicate=" not in dry  # the new record does not exist yet
    officer.post(f"/records/import/{token}/commit")
    _wait_for_job(token)
    new = record_by_email("rk@example.org")
    page = officer.get(f"/records/import/{token}").get_data(as_text=True)
    assert f'<a href="/directory/{new.id}">record #{new.id}</a>' in page
    merge_url = f"/records/{old.id}/merge?duplicate={new.id}"
    assert f'href="{merge_url}"' in page and 'target="_blank"' not in page
    confirm = officer.get(merge_url).get_data(as_text=True)
    assert f'value="{new.id}"' in confirm
    assert f"Merge Rustam Karimov (no. {new.id}, —) into Rustam Karimov?" in confirm
    assert db.session.get(AlumnusRecord, new.id).merged_into_id is None  # a GET merges nothing
    assert officer.post(merge_url, data={"duplicate_id": new.id, "confirm": "yes"}
                        ).status_code == 302
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, new.id).merged_into_id == old.id


# --- courses removed by staff ----------------------------------------------------------------

def _course_list(tmp_path, *emails) -> Path:
    return write_csv(tmp_path / "courses.csv", [
        ["Name", "Email", "Course code", "Course title"],
        *[["Karimov Rustam", email, "C1", "Energy"] for email in emails]])


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


def record_course_id(code: str) -> int:
    return db.session.scalar(sa.select(Course.id).where(Course.code == code))
