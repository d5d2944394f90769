"""Logging in with e-mail and password: success, refusals, safe `next` and throttling."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from tests.auth.helpers import (
    flashes,
    goes_to_login,
    link_in,
    mails_to,
    path_of,
    post_login,
    reload,
    text,
    totp_code,
    without_csrf,
)
from tests.factories import PASSWORD

REFUSED = "E-mail or password is incorrect."


def test_login_succeeds_and_records_the_time(app, client, make_user):
    user = make_user()
    before = utcnow()

    response = post_login(client, user.email.upper())  # addresses are case-insensitive

    assert response.status_code == 302 and path_of(response) == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert reload(user).last_login_at >= before - timedelta(seconds=1)


def _refusal(app, email, password):
    response = post_login(app.test_client(), email, password)
    # The address typed is echoed into the form; take it out before comparing pages.
    return response.status_code, without_csrf(response.get_data(as_text=True)).replace(email, "@")


def test_wrong_password_and_unknown_email_look_the_same(app, make_user):
    user = make_user()

    wrong_password = _refusal(app, user.email, "not the password at all")
    unknown_email = _refusal(app, "nobody-here@example.org", PASSWORD)

    assert wrong_password == unknown_email
    assert wrong_password[0] == 401
    assert REFUSED in wrong_password[1]


def test_deactivated_account_gets_the_wrong_password_answer(app, make_user):
    user = make_user(is_active=False)

    status, body = _refusal(app, user.email, PASSWORD)

    assert (status, body) == _refusal(app, user.email, "not the password at all")
    assert status == 401 and REFUSED in body


def test_unverified_address_refused_with_a_new_link(app, client, make_user, outbox):
    user = make_user(verified=False)

    response = post_login(client, user.email)

    assert goes_to_login(response)
    page = client.get("/login")
    assert any("confirm your e-mail address" in m for m in flashes(page))
    assert goes_to_login(client.get("/dashboard"))
    (mail,) = mails_to(outbox, user.email)
    assert link_in(mail, "/verify/")


@pytest.mark.parametrize("target, expected", [
    ("/account/password", "/account/password"),
    ("/admin/users?page=2", "/admin/users?page=2"),
    ("https://evil.example", "/dashboard"),
    ("//evil.example", "/dashboard"),
    ("///evil.example", "/dashboard"),
    ("/\\evil.example", "/dashboard"),
    ("\\\\evil.example", "/dashboard"),
    ("/\t/evil.example", "/dashboard"),
    ("javascript:alert(1)", "/dashboard"),
    ("/dashboard\r\nSet-Cookie: planted=1", "/dashboard"),
    ("/\r\nLocation: https://evil.example", "/dashboard"),
    ("", "/dashboard"),
])
def test_next_only_follows_paths_on_this_site(client, make_user, target, expected):
    user = make_user(role="admin")

    response = client.post(f"/login?next={quote(target)}", data={
        "email": user.email, "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == expected
    assert "planted" not in response.headers.get("Set-Cookie", "")


def test_login_page_carries_next_into_the_form(client):
    response = client.get("/login?next=/account/password")
    assert 'value="/account/password"' in response.get_data(as_text=True)


# Throttling -------------------------------------------------------------------------------------

def _fail(client, email):
    response = post_login(client, email, "not the password at all")
    assert response.status_code == 401
    return response


def _retry_minutes(response) -> int:
    match = re.search(r"Try again in (\d+) min", text(response))
    assert match, text(response)
    return int(match.group(1))


def test_account_is_throttled_after_repeated_failures(app, client, make_user):
    user = make_user()
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        _fail(client, user.email)

    response = post_login(client, user.email)  # the right password does not help now

    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    minutes = _retry_minutes(response)
    assert (minutes - 1) * 60 < wait <= minutes * 60
    assert goes_to_login(client.get("/dashboard"))
    # The counter belongs to the account, not to the client.
    assert post_login(app.test_client(), user.email).status_code == 429


def test_failures_are_audited(app, client, make_user):
    user = make_user()
    for _ in range(3):
        _fail(client, user.email)
    _fail(client, "nobody-here@example.org")

    events = db.session.query(AuditEvent).filter_by(action="login.failed").all()

    assert len(events) == 4
    assert sorted(e.details_dict["reason"] for e in events) == [
        "password", "password", "password", "unknown-email"]
    assert all(e.ip_address == "127.0.0.1" for e in events)
    assert all(PASSWORD not in e.details and "not the password" not in e.details for e in events)


def test_other_accounts_work_until_the_address_limit(app, client, make_user):
    per_account = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    per_address = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    victim, other, last = make_user(), make_user(), make_user()
    for _ in range(per_account):
        _fail(client, victim.email)
    assert post_login(client, victim.email).status_code == 429

    response = post_login(app.test_client(), other.email)
    assert response.status_code == 302 and path_of(response) == "/dashboard"

    failures = per_account
    n = 0
    while failures < per_address:
        for _ in range(min(per_account, per_address - failures)):
            _fail(client, f"guess{n}@example.org")
            failures += 1
        n += 1

    response = post_login(app.test_client(), last.email)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


# The address's back-off spares browsers that logged in to the account before --------------------

def _shut_the_address(app):
    """Failed logins on made-up accounts from a stranger's browser until the address waits."""
    per_account = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    per_address = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    stranger = app.test_client()
    for n in range(per_address):
        _fail(stranger, f"guess{n // per_account}@example.org")
    assert post_login(stranger, f"guess{per_address}@example.org").status_code == 429


def _browser_known_to(app, user):
    """A browser in which `user` logged in (and out) before the trouble began."""
    browser = app.test_client()
    assert path_of(post_login(browser, user.email)) == "/dashboard"
    browser.post("/logout")
    browser.get("/login")  # shows the "logged out" note, once
    return browser


def test_a_colleague_behind_the_same_address_still_logs_in(app, make_user):
    colleague, newcomer = make_user(), make_user()
    browser = _browser_known_to(app, colleague)

    _shut_the_address(app)

    response = post_login(browser, colleague.email)
    assert response.status_code == 302 and path_of(response) == "/dashboard"
    # A browser that never logged in to an account still waits, right password or not.
    assert post_login(app.test_client(), newcomer.email).status_code == 429
    # Nor does the known browser open the address for another account.
    browser.post("/logout")
    assert post_login(browser, newcomer.email).status_code == 429


def test_the_known_browser_still_meets_the_account_limit(app, make_user):
    colleague = make_user()
    browser = _browser_known_to(app, colleague)
    _shut_the_address(app)
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])

    for _ in range(limit):
        _fail(browser, colleague.email)  # refused as a wrong password, not as the address's wait

    assert post_login(browser, colleague.email).status_code == 429


def test_a_known_browser_s_failures_do_not_shut_the_address(app, make_user):
    per_account = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    per_address = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    people = [make_user() for _ in range(per_address // per_account + 1)]
    browsers = [_browser_known_to(app, person) for person in people]

    for person, browser in zip(people, browsers, strict=True):  # everyone mistypes, a lot
        for _ in range(per_account):
            _fail(browser, person.email)

    newcomer = make_user()
    assert path_of(post_login(app.test_client(), newcomer.email)) == "/dashboard"


def test_a_new_password_voids_the_known_browser(app, make_user):
    from alumni_app.auth.passwords import hash_password

    colleague = make_user()
    browser = _browser_known_to(app, colleague)
    colleague.password_hash = hash_password(PASSWORD)  # changed (to the same words, new salt)
    db.session.commit()

    _shut_the_address(app)

    assert post_login(browser, colleague.email).status_code == 429


def test_a_forged_known_browser_cookie_counts_for_nothing(app, make_user):
    colleague = make_user()
    browser = _browser_known_to(app, colleague)
    value = browser.get_cookie("alumni_known", path="/login").value
    forged = app.test_client()
    forged.set_cookie("alumni_known", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
                      path="/login")

    _shut_the_address(app)

    assert post_login(forged, colleague.email).status_code == 429


@pytest.mark.parametrize("known", [False, True])
def test_a_waiting_login_answers_the_same_whatever_the_password(app, make_user, known):
    """Throttled, the password is not checked: a right one and a wrong one look alike."""
    user = make_user()
    browser = _browser_known_to(app, user) if known else app.test_client()
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        _fail(app.test_client(), user.email)

    right = post_login(browser, user.email, PASSWORD)
    wrong = post_login(browser, user.email, "not the password at all")

    assert right.status_code == wrong.status_code == 429
    assert without_csrf(text(right)) == without_csrf(text(wrong))
    assert goes_to_login(browser.get("/dashboard"))


def test_the_second_factor_step_spares_the_known_browser_too(app, make_user, office):
    from tests.factories import TOTP_SECRET

    manager = make_user(role="manager", office=office, second_factor=True)
    browser = app.test_client()
    assert path_of(post_login(browser, manager.email)) == "/login/code"
    code = totp_code(TOTP_SECRET)
    assert path_of(browser.post("/login/code", data={"code": code})) == "/dashboard"
    browser.post("/logout")
    _shut_the_address(app)

    assert path_of(post_login(browser, manager.email)) == "/login/code"
    response = browser.post("/login/recovery",
                            data={"recovery_code": manager.recovery_codes_plain[0]})

    assert response.status_code == 302 and path_of(response) == "/dashboard"
