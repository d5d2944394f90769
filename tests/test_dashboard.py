"""Each role's dashboard shows that person's or that office's figures, nobody else's."""

from __future__ import annotations

from alumni_app.extensions import db
from alumni_app.jobs import live
from alumni_app.training.models import Participation
from tests.factories import make_course, make_record


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Log in" in response.data


def test_alumnus_sees_own_courses_once_the_record_is_linked(login, users, office):
    alumnus = users["alumnus"]
    before = login(alumnus).get("/dashboard").get_data(as_text=True)
    assert "once your office links" in before
    record = make_record(office, family_name="Linked")
    course = make_course(title="Road Maintenance Management")
    record.user_id = alumnus.id
    db.session.add(Participation(record_id=record.id, course_id=course.id))
    db.session.commit()
    after = login(alumnus).get("/dashboard").get_data(as_text=True)
    assert "Road Maintenance Management" in after and "once your office links" not in after


def test_staff_dashboard_counts_only_own_office(login, users, office, other_office):
    for _ in range(3):
        make_record(office)
    for _ in range(5):
        make_record(other_office)
    officer_page = login(users["officer"]).get("/dashboard").get_data(as_text=True)
    assert '<div class="h4 m-0">3</div>' in officer_page
    admin_page = login(users["admin"]).get("/dashboard").get_data(as_text=True)
    assert '<div class="h4 m-0">8</div>' in admin_page


def test_dashboards_run_a_fixed_number_of_queries(login, users, office):
    """One query for the session and user, then the page's own: none per course or event."""
    import sqlalchemy as sa

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    alumnus = users["alumnus"]
    record = make_record(office, family_name="Counted")
    record.user_id = alumnus.id
    db.session.commit()
    clients = {role: login(users[role]) for role in ("alumnus", "officer")}
    counts = {}
    for courses in (1, 6):
        while len(record.participations) < courses:
            course = make_course(title=f"Course {len(record.participations)}")
            db.session.add(Participation(record_id=record.id, course_id=course.id))
            db.session.commit()
            db.session.expire(record, ["participations"])
        for role, client in clients.items():
            client.get("/dashboard")  # the session row is refreshed at most once a minute
            statements.clear()
            assert client.get("/dashboard").status_code == 200
            counts[role, courses] = len(statements)
    sa.event.remove(db.engine, "before_cursor_execute", count)
    # The session's user, the courses with their plans, the activities and applications, and
    # one statement per provider of next steps (tests/test_dashboard_work.py for the rest).
    assert counts["alumnus", 1] == counts["alumnus", 6] == 12  # events' and messages' steps
    # The recent events' people and objects: one query per kind of object (here records); one
    # statement per provider of work, the headline figures.
    # Events' and messages' work; on SQLite, failed imports ask which running jobs look quiet
    # before reading their notes in the queue's store (jobs.live; PostgreSQL has no notes).
    # On PostgreSQL, parallel workers are let in for the office-wide counts and shut out
    # after (db.parallel_counts): two SETs.
    quiet = 1 if live.wanted() else 0
    parallel = 2 if db.engine.dialect.name == "postgresql" else 0
    assert counts["officer", 1] == counts["officer", 6] == 12 + quiet + parallel
