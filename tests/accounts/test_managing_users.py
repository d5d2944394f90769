"""Changing roles and deactivating accounts: who may do it, and what the affected person notices."""

from __future__ import annotations

import pytest

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from tests.auth.helpers import goes_to_login, post_login, reload, text


def _events(action):
    return db.session.query(AuditEvent).filter_by(action=action).all()


def test_admin_changes_a_role_which_is_audited_and_ends_sessions(login, users, office):
    officer = users["officer"]
    officer_client = login(officer)

    response = login(users["admin"]).post(f"/admin/users/{officer.id}/role",
                                          data={"role": "manager", "office_id": office.id})

    assert response.status_code == 302
    assert reload(officer).role == "manager"
    (event,) = _events("account.role_changed")
    assert (event.actor_id, event.subject_id) == (users["admin"].id, officer.id)
    assert (event.details_dict["old_role"], event.details_dict["new_role"]) == (
        "officer", "manager")
    assert goes_to_login(officer_client.get("/dashboard"))  # new rights from the next login


@pytest.mark.parametrize("actor, target", [("manager", "officer"), ("admin", "admin")])
def test_role_change_refused(login, users, office, actor, target):
    """Managers change no roles; administrators do not change their own."""
    subject = users[target]

    response = login(users[actor]).post(f"/admin/users/{subject.id}/role",
                                        data={"role": "manager", "office_id": office.id})

    assert response.status_code == 403
    assert reload(subject).role == target
    assert _events("account.role_changed") == []


def test_manager_deactivates_an_officer_after_confirming(app, login, users):
    officer = users["officer"]
    officer_client = login(officer)
    manager = login(users["manager"])

    confirm = manager.get(f"/admin/users/{officer.id}/deactivate")
    assert confirm.status_code == 200
    assert f"Deactivate {officer.display_name}?" in text(confirm)
    assert reload(officer).is_active
    assert officer_client.get("/dashboard").status_code == 200

    response = manager.post(f"/admin/users/{officer.id}/deactivate")

    assert response.status_code == 302
    assert not reload(officer).is_active
    assert goes_to_login(officer_client.get("/dashboard"))
    assert post_login(app.test_client(), officer.email).status_code == 401
    (event,) = _events("account.deactivated")
    assert (event.actor_id, event.subject_id) == (users["manager"].id, officer.id)


@pytest.fixture
def targets(make_user, office, other_office, users):
    return {
        "manager of the same office": make_user(role="manager", office=office,
                                                second_factor=True),
        "officer of another office": make_user(role="officer", office=other_office),
        "administrator": users["admin"],
    }


# A manager sees the staff of their office (403: may not); others are out of reach (404).
@pytest.mark.parametrize(("target", "status"), [("manager of the same office", 403),
                                               ("officer of another office", 404),
                                               ("administrator", 404)])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_manager_cannot_deactivate_beyond_own_officers(login, users, targets, target, method,
                                                       status):
    subject = targets[target]
    subject_client = login(subject)

    response = login(users["manager"]).open(f"/admin/users/{subject.id}/deactivate",
                                            method=method)

    assert response.status_code == status
    assert reload(subject).is_active
    assert subject_client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("role", ["manager", "admin"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nobody_deactivates_themselves(login, users, role, method):
    me = users[role]
    client = login(me)

    response = client.open(f"/admin/users/{me.id}/deactivate", method=method)

    assert response.status_code == 403
    assert reload(me).is_active
    assert client.get("/dashboard").status_code == 200
