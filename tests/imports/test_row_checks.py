"""Row errors, warnings, probable duplicates and rows that are not people."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.imports import namesakes
from alumni_app.imports import report as import_report
from tests.imports.helpers import (
    JUNK_ROWS,
    _bad_file,
    _csv_bytes,
    _token,
    _upload,
    counts,
    record_by_email,
    run,
    write_csv,
)


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
    monkeypatch.setattr(namesakes, "NAMESAKE_GROUPS_KEPT", 1)
    assert listing(3) == whole
