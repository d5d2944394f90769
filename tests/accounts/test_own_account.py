"""A user's own account: only name and language are editable; e-mail changes need confirmation."""

from __future__ import annotations

import pytest

from alumni_app.auth.passwords import verify_password
from tests.auth.helpers import (
    field_errors,
    link_in,
    mails_to,
    password_login,
    path_of,
    post_login,
    reload,
    text,
)
from tests.factories import PASSWORD


@pytest.mark.parametrize("role", ["alumnus", "officer"])
def test_profile_form_changes_only_name_and_language(login, users, other_office, role):
    user = users[role]
    before = (user.id, user.email, user.role, user.office_id, user.password_hash)

    response = login(user).post("/account", data={
        "display_name": "Renamed Person", "preferred_language": "ru",
        # Fields a crafted request might add:
        "role": "admin", "is_active": "false", "office_id": other_office.id,
        "email": "hijack@example.org", "id": "9999", "password_hash": "x",
        "email_verified_at": "", "totp_enabled_at": "2020-01-01", "invited_by_id": "1"})

    assert response.status_code == 302
    after = reload(user)
    assert (after.display_name, after.preferred_language) == ("Renamed Person", "ru")
    assert (after.id, after.email, after.role, after.office_id, after.password_hash) == before
    assert after.is_active and after.email_verified_at is not None
    assert not after.has_second_factor


NEW_ADDRESS = "new.address@example.org"


@pytest.mark.parametrize("password, new_email, field", [
    ("", NEW_ADDRESS, "current_password"),
    ("not my password", NEW_ADDRESS, "current_password"),
    (PASSWORD, "taken", "new_email"),
    (PASSWORD, "not-an-address", "new_email"),
])
def test_email_change_request_refused(login, users, outbox, password, new_email, field):
    user = users["alumnus"]
    if new_email == "taken":
        new_email = users["officer"].email

    response = login(user).post("/account/email", data={
        "new_email": new_email, "current_password": password})

    assert response.status_code == 400
    assert field_errors(response, field)
    assert outbox == []
    assert reload(user).email != new_email


def test_email_changes_only_when_the_new_address_confirms(app, login, users, outbox):
    user = users["alumnus"]
    old = user.email

    response = login(user).post("/account/email", data={
        "new_email": NEW_ADDRESS.upper(), "current_password": PASSWORD})

    assert response.status_code == 302
    assert mails_to(outbox, old) == []
    (mail,) = mails_to(outbox, NEW_ADDRESS)
    link = link_in(mail, "/account/email/confirm/")
    assert reload(user).email == old

    page = app.test_client().get(link)  # a GET (mail scanner, preview) changes nothing
    assert page.status_code == 200 and NEW_ADDRESS in text(page)
    assert reload(user).email == old

    confirmed = app.test_client().post(link)

    assert confirmed.status_code == 302
    assert reload(user).email == NEW_ADDRESS
    (notice,) = mails_to(outbox, old)
    assert NEW_ADDRESS in notice.get_content()
    assert post_login(app.test_client(), old).status_code == 401
    assert path_of(post_login(app.test_client(), NEW_ADDRESS)) == "/dashboard"
    assert app.test_client().post(link).status_code == 410


def test_a_128_character_password_works_end_to_end(app, make_user):
    user = make_user()
    long_password = ("granite meadow " * 9)[:128]
    assert len(long_password) == 128

    response = password_login(app, user).post("/account/password", data={
        "current_password": PASSWORD, "password": long_password,
        "password_confirm": long_password})

    assert response.status_code == 302
    assert verify_password(reload(user).password_hash, long_password)
    assert post_login(app.test_client(), user.email, long_password[:127]).status_code == 401
    password_login(app, user, long_password)
