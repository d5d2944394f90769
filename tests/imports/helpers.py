"""What the import tests share: sample rows, files written for a test, counts of the tables."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from alumni_app.alumni.directory import Filters, build_query
from alumni_app.alumni.models import AlumnusRecord, RecordPosition, SearchTerm
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.imports import report as import_report
from alumni_app.imports import services as importer
from alumni_app.imports import uploads
from alumni_app.imports.models import ImportUpload
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


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _corrupted_xlsx(tmp_path) -> bytes:
    data = write_xlsx(tmp_path / "ok.xlsx", [["Name", "Email"], ["A B", "a@b.org"]]).read_bytes()
    return data[: len(data) // 2]


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


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["import-alumni", *map(str, args)])


def _wait_for_job(token: str) -> ImportUpload:
    """The upload once its last job finished: at once here, the queue runs tasks inline."""
    db.session.expire_all()
    upload = uploads.find(token)
    assert upload.job is not None and upload.job.state == "done", upload.job
    return upload


def _course_list(tmp_path, *emails) -> Path:
    return write_csv(tmp_path / "courses.csv", [
        ["Name", "Email", "Course code", "Course title"],
        *[["Karimov Rustam", email, "C1", "Energy"] for email in emails]])


def record_course_id(code: str) -> int:
    return db.session.scalar(sa.select(Course.id).where(Course.code == code))
