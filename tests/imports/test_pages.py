"""The import pages: upload, dry run, mapping, commit, access, jobs in the background."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.imports import report as import_report
from alumni_app.imports import uploads
from alumni_app.jobs import huey
from alumni_app.jobs.models import Job
from tests.imports.helpers import (
    EXE,
    PNG,
    RU_HEADER,
    RU_ROWS,
    _bad_file,
    _corrupted_xlsx,
    _csv_bytes,
    _token,
    _upload,
    _wait_for_job,
    counts,
    found,
    record_by_email,
    run,
)


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
    assert list(folder.iterdir()) == []  # the file itself is gone, and nothing beside it
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
    for endpoint in ("upload", "review", "remap", "commit", "again", "discard"):
        assert app.view_functions[f"imports.{endpoint}"].access_rule is not None


def test_tokens_are_checked_strictly(app, tmp_path):
    store = uploads.UploadStore(tmp_path)
    for token in ("../x", "a" * 42, "a" * 44, "a/" * 22, ""):
        assert uploads.find(token) is None
        with pytest.raises(ValueError):
            store.file(token, "csv")
    with pytest.raises(ValueError):
        store.file("a" * 43, "sh")


def test_report_survives_the_json_round_trip(office, tmp_path):
    report = run(_bad_file(tmp_path), office)
    copy = import_report.ImportReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert copy == report




def _job(token: str) -> Job:
    db.session.expire_all()
    return uploads.find(token).job


def test_a_long_import_runs_as_a_job_and_shows_its_progress(app, login, users, office,
                                                             task_queue):
    """The page answers at once, shows the rows done of the total with an estimate, refreshes
    itself until the worker is done, and a second click meanwhile starts nothing."""
    officer = login(users["officer"])
    rows = [["Given name", "Family name", "E-mail"], ["Aziza", "Backgroundova", "a@ex.org"]]
    token = _token(_upload(officer, "big.csv", _csv_bytes(rows)))
    job = _job(token)
    assert (job.kind, job.state, job.office_id, job.actor_id) == (
        "imports.dry_run", "queued", office.id, users["officer"].id)
    assert job.rows_total == 2  # the file's two lines
    page = officer.get(f"/records/import/{token}")
    assert '<meta http-equiv="refresh"' in page.text and "Waiting for a worker" in page.text
    again = officer.post(f"/records/import/{token}/commit", data={}, follow_redirects=True)
    assert "already being imported" in again.text
    assert len(task_queue.pending()) == 1  # the second click queued nothing

    # Half-way, as the worker writes it: 250 of 1,000 rows in 30 s, so 90 s to go.
    job.state, job.rows_done, job.rows_total = "running", 250, 1000
    job.heartbeat_at = utcnow()
    job.started_at = job.heartbeat_at - timedelta(seconds=30)
    db.session.commit()
    page = officer.get(f"/records/import/{token}")
    assert "250 of about 1,000 rows done" in page.text and "About 2 minutes left" in page.text
    assert "Checking the file" in page.text
    job.state, job.rows_done = "queued", 0
    db.session.commit()

    assert task_queue.run_all() == 1
    page = officer.get(f"/records/import/{token}")
    assert '<meta http-equiv="refresh"' not in page.text and "Dry run" in page.text
    assert counts()["alumni_records"] == 0
    officer.post(f"/records/import/{token}/commit", data={})
    officer.post(f"/records/import/{token}/commit", data={})
    assert len(task_queue.pending()) == 1
    assert task_queue.run_all() == 1
    upload = _wait_for_job(token)
    assert upload.outcome_data == {"kind": "imported", "created": 1, "updated": 0,
                                   "unchanged": 0}
    assert (upload.job.kind, upload.job.rows_done) == ("imports.commit", 1)
    assert record_by_email("a@ex.org").family_name == "Backgroundova"
    assert "Imported: 1 created" in officer.get(f"/records/import/{token}").text


def test_an_import_whose_worker_died_is_reported_and_runs_again_with_one_click(
        app, login, users, office, task_queue):
    officer = login(users["officer"])
    rows = [["Given name", "Family name", "E-mail"], ["Oydin", "Stalova", "o@ex.org"]]
    token = _token(_upload(officer, "s.csv", _csv_bytes(rows)))
    task_queue.run_all()
    officer.post(f"/records/import/{token}/commit", data={})
    huey.dequeue()  # a worker took the task, and died before it finished
    job = _job(token)
    job_id = job.id
    stopped = utcnow() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 5)
    job.state, job.started_at, job.heartbeat_at, job.attempts = "running", stopped, stopped, 1
    db.session.commit()
    page = officer.get(f"/records/import/{token}")
    assert "stopped before it finished" in page.text and "Run it again" in page.text
    assert '<meta http-equiv="refresh"' not in page.text and counts()["alumni_records"] == 0
    officer.post(f"/records/import/{token}/again", data={})
    officer.post(f"/records/import/{token}/again", data={})  # a second click: nothing more
    assert task_queue.run_all() == 1
    assert record_by_email("o@ex.org") is not None
    job = _job(token)
    assert (job.id, job.kind, job.state, job.attempts) == (job_id, "imports.commit", "done", 2)
    assert "Imported: 1 created" in officer.get(f"/records/import/{token}").text


def test_the_upload_page_lists_the_office_s_recent_files_with_where_they_stand(
        login, users, office, other_office, make_user, task_queue):
    """Where a failed or interrupted import is found again (the dashboard links here)."""
    officer = login(users["officer"])
    rows = [["Given name", "Family name", "E-mail"], ["Aziza", "Listova", "l@ex.org"]]
    waiting = _token(_upload(officer, "waiting.csv", _csv_bytes(rows)))
    checked = _token(_upload(officer, "checked.csv", _csv_bytes(rows)))
    task_queue.run_all()
    stranger = login(make_user(role="officer", office=other_office))
    _token(_upload(stranger, "theirs.csv", _csv_bytes(rows)))
    job = _job(waiting)
    job.state, job.heartbeat_at = "running", utcnow() - timedelta(hours=1)
    db.session.commit()

    page = officer.get("/records/import").text
    assert "theirs.csv" not in page
    assert re.search(r"waiting\.csv</a>.*?Interrupted: run it again", page, re.S)
    assert re.search(r"checked\.csv</a>.*?Checked: waiting for your review", page, re.S)
    assert f"/records/import/{checked}" in page
    officer.post(f"/records/import/{checked}/commit", data={})
    task_queue.run_all()
    assert re.search(r"checked\.csv</a>.*?Imported", officer.get("/records/import").text, re.S)
    admin_page = login(users["admin"]).get("/records/import").text
    assert "theirs.csv" in admin_page and "Kyrgyz Republic Office" in admin_page
