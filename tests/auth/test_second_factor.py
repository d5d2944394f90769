"""The second factor at login, and the set-up that managers and administrators cannot skip."""

from __future__ import annotations

import re
import time

import pytest

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from tests.auth.helpers import (
    goes_to_login,
    logout,
    password_login,
    path_of,
    reload,
    text,
    totp_code,
)
from tests.factories import PASSWORD, TOTP_SECRET

INVALID = "That code is not valid."


@pytest.fixture
def admin(users):
    return users["admin"]


def test_password_alone_does_not_log_in(app, admin):
    client = password_login(app, admin)

    assert goes_to_login(client.get("/dashboard"))
    assert goes_to_login(client.get("/admin/users"))
    assert client.get("/login/code").status_code == 200


def test_right_code_logs_in_and_follows_next(app, admin):
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                "next": "/admin/users"})

    response = client.post("/login/code", data={"code": totp_code(TOTP_SECRET)})

    assert response.status_code == 302 and path_of(response) == "/admin/users"
    assert client.get("/admin/users").status_code == 200


def test_wrong_code_is_refused_and_audited(app, admin):
    client = password_login(app, admin)

    wrong_code = totp_code(TOTP_SECRET, other_than_now=True)
    response = client.post("/login/code", data={"code": wrong_code})

    assert response.status_code == 401
    assert INVALID in text(response)
    assert goes_to_login(client.get("/dashboard"))
    event = db.session.query(AuditEvent).filter_by(action="login.failed").one()
    assert event.subject_id == admin.id
    assert event.details_dict["reason"] == "second-factor-totp"


def test_a_code_works_only_once(app, admin):
    code = totp_code(TOTP_SECRET)
    first = password_login(app, admin)
    assert path_of(first.post("/login/code", data={"code": code})) == "/dashboard"
    logout(first)

    second = password_login(app, admin)
    response = second.post("/login/code", data={"code": code})

    assert response.status_code == 401
    assert INVALID in text(response)
    assert goes_to_login(second.get("/dashboard"))


def test_a_recovery_code_works_once(app, admin):
    code = admin.recovery_codes_plain[0]
    first = password_login(app, admin)
    response = first.post("/login/recovery", data={"recovery_code": code.upper()})
    assert response.status_code == 302 and path_of(response) == "/dashboard"
    assert first.get("/dashboard").status_code == 200
    logout(first)

    second = password_login(app, admin)
    response = second.post("/login/recovery", data={"recovery_code": code})

    assert response.status_code == 401
    assert INVALID in text(response)
    assert goes_to_login(second.get("/dashboard"))
    # The other codes still work.
    response = second.post("/login/recovery", data={"recovery_code": admin.recovery_codes_plain[1]})
    assert path_of(response) == "/dashboard"


def test_the_code_step_expires(app, admin):
    client = password_login(app, admin)
    with client.session_transaction() as session:
        session["pending_at"] = time.time() - 301

    response = client.post("/login/code", data={"code": totp_code(TOTP_SECRET)})

    assert goes_to_login(response)
    assert goes_to_login(client.get("/dashboard"))


# Required set-up for managers (and administrators) -----------------------------------------------

@pytest.fixture
def bare_manager(make_user, office):
    return make_user(role="manager", office=office, second_factor=False)


STAFF_PAGES = ["/dashboard", "/admin/users", "/admin/users/invite", "/admin/users/{officer}",
               "/admin/users/{officer}/deactivate", "/account", "/account/password"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_manager_without_second_factor_is_sent_to_set_up(app, users, bare_manager, page):
    client = password_login(app, bare_manager)

    response = client.get(page.format(officer=users["officer"].id))

    assert response.status_code == 302 and path_of(response) == "/account/two-factor"


def test_manager_without_second_factor_cannot_act(app, users, bare_manager, office, outbox):
    client = password_login(app, bare_manager)
    officer = users["officer"]

    invite = client.post("/admin/users/invite", data={
        "display_name": "New Person", "email": "new.person@example.org", "role": "officer",
        "office_id": office.id, "preferred_language": "en"})
    deactivate = client.post(f"/admin/users/{officer.id}/deactivate")

    assert path_of(invite) == path_of(deactivate) == "/account/two-factor"
    assert reload(officer).is_active
    assert outbox == []


def test_setting_up_the_second_factor_unlocks_the_staff_area(app, bare_manager):
    client = password_login(app, bare_manager)
    assert client.get("/account/two-factor").status_code == 200
    with client.session_transaction() as session:
        secret = session["totp_setup_secret"]

    wrong_code = totp_code(secret, other_than_now=True)
    wrong = client.post("/account/two-factor", data={"code": wrong_code,
                                                     "current_password": PASSWORD})
    assert wrong.status_code == 400
    assert "That code is not valid" in text(wrong)
    assert path_of(client.get("/dashboard")) == "/account/two-factor"
    # A session alone (no password) cannot turn a second factor on and lock its owner out.
    for password in ("", "not-the-password"):
        refused = client.post("/account/two-factor", data={"code": totp_code(secret),
                                                           "current_password": password})
        assert refused.status_code == 400 and not reload(bare_manager).has_second_factor
    assert "The current password is not correct" in text(refused)

    response = client.post("/account/two-factor", data={"code": totp_code(secret),
                                                        "current_password": PASSWORD})
    assert response.status_code == 302 and path_of(response) == "/account/two-factor/codes"

    shown = client.get("/account/two-factor/codes")
    assert shown.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", shown.get_data(as_text=True))
    assert len(set(codes)) == 10
    again = client.get("/account/two-factor/codes")
    assert again.status_code == 302 and not set(codes) & set(re.findall(
        r"[0-9a-f]{8}-[0-9a-f]{8}", again.get_data(as_text=True)))
    assert client.get("/dashboard").status_code == 200
    assert client.get("/admin/users").status_code == 200

    # From now on the password alone is not enough, and a code shown on that page works.
    logout(client)
    later = password_login(app, bare_manager)
    assert goes_to_login(later.get("/dashboard"))
    response = later.post("/login/recovery", data={"recovery_code": codes[3]})
    assert path_of(response) == "/dashboard"
    assert later.get("/admin/users").status_code == 200


def test_the_code_typed_at_set_up_cannot_be_replayed_at_login(app, bare_manager):
    client = password_login(app, bare_manager)
    client.get("/account/two-factor")
    with client.session_transaction() as session:
        secret = session["totp_setup_secret"]
    code = totp_code(secret)
    assert path_of(client.post("/account/two-factor", data={
        "code": code, "current_password": PASSWORD})) == (
        "/account/two-factor/codes")
    logout(client)

    later = password_login(app, bare_manager)
    response = later.post("/login/code", data={"code": code})

    assert response.status_code == 401
    assert goes_to_login(later.get("/dashboard"))
