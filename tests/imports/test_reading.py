"""Reading files: headers in English and Russian, dates, encodings, workbooks, bad files."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.imports import services as importer
from alumni_app.imports.columns import guess_field
from alumni_app.imports.errors import ImportFileError
from alumni_app.imports.reading import sniff_delimiter
from alumni_app.imports.rows import parse_date, split_full_name
from alumni_app.training.models import Course
from tests.imports.helpers import (
    EXE,
    PNG,
    RU_HEADER,
    RU_ROWS,
    _corrupted_xlsx,
    counts,
    record_by_email,
    run,
    write_csv,
    write_xlsx,
)


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
