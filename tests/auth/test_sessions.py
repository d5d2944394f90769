"""Server-side sessions: a copied cookie dies with the session; timeouts; remember-me; logout."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from alumni_app.accounts.models import UserSession
from alumni_app.db import utcnow
from alumni_app.extensions import db
from tests.auth.helpers import (
    SESSION_COOKIE,
    client_with_cookie,
    goes_to_login,
    logout,
    password_login,
    post_login,
    session_cookie,
)
from tests.factories import PASSWORD

NEW_PASSWORD = "violet lanterns over the river"


def _by_logout(app, user, victim, login, users):
    logout(victim)


def _by_password_change_elsewhere(app, user, victim, login, users):
    other = password_login(app, user)
    response = other.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert other.get("/dashboard").status_code == 200  # the browser that changed it stays in
    assert goes_to_login(victim.get("/dashboard"))


def _by_deactivation(app, user, victim, login, users):
    admin = login(users["admin"])
    assert admin.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert goes_to_login(victim.get("/dashboard"))


@pytest.mark.parametrize("end", [_by_logout, _by_password_change_elsewhere, _by_deactivation])
def test_copied_cookie_stops_working_when_the_session_ends(app, login, users, make_user, end):
    user = make_user()
    victim = password_login(app, user)
    cookie = session_cookie(victim)
    assert client_with_cookie(app, SESSION_COOKIE, cookie).get("/dashboard").status_code == 200

    end(app, user, victim, login, users)

    thief = client_with_cookie(app, SESSION_COOKIE, cookie)
    assert goes_to_login(thief.get("/dashboard"))


def test_password_change_keeps_the_current_browser_logged_in(app, make_user):
    user = make_user()
    client = password_login(app, user)

    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    password_login(app, user, NEW_PASSWORD)


def _timeout(app):
    return app.config["SESSION_IDLE_TIMEOUT"]


@pytest.mark.parametrize("column, shift, still_in", [
    ("last_seen_at", lambda app: -_timeout(app) + timedelta(minutes=1), True),
    ("last_seen_at", lambda app: -_timeout(app) - timedelta(minutes=1), False),
    ("expires_at", lambda app: timedelta(minutes=5), True),
    ("expires_at", lambda app: -timedelta(seconds=1), False),
])
def test_idle_and_absolute_timeouts(app, make_user, column, shift, still_in):
    user = make_user()
    client = password_login(app, user)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    setattr(row, column, utcnow() + shift(app))
    db.session.commit()

    response = client.get("/dashboard")

    assert (response.status_code == 200) is still_in
    if not still_in:
        assert goes_to_login(response)


def test_every_login_gets_a_new_session_token(app, make_user):
    user = make_user()
    client = password_login(app, user)
    with client.session_transaction() as session:
        first = session["_user_id"]
    first_cookie = session_cookie(client)
    logout(client)

    assert post_login(client, user.email).status_code == 302
    with client.session_transaction() as session:
        second = session["_user_id"]

    assert first != second
    assert client.get("/dashboard").status_code == 200
    assert goes_to_login(client_with_cookie(app, SESSION_COOKIE, first_cookie).get("/dashboard"))


def _set_cookie(response, name):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return headers[0] if headers else None


def test_remember_me_sets_a_lasting_http_only_cookie(app, make_user):
    name = app.config["REMEMBER_COOKIE_NAME"]
    user = make_user()
    client = app.test_client()

    response = client.post("/login", data={
        "email": user.email, "password": PASSWORD, "remember": "y"})

    header = _set_cookie(response, name)
    assert header is not None
    attributes = [a.strip() for a in header.split(";")]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    expires = parsedate_to_datetime(next(a for a in attributes if a.startswith("Expires="))[8:])
    assert abs(expires - (utcnow() + timedelta(days=14))) < timedelta(minutes=5)

    # A browser restarted with only the remember cookie is still logged in, even after an idle
    # period longer than an ordinary session allows.
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    row.last_seen_at = utcnow() - _timeout(app) - timedelta(hours=1)
    db.session.commit()
    remember_value = client.get_cookie(name).value
    assert client_with_cookie(app, name, remember_value).get("/dashboard").status_code == 200

    # Logging out ends the remembered session too: the copied cookie no longer logs anyone in,
    # and the browser is told to forget it.
    logout(client)
    assert goes_to_login(client_with_cookie(app, name, remember_value).get("/dashboard"))
    assert client.get_cookie(name) is None


def _remembered_login(app, user):
    """A browser restarted with only the remember cookie of a "keep me logged in" login."""
    client = app.test_client()
    response = client.post("/login", data={
        "email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    name = app.config["REMEMBER_COOKIE_NAME"]
    return client_with_cookie(app, name, client.get_cookie(name).value)


@pytest.mark.parametrize("unused_for, still_in", [
    (timedelta(days=7) - timedelta(minutes=5), True),
    (timedelta(days=7) + timedelta(minutes=5), False),
])
def test_remembered_login_ends_after_remember_idle_days_without_use(
        app, make_user, unused_for, still_in):
    assert app.config["REMEMBER_IDLE_TIMEOUT"] == timedelta(days=7)
    user = make_user()
    browser = _remembered_login(app, user)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    row.last_seen_at = utcnow() - unused_for
    db.session.commit()

    response = browser.get("/dashboard")

    assert (response.status_code == 200) is still_in
    if not still_in:
        assert goes_to_login(response)


@pytest.mark.parametrize("expires_in, still_in", [
    (timedelta(minutes=5), True),
    (-timedelta(seconds=1), False),
])
def test_remembered_login_used_every_day_still_ends_after_remember_days(
        app, make_user, expires_in, still_in):
    user = make_user()
    browser = _remembered_login(app, user)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    assert row.expires_at - row.created_at == timedelta(days=14)
    # Thirteen days and more of daily use: never idle, but the absolute lifetime runs out.
    row.created_at = utcnow() - timedelta(days=14) + expires_in
    row.expires_at = utcnow() + expires_in
    row.last_seen_at = utcnow() - timedelta(hours=20)
    db.session.commit()

    assert (browser.get("/dashboard").status_code == 200) is still_in


def test_remember_idle_days_is_a_setting(app, make_user):
    app.config["REMEMBER_IDLE_TIMEOUT"] = timedelta(days=2)
    user = make_user()
    browser = _remembered_login(app, user)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    assert row.idle_seconds == 2 * 24 * 3600
    row.last_seen_at = utcnow() - timedelta(days=2, minutes=5)
    db.session.commit()
    assert goes_to_login(browser.get("/dashboard"))
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "for 14 days" in page and "not used for 2 days" in page


def test_no_remember_cookie_without_remember_me(app, make_user):
    user = make_user()
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _set_cookie(response, app.config["REMEMBER_COOKIE_NAME"]) is None


def test_logout_is_post_only(app, make_user):
    user = make_user()
    client = password_login(app, user)

    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200
    logout(client)
    assert goes_to_login(client.get("/dashboard"))
