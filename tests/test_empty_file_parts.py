"""Every form with a file input, posted as a browser posts it when no file was chosen.

A browser sends an empty part (`filename=""`, no bytes) for a file input left empty. On a form
that edits an object, that keeps the object's current file(s); on a form whose only purpose is
the file, it asks for one. Never a 500.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import applications, money
from alumni_app.grants.models import GrantApplication
from alumni_app.grants.money_models import GrantReport, Receipt
from alumni_app.plans import services
from alumni_app.plans.models import ActionPlan, Activity
from alumni_app.storage import StoredFile
from tests import sample_files as files
from tests.grants import factories as grant_factories
from tests.grants.test_views import edit_form, form_data
from tests.plans import factories as plan_factories

EMPTY = files.empty_part
MULTIPART = "multipart/form-data"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def record(users, office):
    services.ensure_default_barriers()
    return plan_factories.claimed_record(office, users["alumnus"], family_name="Karimova")


@pytest.fixture
def plan_with_copy(record, users):
    """A plan entered by staff from its scanned paper copy."""
    participation = plan_factories.make_participation(record)
    plan = services.create_plan(
        users["officer"], participation, {"title": "Road upkeep", "status": "in_progress"},
        [services.MilestoneRow("Seminar", date(2024, 6, 1))],
        [services.IndicatorRow("Roads inspected", "km", 10, 100)],
        upload=files.upload(files.pdf(), "scan.pdf"), on_behalf=True)
    db.session.commit()
    return plan


def _plan_form(plan: ActionPlan, **extra) -> dict:
    milestone, indicator = plan.milestones[0], plan.indicators[0]
    return {"title": "Road upkeep, revised", "status": plan.status,
            "edit_version": str(plan.edit_version),
            "milestones-0-id": str(milestone.id), "milestones-0-description": "Seminar",
            "milestones-0-target_on": "2024-06-01", "indicators-0-id": str(indicator.id),
            "indicators-0-name": "Roads inspected", "indicators-0-unit": "km",
            "indicators-0-baseline": "10", "indicators-0-target": "100", **extra}


@pytest.mark.parametrize("who", ["alumnus", "officer"])
def test_saving_a_plan_with_no_new_copy_keeps_the_paper_copy(app, login, users, plan_with_copy,
                                                             who):
    copy_id = plan_with_copy.paper_copy_id
    response = login(users[who]).post(f"/plans/{plan_with_copy.id}/edit", data=_plan_form(
        plan_with_copy, paper_copy=EMPTY()), content_type=MULTIPART)
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan_with_copy.id)
    assert plan.title == "Road upkeep, revised" and plan.paper_copy_id == copy_id
    assert count(StoredFile) == 1


def test_a_new_plan_without_a_copy_posts_an_empty_part_and_is_saved(app, login, users, record):
    participation = plan_factories.make_participation(record)
    response = login(users["alumnus"]).post(f"/plans/new/{participation.id}", data={
        "title": "Road upkeep", "status": "draft", "milestones-0-description": "Seminar",
        "milestones-0-target_on": "2024-06-01", "paper_copy": EMPTY()}, content_type=MULTIPART)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ActionPlan)).paper_copy is None


def test_staff_still_need_the_copy_to_enter_a_plan_on_behalf(app, login, users, record):
    participation = plan_factories.make_participation(record)
    response = login(users["officer"]).post(f"/plans/new/{participation.id}", data={
        "title": "Road upkeep", "status": "draft", "milestones-0-description": "Seminar",
        "milestones-0-target_on": "2024-06-01", "paper_copy": EMPTY()}, content_type=MULTIPART)
    assert response.status_code == 400
    assert "scanned paper copy" in response.get_data(as_text=True)
    assert count(ActionPlan) == 0


def _activity_form(**extra) -> dict:
    return {"kind": "seminar", "held_on": "2024-05-10", "title": "Seminar, revised",
            "region_id": "0", "sector_id": "0", "plan_id": "0", "participation_id": "0",
            "total": "30", "women": "14", "men": "16", **extra}


@pytest.mark.parametrize(("who", "part"), [("alumnus", {"evidence": EMPTY}),
                                           ("officer", {"evidence": EMPTY}), ("alumnus", {})])
def test_saving_an_activity_with_no_new_evidence_keeps_its_files(app, login, users, record, who,
                                                                 part):
    """The edit page has no evidence input (files are added on the activity's page): the
    post may carry no part at all."""
    activity = plan_factories.make_activity(record, users["alumnus"])
    evidence_ids = [f.id for f in activity.evidence]
    response = login(users[who]).post(f"/activities/{activity.id}/edit", data=_activity_form(
        **{name: make() for name, make in part.items()}), content_type=MULTIPART)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Activity, activity.id)
    assert saved.title == "Seminar, revised" and [f.id for f in saved.evidence] == evidence_ids


def test_a_new_activity_without_evidence_is_saved(app, login, users, record):
    response = login(users["alumnus"]).post(f"/activities/new/{record.id}", data=_activity_form(
        evidence=EMPTY()), content_type=MULTIPART)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Activity)).evidence == []


def test_attaching_evidence_without_a_file_asks_for_one(app, login, users, record):
    activity = plan_factories.make_activity(record, users["alumnus"])
    response = login(users["alumnus"]).post(f"/activities/{activity.id}/evidence",
                                            data={"file": EMPTY()}, content_type=MULTIPART)
    assert response.status_code == 400
    assert "Choose a file to attach." in response.get_data(as_text=True)
    assert count(StoredFile) == 1


@pytest.fixture
def application(office, users):
    applicant = grant_factories.eligible_alumnus(office, users["alumnus"])
    call = grant_factories.make_call(office, users["manager"])
    application = grant_factories.draft(call, applicant)
    applications.attach_file(applicant, application, files.upload(files.pdf(), "plan.pdf"))
    db.session.commit()
    return application


def _proposal(http, application) -> dict:
    return {**form_data(summary="Saved with the file input empty"),
            **edit_form(http, application)}


def test_saving_a_proposal_keeps_its_attachments(app, login, users, application):
    """The attach input belongs to the proposal's form: every save posts it, empty."""
    http = login(users["alumnus"])
    response = http.post(f"/grants/applications/{application.id}/edit", data={
        **_proposal(http, application), "action": "save", "attachment": EMPTY()},
        content_type=MULTIPART)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(GrantApplication, application.id)
    assert saved.summary == "Saved with the file input empty"
    assert [f.original_name for f in saved.files] == ["plan.pdf"]


def test_attach_without_a_file_asks_for_one_and_keeps_the_text(app, login, users, application):
    http = login(users["alumnus"])
    response = http.post(f"/grants/applications/{application.id}/files", data={
        **_proposal(http, application), "attachment": EMPTY()}, content_type=MULTIPART)
    assert response.status_code == 400
    assert "Choose a file first." in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(GrantApplication, application.id).files) == 1


@pytest.fixture
def paid_report(office, users):
    applicant = grant_factories.eligible_alumnus(office, users["alumnus"])
    grant = grant_factories.approved(grant_factories.reviewed_application(
        office, users, applicant=applicant), users["manager"])
    money.release(users["manager"], money.tranches(grant)[0], "")
    db.session.commit()
    return money.reports(grant)[0]


def test_report_evidence_without_a_file_asks_for_one(app, login, users, paid_report):
    response = login(users["alumnus"]).post(f"/grants/reports/{paid_report.id}/evidence",
                                            data={"attachment": EMPTY()},
                                            content_type=MULTIPART)
    assert response.status_code == 400
    assert "Choose a file first." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(GrantReport, paid_report.id).evidence == []


def test_a_receipt_without_its_scan_asks_for_it(app, login, users, paid_report):
    line = db.session.get(GrantApplication, paid_report.application_id).budget_lines[0]
    response = login(users["alumnus"]).post(f"/grants/reports/{paid_report.id}/receipts", data={
        "budget_line": str(line.id), "paid_on": grant_factories.today().isoformat(),
        "amount": "100", "description": "Filters", "scan": EMPTY()}, content_type=MULTIPART)
    assert response.status_code == 400
    assert "Attach the scanned receipt." in response.get_data(as_text=True)
    assert count(Receipt) == 0


def test_a_photo_upload_without_a_picture_asks_for_one(app, login, users, record, tmp_path):
    app.instance_path = str(tmp_path)
    response = login(users["alumnus"]).post("/me/photo", data={"photo": EMPTY()},
                                            content_type=MULTIPART)
    assert response.status_code == 400
    assert "Choose a picture to upload." in response.get_data(as_text=True)
    db.session.refresh(record)
    assert record.photo_name is None


def test_an_import_without_a_file_asks_for_one(app, login, users):
    response = login(users["officer"]).post("/records/import", data={"file": EMPTY()},
                                            content_type=MULTIPART)
    assert response.status_code == 400
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_no_form_fills_a_file_input_from_the_object_it_edits(app):
    """The mechanism itself: a form made from an object with a stored file under the field's
    name holds no file until one is posted."""
    from alumni_app.plans.forms import PlanForm

    class Plan:
        title, paper_copy = "Kept", object()

    with app.test_request_context("/", method="POST", data={"paper_copy": EMPTY()},
                                  content_type=MULTIPART):
        form = PlanForm(obj=Plan())
        assert form.title.data == "Kept" and form.paper_copy.data is None
