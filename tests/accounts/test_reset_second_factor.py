"""Resetting a lost second factor from the admin page: who may, and what the person notices."""

from __future__ import annotations

import pytest

from alumni_app.accounts.models import RecoveryCode
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from tests.auth.helpers import (
    field_errors,
    goes_to_login,
    link_in,
    mails_to,
    password_login,
    path_of,
    post_login,
    reload,
    text,
)
from tests.factories import PASSWORD, TOTP_SECRET

CONFIRMED = {"current_password": PASSWORD}
NEW_PASSWORD = "seven quiet mountain lakes"


def _url(user) -> str:
    return f"/admin/users/{user.id}/reset-second-factor"


def _events(action):
    return db.session.query(AuditEvent).filter_by(action=action).all()


@pytest.fixture
def officer_2fa(make_user, office):
    return make_user(role="officer", office=office, second_factor=True)


def test_manager_resets_an_officers_second_factor_after_confirming(
        app, login, users, officer_2fa, outbox):
    officer_client = login(officer_2fa)
    manager = login(users["manager"])
    detail = manager.get(f"/admin/users/{officer_2fa.id}")
    assert _url(officer_2fa) in detail.get_data(as_text=True)

    confirm = manager.get(_url(officer_2fa))
    assert confirm.status_code == 200
    assert f"Reset the second factor of {officer_2fa.display_name}?" in text(confirm)
    assert reload(officer_2fa).has_second_factor  # the GET changes nothing

    response = manager.post(_url(officer_2fa), data=CONFIRMED)

    assert response.status_code == 302
    after = reload(officer_2fa)
    assert not after.has_second_factor and after.totp_secret is None
    assert db.session.query(RecoveryCode).filter_by(user_id=officer_2fa.id).count() == 0
    assert goes_to_login(officer_client.get("/dashboard"))
    (event,) = _events("second_factor.reset")
    assert (event.actor_id, event.subject_id) == (users["manager"].id, officer_2fa.id)
    assert event.details_dict["via"] == "admin page"
    (mail,) = mails_to(outbox, officer_2fa.email)
    assert "second factor" in mail["Subject"]
    # The officer's role does not require one: the password alone logs in now.
    password_login(app, officer_2fa)


def test_an_admin_whose_factor_was_reset_must_set_it_up_again(app, login, users, make_user,
                                                              outbox):
    other_admin = make_user(role="admin", second_factor=True)

    assert login(users["admin"]).post(_url(other_admin), data=CONFIRMED).status_code == 302

    # The password alone no longer opens the account: the e-mailed link sets a new one.
    assert post_login(app.test_client(), other_admin.email).status_code == 401
    (mail,) = mails_to(outbox, other_admin.email)
    link = link_in(mail, "/reset/")
    assert app.test_client().post(link, data={"password": NEW_PASSWORD,
                                              "password_confirm": NEW_PASSWORD}
                                  ).status_code == 302
    client = password_login(app, reload(other_admin), NEW_PASSWORD)  # no code step any more...
    response = client.get("/admin/users")
    assert response.status_code == 302 and path_of(response) == "/account/two-factor"
    setup = text(client.get("/account/two-factor"))
    assert "authenticator" in setup
    # ...with a new key: the lost phone's codes are worth nothing.
    assert TOTP_SECRET not in setup
    assert not reload(other_admin).has_second_factor


@pytest.fixture
def targets(make_user, office, other_office, users):
    return {
        "manager of the same office": make_user(role="manager", office=office,
                                                second_factor=True),
        "officer of another office": make_user(role="officer", office=other_office,
                                               second_factor=True),
        "administrator": users["admin"],
        "alumnus": make_user(role="alumnus", second_factor=True),
        "themselves": users["manager"],
    }


# A manager sees the staff of their office (403: may not); others are out of reach (404).
@pytest.mark.parametrize(("target", "status"), [("manager of the same office", 403),
                                               ("officer of another office", 404),
                                               ("administrator", 404), ("alumnus", 404),
                                               ("themselves", 403)])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_manager_resets_only_officers_of_their_office(login, users, targets, target, method,
                                                      status):
    subject = targets[target]

    response = login(users["manager"]).open(_url(subject), method=method)

    assert response.status_code == status
    assert reload(subject).has_second_factor
    assert _events("second_factor.reset") == []


@pytest.mark.parametrize("target", ["manager of the same office", "officer of another office",
                                    "alumnus"])
def test_admin_resets_anyone_else(login, users, targets, target):
    subject = targets[target]
    assert login(users["admin"]).post(_url(subject), data=CONFIRMED).status_code == 302
    assert not reload(subject).has_second_factor


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nobody_resets_their_own_or_a_missing_factor(login, users, make_user, office, method):
    admin = login(users["admin"])
    assert admin.open(_url(users["admin"]), method=method).status_code == 403
    without = make_user(role="officer", office=office)
    assert admin.open(_url(without), method=method).status_code == 403
    assert reload(users["admin"]).has_second_factor


def test_a_login_waiting_for_the_code_starts_again_after_a_reset(app, login, users, make_user):
    other_admin = make_user(role="admin", second_factor=True)
    waiting = password_login(app, other_admin)  # at the code step

    login(users["admin"]).post(_url(other_admin), data=CONFIRMED)
    response = waiting.post("/login/code", data={"code": "123456"})

    assert response.status_code == 302 and path_of(response) == "/login"
    assert _events("login.failed") == []


def test_a_reset_needs_the_acting_persons_own_password(app, login, users, officer_2fa, outbox):
    manager = login(users["manager"])
    assert 'name="current_password"' in manager.get(_url(officer_2fa)).get_data(as_text=True)
    for data in ({}, {"current_password": "not my password at all"}):
        response = manager.post(_url(officer_2fa), data=data)
        assert response.status_code == 400
        assert field_errors(response, "current_password")
    assert reload(officer_2fa).has_second_factor
    assert _events("second_factor.reset") == [] and outbox == []
    (failed,) = _events("password.check_failed")
    assert (failed.actor_id, failed.details_dict["purpose"]) == (users["manager"].id,
                                                                 "second-factor-reset")


def test_password_guesses_on_the_reset_page_are_throttled(app, login, users, officer_2fa):
    manager = login(users["manager"])
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert manager.post(_url(officer_2fa), data={"current_password": "wrong guess here"}
                            ).status_code == 400
    response = manager.post(_url(officer_2fa), data=CONFIRMED)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert reload(officer_2fa).has_second_factor


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_resetting_a_managers_or_admins_factor_voids_their_password(
        app, login, users, make_user, office, outbox, role):
    target = make_user(role=role, office=office if role == "manager" else None,
                       second_factor=True)
    confirm = login(users["admin"]).get(_url(target))
    assert "Their password stops working too" in text(confirm)

    assert login(users["admin"]).post(_url(target), data=CONFIRMED).status_code == 302

    # A phished password and a "lost phone" call are not enough to get in.
    refused = post_login(app.test_client(), target.email)
    assert refused.status_code == 401
    (event,) = _events("second_factor.reset")
    assert event.details_dict["password_voided"] is True
    (mail,) = mails_to(outbox, target.email)
    link = link_in(mail, "/reset/")
    response = app.test_client().post(link, data={"password": NEW_PASSWORD,
                                                  "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    password_login(app, reload(target), NEW_PASSWORD)


def test_an_officers_password_stays_after_a_reset(app, login, users, officer_2fa, outbox):
    login(users["manager"]).post(_url(officer_2fa), data=CONFIRMED)
    (event,) = _events("second_factor.reset")
    assert event.details_dict["password_voided"] is False
    assert "/reset/" not in mails_to(outbox, officer_2fa.email)[0].get_content()
    password_login(app, officer_2fa)
