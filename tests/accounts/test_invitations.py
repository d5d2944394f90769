"""Inviting staff: who may invite whom to which office, and accepting an invitation."""

from __future__ import annotations

import re

import pytest

from alumni_app.accounts.models import User
from alumni_app.extensions import db
from tests.auth.helpers import (
    field_errors,
    link_in,
    mails_to,
    password_login,
    path_of,
    reload,
    text,
)

INVITEE = "dilnoza.officer@example.org"
CHOSEN = "amber tides under grey skies"


def _invite(client, office, role="officer", email=INVITEE):
    return client.post("/admin/users/invite", data={
        "display_name": "Dilnoza Yusupova", "email": email, "role": role,
        "office_id": office.id, "preferred_language": "en"})


def _invited():
    return db.session.query(User).filter_by(email=INVITEE).one_or_none()


def test_admin_invites_an_officer_who_accepts_and_is_logged_in(app, login, users, office, outbox):
    admin = login(users["admin"])
    assert admin.get("/admin/users/invite").status_code == 200

    response = _invite(admin, office)

    invited = _invited()
    assert response.status_code == 302 and path_of(response) == f"/admin/users/{invited.id}"
    assert (invited.role, invited.office_id, invited.password_hash) == ("officer", office.id, None)
    (mail,) = mails_to(outbox, INVITEE)
    link = link_in(mail, "/invitation/")

    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    accepted = newcomer.post(link, data={
        "display_name": "Dilnoza Y.", "password": CHOSEN, "password_confirm": CHOSEN})

    assert accepted.status_code == 302 and path_of(accepted) == "/dashboard"
    dashboard = newcomer.get("/dashboard")
    assert dashboard.status_code == 200 and "Dilnoza Y." in text(dashboard)
    assert reload(invited).email_verified_at is not None
    password_login(app, invited, CHOSEN)
    again = app.test_client().post(link, data={
        "display_name": "Someone Else", "password": "a different passphrase",
        "password_confirm": "a different passphrase"})
    assert again.status_code == 410
    assert reload(invited).display_name == "Dilnoza Y."


@pytest.mark.parametrize("role, where, allowed", [
    ("officer", "own", True),
    ("officer", "other", False),
    ("manager", "own", False),  # only administrators make managers
    ("admin", "own", False),
])
def test_manager_invites_officers_to_their_own_office_only(login, users, office, other_office,
                                                         outbox, role, where, allowed):
    manager = login(users["manager"])
    page = text(manager.get("/admin/users/invite"))
    offered = page.split('id="role"')[1].split("</select>")[0]
    assert "Officer" in offered and "Manager" not in offered and "Administrator" not in offered

    response = _invite(manager, office if where == "own" else other_office, role=role)

    if allowed:
        assert response.status_code == 302
        assert _invited().office_id == office.id
        assert len(mails_to(outbox, INVITEE)) == 1
        return
    assert response.status_code in (400, 403)
    if response.status_code == 400:
        field = "office_id" if where == "other" else "role"
        assert field_errors(response, field)
    assert _invited() is None
    assert outbox == []


def test_inviting_an_existing_address_creates_nothing(login, users, office, outbox):
    existing = users["alumnus"]

    response = _invite(login(users["admin"]), office, email=existing.email.upper())

    assert response.status_code == 400
    assert any("already exists" in e for e in field_errors(response, "email"))
    assert reload(existing).role == "alumnus"
    assert outbox == []


def _invite_without_office(client, role):
    return client.post("/admin/users/invite", data={
        "display_name": "Dilnoza Yusupova", "email": INVITEE, "role": role, "office_id": 0,
        "preferred_language": "en"})


def test_admin_invites_an_administrator_without_an_office(login, users, outbox):
    admin = login(users["admin"])
    assert "No office (administrators only)" in text(admin.get("/admin/users/invite"))

    response = _invite_without_office(admin, "admin")

    assert response.status_code == 302
    assert (_invited().role, _invited().office_id) == ("admin", None)
    assert len(mails_to(outbox, INVITEE)) == 1


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_officers_and_managers_need_an_office(login, users, outbox, role):
    response = _invite_without_office(login(users["admin"]), role)

    assert response.status_code == 400
    assert field_errors(response, "office_id") == [
        "Officers and managers must belong to an office."]
    assert field_value_selected(response, "role") == role
    assert _invited() is None and outbox == []


def test_a_manager_cannot_invite_without_an_office(login, users, outbox):
    manager = login(users["manager"])
    assert "No office" not in text(manager.get("/admin/users/invite"))

    response = _invite_without_office(manager, "officer")

    assert response.status_code == 400
    assert field_errors(response, "office_id")
    assert _invited() is None and outbox == []


def field_value_selected(response, field_id):
    select = text(response).split(f'id="{field_id}"')[1].split("</select>")[0]
    (chosen,) = [tag for tag in re.findall(r"<option[^>]*>", select) if "selected" in tag]
    return re.search(r'value="([^"]*)"', chosen).group(1)
