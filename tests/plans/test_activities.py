"""Activities: people reached validated, evidence checked by content and served to those allowed."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.plans import pages
from alumni_app.plans.models import Activity
from alumni_app.storage import StoredFile
from tests import sample_files as files
from tests.plans import factories as plan_factories


def activity_data(**extra) -> dict:
    data = {"kind": "seminar", "held_on": "2024-05-10", "title": "Seminar on road upkeep",
            "region_id": "0", "sector_id": "0", "plan_id": "0", "total": "30",
            "women": "14", "men": "16", "age_under_30": "10", "org_government": "25"}
    data.update(extra)
    return data


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_alumnus_records_an_activity_with_evidence(app, login, users, record, plan):
    http = login(users["alumnus"])
    response = http.post(f"/activities/new/{record.id}", data=activity_data(
        plan_id=str(plan.id), evidence=(io.BytesIO(files.image("JPEG")), "photo.jpg")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert activity.plan_id == plan.id and activity.total == 30
    assert activity.evidence[0].content_type == "image/jpeg"
    download = http.get(f"/activities/{activity.id}/evidence/{activity.evidence[0].id}")
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(("extra", "message"), [
    ({"total": "-1"}, "Enter a whole number, 0 or more."),
    ({"women": "many"}, "Not a valid integer value"),
    ({"total": ""}, "Enter a whole number, 0 or more."),
    ({"women": "20", "men": "16"}, "Women and men together (36) cannot be more than the total"),
    ({"age_30_49": "25"}, "The age bands add up to 35"),
    ({"org_ngo": "6"}, "kinds of organization add up to 31"),
    ({"held_on": "yesterday"}, "Enter the date, like 2025-03-14."),
    ({"kind": "party"}, "Not a valid choice"),
    ({"plan_id": "999"}, "Not a valid choice"),
])
def test_bad_counts_are_refused_next_to_the_field(app, login, users, record, extra, message):
    response = login(users["alumnus"]).post(f"/activities/new/{record.id}",
                                            data=activity_data(**extra))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Activity) == 0


@pytest.mark.parametrize(("data", "name", "message"), [
    (files.executable(), "report.pdf", "whatever its name says"),
    (files.docx(), "minutes.pdf", "its content is a DOCX file"),
])
def test_bad_evidence_saves_nothing(app, login, users, record, data, name, message):
    response = login(users["alumnus"]).post(
        f"/activities/new/{record.id}", data=activity_data(evidence=(io.BytesIO(data), name)),
        content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(Activity) == 0 and count(StoredFile) == 0


@pytest.mark.parametrize(("data", "name", "status", "message"), [
    (files.executable(), "receipt.pdf", 400, "whatever its name says"),
    (files.pdf(), "receipt.xlsx", 400, "its content is a PDF file"),
    (files.pdf() + b" " * 2048, "receipt.pdf", 413, "larger than"),
])
def test_a_bad_file_attached_later_is_refused_and_the_activity_kept(app, login, users, record,
                                                                    data, name, status,
                                                                    message):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    activity = plan_factories.make_activity(record, users["alumnus"])
    response = login(users["alumnus"]).post(
        f"/activities/{activity.id}/evidence", data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")
    assert response.status_code == status and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert [f.original_name for f in activity.evidence] == ["list.pdf"]
    assert count(StoredFile) == 1


def test_oversized_evidence_is_refused_with_413(app, login, users, record):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    response = login(users["alumnus"]).post(
        f"/activities/new/{record.id}",
        data=activity_data(evidence=(io.BytesIO(files.pdf() + b" " * 2048), "big.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    assert count(Activity) == 0


def test_staff_record_on_behalf_and_attach_more_evidence(app, login, users, record):
    officer = login(users["officer"])
    assert officer.post(f"/activities/new/{record.id}", data=activity_data()).status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    response = officer.post(f"/activities/{activity.id}/evidence",
                            data={"file": (io.BytesIO(files.xlsx()), "list.xlsx")},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    assert "list.xlsx" in login(users["alumnus"]).get(
        f"/activities/{activity.id}").get_data(as_text=True)


def test_evidence_is_served_only_to_those_who_see_the_activity(app, login, users, record,
                                                               make_user, other_office):
    activity = plan_factories.make_activity(record, users["alumnus"])
    other = plan_factories.make_activity(
        plan_factories.claimed_record(other_office, make_user(role="alumnus")),
        users["admin"])
    url = f"/activities/{activity.id}/evidence/{activity.evidence[0].id}"
    for user in (make_user(role="alumnus"), make_user(role="officer", office=other_office)):
        assert login(user).get(url).status_code == 404
    # A file of another activity is not reachable through mine.
    mixed = f"/activities/{activity.id}/evidence/{other.evidence[0].id}"
    assert login(users["alumnus"]).get(mixed).status_code == 404
    assert login(users["officer"]).get(url).status_code == 200


def test_activity_list_is_scoped(app, login, users, record, make_user, other_office):
    plan_factories.make_activity(record, users["alumnus"], title="Mine")
    plan_factories.make_activity(
        plan_factories.claimed_record(other_office, make_user(role="alumnus")),
        users["admin"], title="Theirs")
    assert "Theirs" not in login(users["alumnus"]).get("/activities").get_data(as_text=True)
    page = login(users["officer"]).get("/activities?kind=seminar&year=2024").get_data(
        as_text=True)
    assert "Mine" in page and "Theirs" not in page


def test_odd_numbers_in_activity_urls_never_fail(app, login, users, record, plan):
    http = login(users["alumnus"])
    for query in ("?year=²²²²", "?year=٢٠٢٤&kind=seminar", "?year=-1"):
        assert http.get(f"/activities{query}").status_code == 200
    for plan_arg in ("²", "٣", "-1", "1_0"):
        assert http.get(f"/activities/new/{record.id}?plan={plan_arg}").status_code == 200


def test_an_activity_is_attributed_to_one_of_the_persons_courses(app, login, users, record,
                                                                 participation, plan):
    second = plan_factories.make_participation(record, code="KM-2", title="Second course")
    http = login(users["alumnus"])
    page = http.get(f"/activities/new/{record.id}?plan={plan.id}").get_data(as_text=True)
    assert f'<option selected value="{participation.id}">' in page  # the plan's course
    response = http.post(f"/activities/new/{record.id}", data=activity_data(
        participation_id=str(second.id)))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Activity.participation_id)) == second.id
    # With a plan, the course is the plan's.
    response = http.post(f"/activities/new/{record.id}", data=activity_data(
        plan_id=str(plan.id), title="With the plan"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Activity.participation_id).where(
        Activity.title == "With the plan")) == participation.id


@pytest.mark.parametrize("which", ["mismatch", "foreign"])
def test_a_course_that_does_not_fit_is_refused(app, login, users, record, plan, make_user,
                                               which):
    if which == "mismatch":
        chosen = plan_factories.make_participation(record, code="KM-2")
        message = "belongs to another course"
        extra = {"plan_id": str(plan.id)}
    else:
        stranger = plan_factories.claimed_record(record.office,
                                                 make_user(role="alumnus"))
        chosen = plan_factories.make_participation(stranger, code="KM-3")
        message = "Not a valid choice"
        extra = {}
    response = login(users["alumnus"]).post(f"/activities/new/{record.id}", data=activity_data(
        participation_id=str(chosen.id), **extra))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(Activity) == 0


def test_the_plans_page_lists_no_activities_of_a_retired_record(app, login, users, record):
    plan_factories.make_activity(record, users["alumnus"], title="Old seminar")
    assert [a.title for a in pages.own_activities(users["alumnus"])] == ["Old seminar"]
    record.is_active = False
    db.session.commit()
    assert pages.own_activities(users["alumnus"]) == []
