"""Registering as an alumnus and confirming the e-mail address."""

from __future__ import annotations

import pytest

from alumni_app.accounts.models import User
from alumni_app.extensions import db
from tests.auth.helpers import (
    body_of,
    field_errors,
    field_value,
    flashes,
    goes_to_login,
    link_in,
    mails_to,
    path_of,
    post_login,
)
from tests.factories import PASSWORD

NEW = {"display_name": "Gulnara Karimova", "email": "gulnara.k@example.org",
       "password": PASSWORD, "password_confirm": PASSWORD, "preferred_language": "en"}


def _users_with(email):
    return db.session.query(User).filter_by(email=email).count()


def test_registration_needs_the_link_confirmed_by_post(app, client, outbox):
    response = client.post("/register", data=NEW)
    assert response.status_code == 302 and path_of(response) == "/register/sent"
    (mail,) = mails_to(outbox, NEW["email"])
    link = link_in(mail, "/verify/")

    # Opening the link (as a mail scanner would) shows a button but confirms nothing.
    page = client.get(link)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert goes_to_login(post_login(client, NEW["email"]))
    assert any("confirm your e-mail address" in m for m in flashes(client.get("/login")))
    assert goes_to_login(client.get("/dashboard"))
    assert len(mails_to(outbox, NEW["email"])) == 2  # a fresh link came with the refusal
    link = link_in(mails_to(outbox, NEW["email"])[-1], "/verify/")

    confirmed = client.post(link)
    assert goes_to_login(confirmed)
    assert client.post(link).status_code == 410  # the link works once

    response = post_login(client, NEW["email"])
    assert response.status_code == 302 and path_of(response) == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_registering_a_taken_address_answers_the_same_and_tells_the_owner(
        app, make_user, outbox):
    owner = make_user(email="taken@example.org", display_name="Original Owner")
    fresh = app.test_client().post("/register", data={**NEW, "email": "free@example.org"})

    taken = app.test_client().post("/register", data={
        **NEW, "email": "Taken@Example.org", "password": "another long passphrase",
        "password_confirm": "another long passphrase"})

    assert (taken.status_code, taken.headers["Location"]) == (
        fresh.status_code, fresh.headers["Location"])
    assert _users_with("taken@example.org") == 1
    (mail,) = mails_to(outbox, owner.email)
    assert "/verify/" not in body_of(mail)
    assert link_in(mail, "/reset")
    assert path_of(post_login(app.test_client(), owner.email)) == "/dashboard"
    assert post_login(app.test_client(), owner.email, "another long passphrase").status_code == 401


@pytest.mark.parametrize("field, value, message", [
    ("email", "not-an-address", "Enter a valid e-mail address"),
    ("password", "short", "Use at least 10 characters."),
    ("password", "password123", "This password is too common"),
    ("password", "GulnaraKarimova1", "must not be based on your name"),
    ("password_confirm", "something else entirely", "The two passwords differ."),
])
def test_invalid_registration_is_explained_next_to_the_field(client, outbox, field, value,
                                                            message):
    data = {**NEW, field: value}
    if field == "password":
        data["password_confirm"] = value

    response = client.post("/register", data=data)

    assert response.status_code == 400
    assert any(message in e for e in field_errors(response, field))
    assert field_value(response, "display_name") == NEW["display_name"]
    assert not field_value(response, "password")  # passwords are never echoed back
    assert _users_with(NEW["email"]) == 0
    assert outbox == []
