"""Resetting a forgotten password by e-mail, and the password policy wherever one is chosen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alumni_app.accounts.models import UserToken
from alumni_app.db import utcnow
from alumni_app.extensions import db
from tests.auth.helpers import (
    field_errors,
    goes_to_login,
    link_in,
    mails_to,
    password_login,
    path_of,
    post_login,
    without_csrf,
)
from tests.factories import PASSWORD

NEW_PASSWORD = "seven quiet mountain lakes"


def _request_reset(app, email):
    client = app.test_client()
    response = client.post("/reset", data={"email": email})
    page = client.get(response.headers["Location"])
    return response.status_code, path_of(response), without_csrf(page.get_data(as_text=True))


@pytest.mark.parametrize("who", ["unknown", "deactivated"])
def test_reset_request_answers_the_same_whoever_asks(app, make_user, outbox, who):
    known = make_user()
    other = "nobody-here@example.org" if who == "unknown" else make_user(is_active=False).email

    answer_known = _request_reset(app, known.email)
    answer_other = _request_reset(app, other)

    assert answer_known == answer_other
    assert answer_known[:2] == (302, "/login")
    assert "If an account uses that address" in answer_known[2]
    assert len(mails_to(outbox, known.email)) == 1
    assert mails_to(outbox, other) == []


def _reset_link(app, user, outbox):
    app.test_client().post("/reset", data={"email": user.email})
    return link_in(mails_to(outbox, user.email)[-1], "/reset/")


def _choose(client, link, password=NEW_PASSWORD):
    return client.post(link, data={"password": password, "password_confirm": password})


def test_reset_link_works_once_and_ends_old_sessions(app, make_user, outbox):
    user = make_user()
    old_session = password_login(app, user)
    link = _reset_link(app, user, outbox)
    client = app.test_client()
    assert client.get(link).status_code == 200

    response = _choose(client, link)

    assert goes_to_login(response)
    assert goes_to_login(old_session.get("/dashboard"))
    assert post_login(app.test_client(), user.email, PASSWORD).status_code == 401
    password_login(app, user, NEW_PASSWORD)
    assert mails_to(outbox, user.email)[-1]["Subject"] == "Your password was changed"
    assert _choose(app.test_client(), link, "another new passphrase").status_code == 410
    assert client.get(link).status_code == 410
    password_login(app, user, NEW_PASSWORD)


def _expire(user):
    db.session.query(UserToken).filter_by(user_id=user.id, purpose="reset").update(
        {"expires_at": utcnow() - timedelta(seconds=1)})
    db.session.commit()


def _change_password(app, user):
    response = password_login(app, user).post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("spoil", [_expire, None], ids=["expired", "password-changed"])
def test_spoilt_reset_link_is_gone(app, make_user, outbox, spoil):
    user = make_user()
    link = _reset_link(app, user, outbox)
    if spoil is None:
        _change_password(app, user)
        current = NEW_PASSWORD
    else:
        spoil(user)
        current = PASSWORD

    assert app.test_client().get(link).status_code == 410
    assert _choose(app.test_client(), link, "attacker picked this").status_code == 410
    assert post_login(app.test_client(), user.email, "attacker picked this").status_code == 401
    password_login(app, user, current)


# The password policy applies wherever a password is chosen -------------------------------------

NAME = "Tahmina Rahimova"
EMAIL = "trk@example.org"  # a local part too short to count; only the name can give it away
NAME_BASED = "Tahmina2024!!"


def _by_password_change(app, login, users, outbox, make_user):
    user = make_user(email=EMAIL, display_name=NAME)
    return password_login(app, user).post("/account/password", data={
        "current_password": PASSWORD, "password": NAME_BASED, "password_confirm": NAME_BASED})


def _by_reset(app, login, users, outbox, make_user):
    user = make_user(email=EMAIL, display_name=NAME)
    return _choose(app.test_client(), _reset_link(app, user, outbox), NAME_BASED)


def _by_invitation(app, login, users, outbox, make_user):
    response = login(users["admin"]).post("/admin/users/invite", data={
        "display_name": NAME, "email": EMAIL, "role": "officer",
        "office_id": users["officer"].office_id, "preferred_language": "en"})
    assert response.status_code == 302
    link = link_in(mails_to(outbox, EMAIL)[-1], "/invitation/")
    return app.test_client().post(link, data={
        "display_name": NAME, "password": NAME_BASED, "password_confirm": NAME_BASED})


@pytest.mark.parametrize("choose", [_by_password_change, _by_reset, _by_invitation])
def test_password_based_on_the_name_is_refused_everywhere(app, login, users, outbox, make_user,
                                                         choose):
    response = choose(app, login, users, outbox, make_user)

    assert response.status_code == 400
    assert any("must not be based on your name" in e for e in field_errors(response, "password"))
    assert post_login(app.test_client(), EMAIL, NAME_BASED).status_code == 401
