"""The audit log records who did what, when and from where, and stays within the office."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from tests import factories


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_logins_are_recorded_with_address_and_office(client, users, office):
    officer = users["officer"]
    client.post("/login", data={"email": officer.email, "password": "wrong password!!"})
    client.post("/login", data={"email": officer.email, "password": factories.PASSWORD})
    failed, succeeded = _events("login.failed"), _events("login.succeeded")
    assert len(failed) == 1 and len(succeeded) == 1
    for event in (failed[0], succeeded[0]):
        assert event.actor_id == officer.id and event.office_id == office.id
        assert event.ip_address == "127.0.0.1" and event.occurred_at.tzinfo is not None
    assert "wrong password!!" not in failed[0].details  # what was typed is never stored


def test_manager_sees_only_own_office_events(login, make_user, users, other_office):
    foreign = make_user(role="officer", office=other_office, display_name="Foreign Officer")
    own = users["officer"]
    http = login(foreign)
    http.post("/logout")
    login(own).post("/logout")
    page = login(users["manager"]).get("/admin/audit?action=logout").get_data(as_text=True)
    assert own.display_name in page
    assert "Foreign Officer" not in page
    admin_page = login(users["admin"]).get("/admin/audit?action=logout").get_data(as_text=True)
    assert "Foreign Officer" in admin_page and own.display_name in admin_page


def test_audit_log_paginates_and_ignores_odd_filters(login, users):
    admin = login(users["admin"])
    for page in ("1", "0", "-5", "abc", "99999999999999"):
        assert admin.get(f"/admin/audit?page={page}&action=%0Anope").status_code == 200
