"""What an import leaves in the history of records and courses."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.imports import services as importer
from tests.imports.helpers import (
    RU_HEADER,
    RU_ROWS,
    _cli,
    _csv_bytes,
    _token,
    _upload,
    _wait_for_job,
    record_by_email,
    write_csv,
)


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
