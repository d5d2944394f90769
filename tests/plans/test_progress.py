"""Progress updates, check-ins, verification, comments and the plan's timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from alumni_app.extensions import db
from alumni_app.plans import checkins, policy, services
from alumni_app.plans.checkins import CheckInState
from alumni_app.plans.models import Barrier, PlanEvent, ProgressUpdate
from alumni_app.plans.services import PlanError, UpdateValues


def update_data(plan, **extra) -> dict:
    data = {"done_text": "Held the seminar for 20 colleagues",
            f"milestone_{plan.milestones[0].id}": "done",
            f"indicator_{plan.indicators[0].id}": "35.5",
            "support_needed": ""}
    data.update(extra)
    return data


def test_alumnus_posts_an_update_with_milestones_indicators_and_barriers(app, login, users,
                                                                        plan):
    budget = db.session.scalar(sa.select(Barrier).where(Barrier.name_en == "Budget"))
    http = login(users["alumnus"])
    page = http.get(f"/plans/{plan.id}/updates/new").get_data(as_text=True)
    assert "Seminar for colleagues" in page and "Conditions unlike Japan" in page
    response = http.post(f"/plans/{plan.id}/updates/new", data=update_data(
        plan, barrier_ids=[str(budget.id)], support_needed="A projector"))
    assert response.status_code == 302
    db.session.expire_all()
    update = db.session.scalar(sa.select(ProgressUpdate))
    assert [b.name_en for b in update.barriers] == ["Budget"]
    assert plan.milestones[0].state == "done" and float(plan.indicators[0].reached) == 35.5
    assert plan.needs_support and update.check_in_month is None


@pytest.mark.parametrize(("extra", "message"), [
    ({"done_text": ""}, "Say what was done"),
    ({"indicator_X": "1"}, None),  # an unknown field is ignored, the rest saved
    ({"barrier_ids": ["9999"]}, "not a valid choice"),
    ({"milestone_M": "finished"}, "Not a valid choice"),
    ({"indicator_I": "lots"}, "Enter a number, like 1 250,50 or 1250.50."),
    ({"indicator_I": "sNaN"}, "Enter a number, like 1 250,50 or 1250.50."),
    ({"indicator_I": "1E+999999999"}, "Enter a number, like 1 250,50 or 1250.50."),
])
def test_bad_update_input(app, login, users, plan, extra, message):
    extra = {key.replace("_M", f"_{plan.milestones[0].id}").replace(
        "_I", f"_{plan.indicators[0].id}"): value for key, value in extra.items()}
    response = login(users["alumnus"]).post(f"/plans/{plan.id}/updates/new",
                                            data=update_data(plan, **extra))
    saved = db.session.scalar(sa.select(sa.func.count(ProgressUpdate.id)))
    if message is None:
        assert response.status_code == 302 and saved == 1
    else:
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert saved == 0


@pytest.mark.parametrize(("end_on", "today", "expected"), [
    (date(2024, 2, 15), date(2024, 5, 14), []),
    (date(2024, 2, 15), date(2024, 5, 15), [3]),
    (date(2024, 2, 15), date(2024, 8, 15), [3, 6]),
    (date(2023, 8, 31), date(2024, 2, 29), [3, 6]),  # clamped to the month's last day
    (date(2022, 1, 1), date(2024, 1, 1), [3, 6, 12, 24]),
])
def test_check_ins_fall_due_months_after_the_course_end(app, end_on, today, expected):
    assert [c.month for c in checkins.check_ins(end_on, {}, today)
            if c.state is not CheckInState.UPCOMING] == expected
    # The SQL version used by the queue and the reminders agrees with the Python one: the
    # 6-month check-in is due exactly when the course ended by the latest end it computes.
    assert (checkins.latest_end_due(today, 6) >= end_on) is (6 in expected)
    latest = checkins.current_month(end_on, today)
    assert latest == (expected[-1] if expected else None)


def test_the_schedule_is_a_setting(app):
    app.config["CHECKIN_MONTHS"] = (1, 18)
    assert [c.month for c in checkins.check_ins(date(2024, 1, 1), {}, date(2024, 1, 2))] == [
        1, 18]


def test_a_check_in_is_answered_once(app, login, users, plan):
    http = login(users["alumnus"])
    response = http.post(f"/plans/{plan.id}/check-ins/6", data=update_data(plan))
    assert response.status_code == 302
    again = http.post(f"/plans/{plan.id}/check-ins/6", data=update_data(plan),
                      follow_redirects=True)
    assert again.request.path == f"/plans/{plan.id}"
    assert "This check-in was already answered" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProgressUpdate.id))) == 1


def test_a_check_in_answered_at_the_same_moment_elsewhere_says_so(app, login, users, plan,
                                                                  monkeypatch):
    http = login(users["alumnus"])
    http.get(f"/plans/{plan.id}/check-ins/6")  # both tabs open before either answers
    services.answer_check_in(users["officer"], plan, 6, UpdateValues("Entered by the office"))
    db.session.commit()
    # The other request checked before this answer was committed: the database refuses it.
    monkeypatch.setattr(services, "check_answerable", lambda *args, **kwargs: None)
    response = http.post(f"/plans/{plan.id}/check-ins/6", data=update_data(plan))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This check-in was already answered. What you wrote is kept below" in page
    assert "Held the seminar for 20 colleagues" in page  # what was typed comes back
    assert db.session.scalar(sa.select(ProgressUpdate.done_text)) == "Entered by the office"


def test_a_second_different_answer_is_kept_and_can_be_sent_as_an_update(app, login, users,
                                                                       plan):
    services.answer_check_in(users["officer"], plan, 6, UpdateValues("Entered by the office"))
    db.session.commit()
    http = login(users["alumnus"])
    response = http.post(f"/plans/{plan.id}/check-ins/6", data=update_data(
        plan, done_text="Trained 40 teachers in two districts", support_needed="Buses"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Trained 40 teachers in two districts" in page and "Buses" in page
    assert f'action="/plans/{plan.id}/updates/new"' in page  # sent again: a progress update
    sent = http.post(f"/plans/{plan.id}/updates/new", data=update_data(
        plan, done_text="Trained 40 teachers in two districts", support_needed="Buses"))
    assert sent.status_code == 302
    saved = db.session.execute(sa.select(ProgressUpdate.done_text, ProgressUpdate.check_in_month)
                               .order_by(ProgressUpdate.id)).all()
    assert saved == [("Entered by the office", 6), ("Trained 40 teachers in two districts", None)]


def test_opening_a_check_in_already_answered_or_not_due_says_so_first(app, login, users,
                                                                     plan):
    services.answer_check_in(users["alumnus"], plan, 6, UpdateValues("Half done"))
    db.session.commit()
    http = login(users["alumnus"])
    answered = http.get(f"/plans/{plan.id}/check-ins/6", follow_redirects=True)
    assert answered.request.path == f"/plans/{plan.id}"
    assert "This check-in was already answered" in answered.get_data(as_text=True)
    assert http.get(f"/plans/{plan.id}/check-ins/12").status_code == 200  # due, unanswered
    assert http.get(f"/plans/{plan.id}/check-ins/5").status_code == 404  # not scheduled
    app.config["CHECKIN_MONTHS"] = (6, 600)
    later = http.get(f"/plans/{plan.id}/check-ins/600", follow_redirects=True)
    assert later.request.path == f"/plans/{plan.id}"
    assert "This check-in falls due on 2074-02-15" in later.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProgressUpdate.id))) == 1


def test_the_database_refuses_a_second_answer_too(app, users, plan):
    db.session.add_all([ProgressUpdate(plan_id=plan.id, done_text="a", check_in_month=6),
                        ProgressUpdate(plan_id=plan.id, done_text="b", check_in_month=6)])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("month", "code"), [(5, "check-in-unknown"), (24, "check-in-not-due")])
def test_a_check_in_not_due_or_not_scheduled_is_refused(app, users, plan, month, code):
    with pytest.raises(PlanError) as refused:
        services.answer_check_in(users["alumnus"], plan, month, UpdateValues("x"),
                                 today=date(2024, 9, 1))
    assert refused.value.code == code


def test_staff_verify_comment_and_the_alumnus_answers_on_the_timeline(app, login, users, plan):
    update = services.post_update(users["alumnus"], plan, UpdateValues("Seminar held"))
    db.session.commit()
    officer = login(users["officer"])
    assert officer.post(f"/plans/updates/{update.id}/verify",
                        data={"note": "Visited on 3 May"}).status_code == 302
    assert officer.post(f"/plans/updates/{update.id}/verify", data={}).status_code == 303
    assert officer.post(f"/plans/{plan.id}/comments",
                        data={"body": "Which schools took part?"}).status_code == 302
    alumnus = login(users["alumnus"])
    assert alumnus.post(f"/plans/{update.id}/comments", data={"body": ""}).status_code == 400
    assert alumnus.post(f"/plans/{plan.id}/comments",
                        data={"body": "Schools 4 and 12"}).status_code == 302
    page = alumnus.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Which schools took part?" in page and "Schools 4 and 12" in page
    assert "Visited on 3 May" in page and "Mark verified" not in page
    kinds = db.session.scalars(sa.select(PlanEvent.kind).where(PlanEvent.plan_id == plan.id)
                               .order_by(PlanEvent.occurred_at, PlanEvent.id)).all()
    assert kinds == ["created", "update_posted", "verified", "commented", "commented"]


def test_the_timeline_names_office_staff_in_the_reader_s_language(app, login, users, plan):
    services.add_comment(users["officer"], plan, "Which schools took part?")
    users["alumnus"].preferred_language = "ru"
    db.session.commit()
    name = users["officer"].display_name
    with app.test_request_context(), force_locale("ru"):
        russian = gettext("%(name)s (office)", name=name)
    assert russian != f"{name} (office)"
    page = login(users["alumnus"]).get(f"/plans/{plan.id}").get_data(as_text=True)
    assert russian in page and f"{name} (office)" not in page


def test_an_alumnus_cannot_verify(app, login, users, plan):
    update = services.post_update(users["alumnus"], plan, UpdateValues("Seminar held"))
    db.session.commit()
    assert login(users["alumnus"]).post(f"/plans/updates/{update.id}/verify").status_code == 403
    db.session.expire_all()
    assert update.verified_at is None


def test_staff_of_another_office_cannot_verify(app, login, users, plan, make_user,
                                               other_office):
    update = services.post_update(users["alumnus"], plan, UpdateValues("Seminar held"))
    db.session.commit()
    other = make_user(role="officer", office=other_office)
    assert login(other).post(f"/plans/updates/{update.id}/verify").status_code == 404


def test_staff_extend_the_list_of_barriers(app, login, users, barriers):
    http = login(users["officer"])
    assert http.post("/admin/barriers/new", data={"name_en": "Budget", "name_ru": "x",
                                                  "is_active": "y"}).status_code == 400
    assert http.post("/admin/barriers/new", data={"name_en": "Language", "name_ru": "Язык",
                                                  "is_active": "y"}).status_code == 302
    assert "Language" in http.get("/admin/barriers").get_data(as_text=True)
    assert login(users["alumnus"]).get("/admin/barriers").status_code == 403


@pytest.mark.parametrize(("role", "may_change"), [("officer", False), ("manager", False),
                                                   ("admin", True)])
def test_only_admins_rename_or_retire_a_shared_barrier(app, login, users, barriers, role,
                                                       may_change, make_user, other_office):
    """Every office's alumni choose from one list: staff add to it, administrators change it."""
    barrier = db.session.scalar(sa.select(Barrier).order_by(Barrier.id))
    before = (barrier.name_en, barrier.name_ru)
    clients = [login(users[role])]
    if role != "admin":  # nor may staff of another office
        clients.append(login(make_user(role=role, office=other_office,
                                       second_factor=role == "manager")))
    for http in clients:
        page = http.get("/admin/barriers").get_data(as_text=True)
        assert (f'href="/admin/barriers/{barrier.id}"' in page) is may_change
        assert 'href="/admin/barriers/new"' in page  # every member of staff adds barriers
        assert http.get(f"/admin/barriers/{barrier.id}").status_code == (
            200 if may_change else 403)
        response = http.post(f"/admin/barriers/{barrier.id}", data={
            "name_en": "Renamed", "name_ru": "Переименовано"})  # is_active unticked: retired
        assert response.status_code == (302 if may_change else 403)
        db.session.refresh(barrier)
        assert ((barrier.name_en, barrier.name_ru), barrier.is_active) == (
            (("Renamed", "Переименовано"), False) if may_change else (before, True))
    assert policy.can_add_barrier(users[role])
    assert policy.can_change_barrier(users[role]) is may_change
    assert not policy.can_add_barrier(users["alumnus"])


def test_a_verification_note_too_long_comes_back_next_to_the_field(app, login, users, plan):
    update = services.post_update(users["alumnus"], plan, UpdateValues("Seminar held"))
    db.session.commit()
    note = "Visited " + "x" * 600
    response = login(users["officer"]).post(f"/plans/updates/{update.id}/verify",
                                            data={"note": note})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Field cannot be longer than 500 characters." in html and f'value="{note}"' in html
    assert html.index("cannot be longer") > html.index(f'id="note-{update.id}"')
    db.session.expire_all()
    assert update.verified_at is None


def test_a_nul_character_in_a_text_is_dropped_not_a_500(app, login, users, plan):
    """PostgreSQL refuses NUL in text columns: forms drop it, the rest of the text is kept."""
    from alumni_app.plans.models import PlanComment

    response = login(users["officer"]).post(f"/plans/{plan.id}/comments",
                                            data={"body": "Please\x00 update"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(PlanComment.body)) == "Please update"


def test_a_course_ending_on_9999_12_31_does_not_break_its_plans_pages(app, login, users, plan):
    """An imported list may say 9999-12-31 for "not known": its check-ins never fall due."""
    course = plan.participation.course
    course.end_on = date(9999, 12, 31)
    db.session.commit()
    assert checkins.add_months(date(9999, 12, 31), 3) == date.max
    assert login(users["alumnus"]).get(f"/plans/{plan.id}").status_code == 200
    assert login(users["officer"]).get(f"/plans/{plan.id}").status_code == 200
    assert login(users["officer"]).get("/plans/follow-up").status_code == 200


@pytest.mark.parametrize(("typed", "value"), [("12,5", "12.50"), ("3 000", "3000.00"),
                                              ("-2,5", "-2.50")])
def test_indicator_values_are_read_as_people_type_numbers(app, login, users, plan, typed,
                                                          value):
    response = login(users["alumnus"]).post(f"/plans/{plan.id}/updates/new", data=update_data(
        plan, **{f"indicator_{plan.indicators[0].id}": typed}))
    assert response.status_code == 302
    db.session.expire_all()
    assert plan.indicators[0].reached == Decimal(value)


def _input(page: str, name: str) -> str:
    """The <input> tag of a field, by its name."""
    import re

    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert match, name
    return match.group(0)


def test_indicator_values_typed_with_a_decimal_comma_are_kept(app, login, users, plan):
    """A browser set to English refuses "12,5" in a type=number box and sends nothing."""
    http = login(users["alumnus"])
    name = f"indicator_{plan.indicators[0].id}"
    box = _input(http.get(f"/plans/{plan.id}/updates/new").get_data(as_text=True), name)
    assert 'type="text"' in box and 'inputmode="decimal"' in box
    response = http.post(f"/plans/{plan.id}/updates/new", data=update_data(plan, **{name: "12,5"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert plan.indicators[0].reached == Decimal("12.5")


def test_a_plans_indicator_boxes_take_a_decimal_comma(app, login, users, participation):
    from alumni_app.plans.models import ActionPlan

    http = login(users["alumnus"])
    page = http.get(f"/plans/new/{participation.id}").get_data(as_text=True)
    for field in ("baseline", "target"):
        box = _input(page, f"indicators-0-{field}")
        assert 'type="text"' in box and 'inputmode="decimal"' in box
    response = http.post(f"/plans/new/{participation.id}", data={
        "title": "Roads", "problem": "Roads decay", "status": "draft",
        "milestones-0-description": "Seminar", "milestones-0-target_on": "2024-06-01",
        "indicators-0-name": "Roads inspected", "indicators-0-unit": "km",
        "indicators-0-baseline": "12,5", "indicators-0-target": "1 250,75"})
    assert response.status_code == 302
    indicator = db.session.scalar(sa.select(ActionPlan)).indicators[0]
    assert (indicator.baseline, indicator.target) == (Decimal("12.5"), Decimal("1250.75"))
