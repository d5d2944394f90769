"""Helpers shared by the auth and accounts tests: logging in over HTTP, reading mails and pages."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urlsplit

import pyotp

from alumni_app.extensions import db
from tests.factories import PASSWORD

SESSION_COOKIE = "alumni_session"


def path_of(response) -> str:
    """The path a redirect points at (without query string)."""
    return urlsplit(response.headers["Location"]).path


def goes_to_login(response) -> bool:
    return response.status_code == 302 and path_of(response) == "/login"


def post_login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def password_login(app, user, password: str = PASSWORD, **extra):
    """A new client that passed the password step (and is fully logged in without a 2nd factor)."""
    client = app.test_client()
    response = post_login(client, user.email, password, **extra)
    expected = "/login/code" if user.has_second_factor else "/dashboard"
    assert response.status_code == 302 and path_of(response) == expected, response.data
    return client


def logout(client):
    response = client.post("/logout")
    assert goes_to_login(response)


def session_cookie(client) -> str:
    return client.get_cookie(SESSION_COOKIE).value


def client_with_cookie(app, name: str, value: str):
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(
        r'<div class="alert alert-\w+" role="(?:status|alert)">([^<]*)</div>',
        response.get_data(as_text=True))]


def field_errors(response, field_id: str) -> list[str]:
    """Error messages rendered right after the input/select with this id."""
    body = response.get_data(as_text=True)
    ident = rf'\bid="{re.escape(field_id)}"'
    match = re.search(
        rf'(?:<input[^>]*{ident}[^>]*>|<select[^>]*{ident}[^>]*>.*?</select>)\s*'
        r'((?:<div class="invalid-feedback d-block">[^<]*</div>)*)',
        body, re.S)
    assert match, f"no field {field_id!r} on the page"
    return [html.unescape(m) for m in re.findall(r">([^<]*)</div>", match.group(1))]


def field_value(response, field_id: str) -> str | None:
    body = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', body)
    assert tag, f"no input {field_id!r} on the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def without_csrf(body: str) -> str:
    body = re.sub(r'(name="csrf-token" content=")[^"]*"', r'\1"', body)
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', body)


def mails_to(outbox, address: str) -> list:
    return [m for m in outbox if m["To"] == address]


def body_of(message) -> str:
    return message.get_content()


def link_in(message, prefix: str) -> str:
    """The path of the first link in a mail whose path starts with `prefix`."""
    for url in re.findall(r"https?://\S+", body_of(message)):
        path = urlsplit(url).path
        if path.startswith(prefix):
            return path
    raise AssertionError(f"no {prefix} link in mail: {body_of(message)!r}")


def totp_code(secret: str, *, other_than_now: bool = False) -> str:
    """The current code, or a well-formed code matching none of the accepted time steps."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    if not other_than_now:
        return totp.at(now)
    valid = {totp.at(now + drift * totp.interval) for drift in (-1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in valid)


def reload(obj):
    """The object as the database has it now (requests share the test's session)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
