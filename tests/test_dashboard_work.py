"""The staff dashboard is a work list: each count links to the list that shows that work.

And the alumnus's dashboard says what to do next, each step linking to where it is done.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from alumni_app.core import dashboard_items
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import applications as grant_applications
from alumni_app.grants import money, reviews
from alumni_app.grants.review_models import Review
from alumni_app.jobs import live
from alumni_app.jobs.models import Job
from alumni_app.plans import services as plan_services
from tests import factories
from tests.grants import factories as g
from tests.plans import factories as p

WORK_ROW = re.compile(r'<li class="list-group-item[^"]*">\s*<a href="([^"]+)">([^<]+)</a>\s*'
                      r'<span class="badge[^"]*">([\d,]+)</span>')
STEP_ROW = re.compile(r'<a class="ms-1 me-auto" href="([^"]+)">([^<]+)</a>')


def work_list(client) -> dict[str, tuple[int, str]]:
    """{label: (count, url)} of the dashboard's work list."""
    page = client.get("/dashboard")
    assert page.status_code == 200
    return {html.unescape(label): (int(count.replace(",", "")), html.unescape(url))
            for url, label, count in WORK_ROW.findall(page.get_data(as_text=True))}


def next_steps(client) -> dict[str, str]:
    page = client.get("/dashboard").get_data(as_text=True)
    return {html.unescape(label): html.unescape(url) for url, label in STEP_ROW.findall(page)}


@pytest.fixture
def grant_office(office, users):
    """Two applications to screen, one in review with its two reviews in, one approved."""
    call = g.make_call(office, users["manager"])
    screen = [g.submitted(call, g.eligible_alumnus(office), title=f"To screen {n}")
              for n in (1, 2)]
    decide = g.reviewed_application(office, users, call=call, title="Ready to decide")
    grant = g.approved(g.reviewed_application(office, users, call=call, title="Running grant"),
                       users["manager"])
    return {"call": call, "screen": screen, "decide": decide, "grant": grant}


def test_a_manager_follows_a_work_list_link_to_the_filtered_list(login, users, grant_office):
    manager = login(users["manager"])
    work = work_list(manager)
    count, url = work["Applications to screen"]
    assert count == 2 and url == "/staff/grants/applications?state=submitted"
    listed = manager.get(url).get_data(as_text=True)
    assert "To screen 1" in listed and "To screen 2" in listed
    assert "Ready to decide" not in listed and "Running grant" not in listed

    count, url = work["Applications waiting for a decision"]
    assert count == 1 and url == "/staff/grants/applications?waiting=decision"
    listed = manager.get(url).get_data(as_text=True)
    assert "Ready to decide" in listed and "To screen 1" not in listed

    count, url = work["Grants with a tranche to release"]
    assert count == 1
    assert "Running grant" in manager.get(url).get_data(as_text=True)


def test_officers_see_only_the_work_they_can_do(login, users, grant_office):
    officer = work_list(login(users["officer"]))
    assert officer["Applications to screen"][0] == 2
    assert "Applications waiting for a decision" not in officer
    assert "Grants with a tranche to release" not in officer
    # ... and the list refuses to filter by a manager's work: it shows every application.
    page = login(users["officer"]).get("/staff/grants/applications?waiting=decision")
    assert "To screen 1" in page.get_data(as_text=True)


def test_work_done_leaves_the_list(login, users, grant_office):
    tranche = money.tranches(grant_office["grant"])[0]
    money.release(users["manager"], tranche, "PO-1")
    reviews.screen(users["officer"], grant_office["screen"][0], True, "")
    db.session.commit()
    work = work_list(login(users["manager"]))
    assert work["Applications to screen"][0] == 1
    assert "Grants with a tranche to release" not in work


def test_a_report_sent_waits_to_be_accepted(login, users, grant_office, office):
    grant = grant_office["grant"]
    money.release(users["manager"], money.tranches(grant)[0], "PO-1")
    db.session.commit()
    interim = money.reports(grant)[0]
    g.spend(grant, grant.applicant, interim, 0, "750.00")
    money.submit_report(grant.applicant, interim, {"narrative": "Bought.", "people_reached": 0})
    db.session.commit()
    count, url = work_list(login(users["officer"]))["Grant reports to accept"]
    assert count == 1 and "Running grant" in login(users["officer"]).get(url).get_data(
        as_text=True)


def test_a_reviewer_sees_reviews_assigned_and_overdue(login, users, office, make_user):
    reviewer = make_user(role="officer", office=office)
    call = g.make_call(office, users["manager"])
    fresh = g.in_review(g.submitted(call, g.eligible_alumnus(office), title="Fresh"),
                        users["officer"])
    late = g.in_review(g.submitted(call, g.eligible_alumnus(office), title="Late"),
                       users["officer"])
    for application in (fresh, late):
        reviews.assign(users["manager"], application, reviewer)
    db.session.commit()
    db.session.execute(sa.update(Review).where(Review.application_id == late.id)
                       .values(assigned_at=utcnow() - timedelta(days=20)))
    db.session.commit()
    client = login(reviewer)
    work = work_list(client)
    assert work["Reviews assigned to you"][0] == 2
    count, url = work["Reviews overdue (assigned over 14 days ago)"]
    assert count == 1 and url == "/staff/grants/reviews?show=overdue"
    listed = client.get(url).get_data(as_text=True)
    assert "Late" in listed and "Fresh" not in listed


def test_check_ins_overdue_link_to_the_follow_up_queue(login, users, office):
    record = p.claimed_record(office, users["alumnus"], family_name="Checkinova")
    plan = p.make_plan(p.make_participation(record), users["alumnus"], title="Roads plan")
    answered = p.claimed_record(office, factories.make_user(role="alumnus"),
                                family_name="Answered")
    done = p.make_plan(p.make_participation(answered), None, title="Answered plan")
    month = max(m for m in (3, 6, 12, 24) if date(2024, 2, 15) + timedelta(days=31 * m)
                <= date.today())
    plan_services.post_update(None, done, plan_services.UpdateValues("Done"), check_in_month=month)
    # Overdue once unanswered for the grace period after the plan was written (plans.checkins).
    for written in (plan, done):
        written.created_at = utcnow() - timedelta(days=60)
    db.session.commit()
    client = login(users["officer"])
    count, url = work_list(client)["Action plans with a check-in overdue"]
    assert count == 1 and url == "/plans/follow-up?show=check_ins"
    listed = client.get(url).get_data(as_text=True)
    assert "Roads plan" in listed and "Answered plan" not in listed and plan.id


def test_claims_and_erasures_waiting(login, users, office, other_office):
    factories.make_claim_and_erasure(office, factories.make_record(office))
    factories.make_claim_and_erasure(other_office, factories.make_record(other_office))
    work = work_list(login(users["officer"]))
    assert work["Requests to be matched to a record"] == (1, "/records/claims")
    assert work["Requests for erasure"] == (1, "/records/claims/erasures")
    admin = work_list(login(users["admin"]))
    assert admin["Requests to be matched to a record"][0] == 2


def test_administrators_see_failed_jobs_and_invitations_waiting(login, users, office,
                                                                make_user):
    db.session.add_all([
        Job(kind="plans.reminders", state="failed", error="SMTPError", office_id=office.id),
        Job(kind="imports.commit", state="interrupted", office_id=office.id),
        Job(kind="plans.reminders", state="done", office_id=office.id)])
    invited = make_user(role="officer", office=office, password=None)
    db.session.commit()
    admin = login(users["admin"])
    work = work_list(admin)
    count, url = work["Background jobs that failed or were interrupted"]
    assert count == 2 and url == "/admin/jobs?show=failed"
    count, url = work["Imports that failed or were interrupted"]
    assert count == 1
    listed = admin.get(url).get_data(as_text=True)
    # The import's job, by the label of its task (imports.commit); not the failed reminders.
    assert "Import of a spreadsheet" in listed and "SMTPError" not in listed
    count, url = work["Invitations not accepted yet"]
    assert count == 1 and invited.email in admin.get(url).get_data(as_text=True)
    officer = work_list(login(users["officer"]))
    assert "Background jobs that failed or were interrupted" not in officer
    assert officer["Imports that failed or were interrupted"] == (1, "/records/import")


def test_nothing_waiting_says_so(login, users):
    page = login(users["officer"]).get("/dashboard").get_data(as_text=True)
    assert "Nothing is waiting for you" in page and 'id="work-list"' not in page


def test_the_dashboard_links_to_the_figures(login, users, office):
    page = login(users["officer"]).get("/dashboard").get_data(as_text=True)
    assert 'href="/reports"' in page and "Not counted yet." in page
    admin = login(users["admin"]).get("/dashboard").get_data(as_text=True)
    assert 'href="/reports/figures#offices-heading"' in admin


def test_other_features_plug_in_with_plain_dicts(app, login, users):
    """Events and messages register providers returning dicts, one line each."""
    dashboard_items.register(app, work=lambda user: [
        {"label": "Invitations to send", "count": 4, "url": "/events/1"}],
        next_steps=lambda user: [{"label": "Answer the invitation to the annual meeting",
                                  "url": "/events/1", "due": date.today() + timedelta(days=3)}])
    assert work_list(login(users["officer"]))["Invitations to send"] == (4, "/events/1")
    steps = next_steps(login(users["alumnus"]))
    assert steps["Answer the invitation to the annual meeting"] == "/events/1"


def _count_statements(client) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    client.get("/dashboard")  # the session row is refreshed at most once a minute
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/dashboard").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _add_work(office, users, n: int) -> None:
    call = g.make_call(office, users["manager"], title=f"Call {n}")
    for i in range(n):
        g.submitted(call, g.eligible_alumnus(office), title=f"App {n}-{i}")
        record = p.claimed_record(office, factories.make_user(role="alumnus"))
        p.make_plan(p.make_participation(record), None)
        factories.make_claim_and_erasure(office, factories.make_record(office))
    g.approved(g.reviewed_application(office, users, call=call), users["manager"])
    for _ in range(10):  # the recent activity: one statement per kind of object named
        factories.make_record(office)


def test_dashboards_count_with_a_fixed_number_of_statements(login, users, office):
    applicant = g.eligible_alumnus(office, users["alumnus"])
    g.make_call(office, users["manager"], title="Open to the alumnus")
    clients = {role: login(users[role]) for role in ("alumnus", "officer", "manager", "admin")}
    _add_work(office, users, 1)
    small = {role: _count_statements(c) for role, c in clients.items()}
    g.draft(g.make_call(office, users["manager"], title="Another"), applicant)
    _add_work(office, users, 6)
    large = {role: _count_statements(c) for role, c in clients.items()}
    assert small == large
    # The session's user, then one statement per provider and part of the page.
    # Events add one statement for each (invitations to answer, the office's events' work), and
    # messages one (unread news; e-mails with failed deliveries). On SQLite, staff's failed
    # imports read which running jobs look quiet, to ask the queue's store about them
    # (jobs.live; PostgreSQL has no notes).
    # On PostgreSQL, staff's office-wide counts let parallel workers in and shut them out
    # after (db.parallel_counts): two SETs.
    extra = (1 if live.wanted() else 0) + (2 if db.engine.dialect.name == "postgresql" else 0)
    assert large == {"alumnus": 15, "officer": 12 + extra, "manager": 12 + extra,
                     "admin": 14 + extra}
    assert work_list(clients["manager"])["Applications to screen"][0] == 7


def test_the_alumnus_is_told_what_to_do_next(login, users, office, make_user):
    alumnus = users["alumnus"]
    assert next_steps(login(alumnus)) == {
        "Find your ex-participant record, so your courses and plans show": "/me/claim"}
    g.eligible_alumnus(office, alumnus, months_ago=30)  # no plan asked: ended long ago
    call = g.make_call(office, users["manager"], title="Mini-grants 2027")
    g.make_call(office, users["manager"], title="Not yet open", opens_at=g.local(
        timedelta(days=3)), closes_at=g.local(timedelta(days=30)))
    steps = next_steps(login(alumnus))
    assert steps == {"Apply to “Mini-grants 2027”: it is open to you": f"/grants/calls/{call.id}"}

    draft = g.draft(call, alumnus, title="Water filters")
    partner = g.eligible_alumnus(office, make_user(role="alumnus"), months_ago=30)
    grant_applications.add_team_member(alumnus, draft, partner.email, "Trainer")
    db.session.commit()
    assert next_steps(login(alumnus)) == {
        "Finish your application to “Mini-grants 2027”": f"/grants/applications/{draft.id}/edit"}
    assert next_steps(login(partner)) == {
        "Answer the invitation to join “Water filters”": f"/grants/applications/{draft.id}",
        # The partner may apply too: the call is open to them.
        "Apply to “Mini-grants 2027”: it is open to you": f"/grants/calls/{call.id}"}


def test_no_call_offered_to_an_alumnus_who_may_not_apply(login, users, office):
    alumnus = g.eligible_alumnus(office, users["alumnus"], months_ago=3)
    g.make_call(office, users["manager"], min_months_since_training=6)
    steps = next_steps(login(alumnus))
    assert len(steps) == 1 and list(steps)[0].startswith("Write your action plan")
    unverified = g.eligible_alumnus(office, months_ago=30, verified=False)
    assert next_steps(login(unverified)) == {}


def test_a_grantee_is_told_of_the_report_due(login, users, grant_office):
    grant = grant_office["grant"]
    money.release(users["manager"], money.tranches(grant)[0], "PO-1")
    db.session.commit()
    interim = money.reports(grant)[0]
    steps = next_steps(login(grant.applicant))
    assert steps["Send the interim report on “Running grant”"] == f"/grants/reports/{interim.id}"
    page = login(grant.applicant).get("/dashboard").get_data(as_text=True)
    assert "Running grant" in page  # the applications are listed under the steps


def test_a_check_in_due_and_a_plan_to_write(login, users, office):
    alumnus = users["alumnus"]
    record = p.claimed_record(office, alumnus)
    old = p.make_participation(record, title="Old course")
    plan = p.make_plan(old, alumnus, title="Roads plan")
    end = date.today() - timedelta(days=40)
    recent = p.make_participation(record, start_on=end - timedelta(days=20), end_on=end,
                                  title="Recent course")
    steps = next_steps(login(alumnus))
    month = max(m for m in (3, 6, 12, 24) if date(2024, 2, 15) + timedelta(days=31 * m)
                <= date.today())
    label = f"Answer the {month}-month check-in of your action plan “Roads plan”"
    assert steps[label] == f"/plans/{plan.id}/check-ins/{month}"
    assert steps["Write your action plan for “Recent course”"] == f"/plans/new/{recent.id}"
    assert len(steps) == 2  # no plan asked for the old course: it has one


def test_nothing_to_do_says_so(login, users, office):
    p.claimed_record(office, users["alumnus"])
    page = login(users["alumnus"]).get("/dashboard").get_data(as_text=True)
    assert "Nothing is waiting for you now" in page


def test_the_demo_alumni_and_staff_see_their_next_steps(app, login):
    from alumni_app import demo
    from alumni_app.accounts.models import User

    demo.seed()
    db.session.commit()

    def user(email):
        return db.session.scalar(sa.select(User).filter_by(email=email))

    dilnoza = next_steps(login(user("alumnus@example.org")))
    assert "Apply to “Mini-Grant Scheme 2027”: it is open to you" in dilnoza
    assert all(url.startswith(("/plans/", "/grants/", "/events/", "/news"))
               for url in dilnoza.values())
    assert any(url.startswith("/events/") for url in dilnoza.values())  # the annual meeting
    farrukh = next_steps(login(user("farrukh.jalolov@example.org")))  # in Russian, his language
    label, url = next(iter(farrukh.items()))
    assert label == "Отправьте промежуточный отчёт по «Safe roads near schools in Khujand»"
    assert url.startswith("/grants/reports/")
    assert next_steps(login(user("aigul.karimova@example.org"))) == {
        "Найдите свою запись бывшего участника, чтобы увидеть свои курсы и планы": "/me/claim"}
    assert next_steps(login(user("nurlan.nazarbaev@example.org"))) == {
        "Find your ex-participant record, so your courses and plans show": "/me/claim"}
    reviewer = work_list(login(user("reviewer.tj@example.org")))
    assert reviewer["Reviews assigned to you"][0] == 1
    manager = {url: count for count, url in work_list(login(user("manager.tj@example.org")))
               .values()}  # in Russian, his language
    assert manager["/plans/follow-up?show=check_ins"] > 0


def test_a_check_in_answered_for_an_earlier_month_is_still_overdue(login, users, office):
    """The 6-month check-in is overdue; the 3-month one was answered. Another course, ended five
    months ago, is at its 3-month check-in: that must not make this plan's count as answered."""
    from alumni_app.plans.checkins import add_months

    today = date.today()
    record = p.claimed_record(office, users["alumnus"])
    ended = add_months(today, -8)
    plan = p.make_plan(p.make_participation(record, start_on=ended - timedelta(days=20),
                                            end_on=ended), users["alumnus"], title="Late plan")
    plan_services.post_update(users["alumnus"], plan, plan_services.UpdateValues("Done"),
                              check_in_month=3)
    # Overdue: unanswered for the grace period since it fell due and since the plan was written.
    plan.created_at = utcnow() - timedelta(days=200)
    other = factories.make_course(title="Another course")
    other.set_dates(add_months(today, -5) - timedelta(days=20), add_months(today, -5))
    db.session.commit()
    client = login(users["officer"])
    count, url = work_list(client)["Action plans with a check-in overdue"]
    assert count == 1 and "Late plan" in client.get(url).get_data(as_text=True)
    steps = next_steps(login(users["alumnus"]))
    assert steps["Answer the 6-month check-in of your action plan “Late plan”"] == (
        f"/plans/{plan.id}/check-ins/6")
