"""Writing and editing action plans: alumni for their own courses, staff from a paper copy."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.forms import _wtforms_translations
from alumni_app.plans.models import ActionPlan, Milestone, PlanEvent
from alumni_app.storage import StoredFile
from tests import sample_files as files
from tests.plans import factories as plan_factories

NOT_A_NUMBER = "Enter a number, like 1 250,50 or 1250.50."


def plan_form(**extra) -> dict:
    data = {"title": "Better road maintenance", "problem": "Roads decay", "status": "draft",
            "milestones-0-description": "Seminar for the ministry",
            "milestones-0-target_on": "2024-06-01",
            "indicators-0-name": "Roads inspected", "indicators-0-unit": "km",
            "indicators-0-baseline": "10", "indicators-0-target": "120.5"}
    data.update(extra)
    return data


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_alumnus_writes_a_plan_with_milestones_and_indicators(app, login, users, participation):
    http = login(users["alumnus"])
    assert "Write an action plan" in http.get("/plans").get_data(as_text=True)
    response = http.post(f"/plans/new/{participation.id}", data=plan_form(**{
        "milestones-1-description": "Pilot in Sughd", "milestones-1-target_on": "2024-09-30"}))
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(ActionPlan))
    assert [m.description for m in plan.milestones] == ["Seminar for the ministry",
                                                        "Pilot in Sughd"]
    assert plan.indicators[0].target == pytest.approx(120.5) and not plan.entered_by_staff
    page = http.get(response.headers["Location"]).get_data(as_text=True)
    assert "Better road maintenance" in page and "Plan written" in page


def test_a_milestone_before_the_course_start_is_refused_next_to_the_field(
        app, login, users, participation):
    http = login(users["alumnus"])
    response = http.post(f"/plans/new/{participation.id}", data=plan_form(**{
        "milestones-0-target_on": "2023-12-31"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot be dated before it" in html and 'value="2023-12-31"' in html
    assert 'value="Better road maintenance"' in html  # the form comes back filled in
    assert count(ActionPlan) == 0 and count(Milestone) == 0


def test_the_date_message_goes_to_the_row_it_is_about(app, login, users, participation):
    response = login(users["alumnus"]).post(f"/plans/new/{participation.id}", data=plan_form(**{
        "milestones-0-description": "", "milestones-0-target_on": "",
        "milestones-1-description": "Pilot in Sughd", "milestones-1-target_on": "2023-12-31"}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # The message follows the second row's date input; the empty first row shows no error.
    first_row = html[html.index('id="milestones-0-id"'):html.index('id="milestones-1-id"')]
    assert "is-invalid" not in first_row and "cannot be dated" not in first_row
    assert html.index("cannot be dated before it") > html.index('id="milestones-1-target_on"')


@pytest.mark.parametrize(("extra", "message"), [
    ({"title": ""}, "Give the plan a title."),
    ({"milestones-0-description": "", "milestones-0-target_on": ""}, "at least one milestone"),
    ({"milestones-0-target_on": ""}, "Enter the date it should be done by"),
    ({"milestones-0-target_on": "next spring"}, "Not a valid date value"),
    ({"indicators-0-baseline": "ten"}, NOT_A_NUMBER),
    ({"indicators-0-target": "sNaN"}, NOT_A_NUMBER),
    ({"indicators-0-target": "Infinity"}, NOT_A_NUMBER),
    ({"indicators-0-target": "1e1000000"}, NOT_A_NUMBER),
    ({"indicators-0-target": "1,234,5"}, NOT_A_NUMBER),
    ({"indicators-0-target": "-10000000000000"}, "Enter a smaller number."),
    ({"indicators-0-target": "1.255"}, "Use at most 2 decimal places."),
    ({"status": "approved"}, "Not a valid choice"),
])
def test_bad_plan_input_comes_back_with_a_message(app, login, users, participation, extra,
                                                   message):
    response = login(users["alumnus"]).post(f"/plans/new/{participation.id}",
                                            data=plan_form(**extra))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    if message == NOT_A_NUMBER:  # not a number: no talk of its size
        assert "Enter a smaller number." not in html
    assert count(ActionPlan) == 0


def test_messages_in_milestone_and_indicator_rows_are_in_russian(app, login, users,
                                                                 participation):
    users["alumnus"].preferred_language = "ru"
    db.session.commit()
    response = login(users["alumnus"]).post(f"/plans/new/{participation.id}", data=plan_form(**{
        "milestones-0-target_on": "next spring", "indicators-0-baseline": "ten"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'lang="ru"' in html
    ru = _wtforms_translations("ru")
    english = "Not a valid date value."
    assert ru.gettext(english) != english and ru.gettext(english) in html
    assert english not in html
    assert "Введите число, например 1 250,50 или 1250.50." in html
    assert NOT_A_NUMBER not in html


def test_an_oversized_paper_copy_is_refused_with_413(app, login, users, participation):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    response = login(users["officer"]).post(f"/plans/new/{participation.id}", data=plan_form(
        paper_copy=(io.BytesIO(files.pdf() + b" " * 2048), "scan.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    assert count(ActionPlan) == 0 and count(StoredFile) == 0


def test_staff_enter_a_plan_on_behalf_only_with_the_paper_copy(app, login, users,
                                                               participation):
    http = login(users["officer"])
    response = http.post(f"/plans/new/{participation.id}", data=plan_form())
    assert response.status_code == 400 and "scanned paper copy" in response.get_data(
        as_text=True)
    response = http.post(f"/plans/new/{participation.id}", data=plan_form(
        paper_copy=(files.upload(files.executable(), "scan.pdf").stream, "scan.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 400 and "whatever its name says" in response.get_data(
        as_text=True)
    assert count(ActionPlan) == 0 and count(StoredFile) == 0
    response = http.post(f"/plans/new/{participation.id}", data=plan_form(
        paper_copy=(files.upload(files.pdf(), "scan.pdf").stream, "scan.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(ActionPlan))
    assert plan.entered_by_staff and plan.paper_copy.content == files.pdf()
    download = login(users["alumnus"]).get(f"/plans/{plan.id}/paper-copy")
    assert download.status_code == 200 and download.data == files.pdf()
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_the_paper_copy_is_refused_to_others(app, login, users, participation, make_user,
                                             other_office):
    plan = plan_factories.make_plan(participation, users["officer"])
    stranger = make_user(role="alumnus")
    other_officer = make_user(role="officer", office=other_office)
    for user in (stranger, other_officer):
        http = login(user)
        assert http.get(f"/plans/{plan.id}").status_code == 404
        assert http.get(f"/plans/{plan.id}/paper-copy").status_code == 404
        assert http.post(f"/plans/{plan.id}/comments", data={"body": "hi"}).status_code == 404


def test_another_alumnus_cannot_write_a_plan_for_my_course(app, login, make_user,
                                                           participation):
    response = login(make_user(role="alumnus")).post(f"/plans/new/{participation.id}",
                                                     data=plan_form())
    assert response.status_code == 404 and count(ActionPlan) == 0


def test_editing_changes_status_and_keeps_milestones_on_the_timeline(app, login, users, plan):
    milestone = plan.milestones[0]
    response = login(users["alumnus"]).post(f"/plans/{plan.id}/edit", data=plan_form(**{
        "status": "stalled", "milestones-0-id": str(milestone.id),
        "milestones-0-description": "Seminar, moved", "milestones-0-target_on": "2024-07-01",
        "indicators-0-id": str(plan.indicators[0].id)}))
    assert response.status_code == 302
    db.session.expire_all()
    assert plan.status == "stalled" and len(plan.milestones) == 1
    assert plan.milestones[0].target_on == date(2024, 7, 1)
    kinds = db.session.scalars(sa.select(PlanEvent.kind).order_by(PlanEvent.id)).all()
    assert kinds == ["created", "status_changed", "edited"]


def test_a_milestone_of_another_plan_cannot_be_edited_through_mine(app, login, users, plan,
                                                                   participation):
    other = plan_factories.make_plan(participation, users["alumnus"], title="Other")
    foreign = other.milestones[0]
    response = login(users["alumnus"]).post(f"/plans/{plan.id}/edit", data=plan_form(**{
        "milestones-0-id": str(foreign.id)}))
    assert response.status_code == 400
    db.session.expire_all()
    assert foreign.description == "Seminar for colleagues"


@pytest.mark.parametrize("garbled", ["²", "٣", "-1", "1_0", "x"])
def test_a_garbled_milestone_id_is_refused_not_a_crash(app, login, users, plan, garbled):
    response = login(users["alumnus"]).post(f"/plans/{plan.id}/edit", data=plan_form(**{
        "milestones-0-id": garbled, "milestones-0-description": "Moved"}))
    assert response.status_code == 400
    assert "does not belong to the plan" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [m.description for m in plan.milestones] == ["Seminar for colleagues"]


def test_the_paper_copy_label_says_what_is_accepted_and_a_docx_is(app, login, users,
                                                                 participation):
    http = login(users["officer"])
    assert "Scanned paper copy (PDF, JPEG, PNG, DOCX or XLSX)" in http.get(
        f"/plans/new/{participation.id}").get_data(as_text=True)
    response = http.post(f"/plans/new/{participation.id}", data=plan_form(
        paper_copy=(io.BytesIO(files.docx()), "plan.docx")), content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ActionPlan)).paper_copy.original_name == "plan.docx"


def _edit_form(http, plan, **values) -> dict:
    """The plan's edit form as the page shows it (with its version), then changed."""
    page = http.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    version = re.search(r'name="edit_version" type="hidden" value="(\d+)"', page).group(1)
    milestone, indicator = plan.milestones[0], plan.indicators[0]
    data = {"title": plan.title, "problem": plan.problem, "objectives": plan.objectives,
            "stakeholders": plan.stakeholders, "support_needed": plan.support_needed,
            "status": plan.status, "edit_version": version,
            "milestones-0-id": str(milestone.id), "milestones-0-description":
            milestone.description, "milestones-0-target_on": milestone.target_on.isoformat(),
            "indicators-0-id": str(indicator.id), "indicators-0-name": indicator.name,
            "indicators-0-unit": indicator.unit or "", "indicators-0-baseline": "10",
            "indicators-0-target": "100"}
    return {**data, **values}


def test_a_plan_form_opened_before_a_newer_save_does_not_undo_it(app, login, users, plan):
    alumnus, staff = login(users["alumnus"]), login(users["officer"])
    stale = _edit_form(alumnus, plan)  # the alumnus opens the page first
    newer = staff.post(f"/plans/{plan.id}/edit", data=_edit_form(
        staff, plan, objectives="Inspect 100 km of roads by 2025", status="stalled"))
    assert newer.status_code == 302
    late = alumnus.post(f"/plans/{plan.id}/edit", data={**stale, "title": "Roads, revised"})
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Someone saved this plan after you opened it" in page
    assert 'value="Roads, revised"' in page  # what was typed is kept
    db.session.expire_all()
    saved = db.session.get(ActionPlan, plan.id)
    assert (saved.objectives, saved.status, saved.title) == (
        "Inspect 100 km of roads by 2025", "stalled", plan.title)
    # Sent again from that page (now on the newer version), the alumnus's text is saved.
    version = re.search(r'name="edit_version" type="hidden" value="(\d+)"', page).group(1)
    again = alumnus.post(f"/plans/{plan.id}/edit", data={**stale, "title": "Roads, revised",
                                                         "edit_version": version})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionPlan, plan.id).title == "Roads, revised"
