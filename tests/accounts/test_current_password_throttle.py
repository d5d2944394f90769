"""A stolen session cannot be used to guess the password or the second factor without limit."""

from __future__ import annotations

import re

import pytest

from alumni_app.audit import AuditEvent
from alumni_app.auth.passwords import verify_password
from alumni_app.extensions import db
from tests.auth.helpers import field_errors, password_login, path_of, reload, text, totp_code
from tests.factories import PASSWORD, TOTP_SECRET

NEW_PASSWORD = "violet lanterns over the river"
WRONG = "not my password at all"


def _password_change(password):
    return "/account/password", {"current_password": password, "password": NEW_PASSWORD,
                                 "password_confirm": NEW_PASSWORD}


def _email_change(password):
    return "/account/email", {"current_password": password, "new_email": "new@example.org"}


def _second_factor_off(password):
    return "/account/two-factor/disable", {"current_password": password}


def _new_recovery_codes(password):
    return "/account/two-factor/codes", {"codes-current_password": password}


FORMS = [_password_change, _email_change, _second_factor_off, _new_recovery_codes]


def _field(form) -> str:
    return "codes-current_password" if form is _new_recovery_codes else "current_password"


def _post(client, form, password):
    url, data = form(password)
    return client.post(url, data=data)


def _limit(app) -> int:
    return int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])


@pytest.fixture
def victim(make_user):
    """An alumnus with an authenticator app (so turning it off is one of the forms)."""
    return make_user(role="alumnus", second_factor=True)


@pytest.mark.parametrize("form", FORMS)
def test_current_password_guesses_are_limited_per_account(app, login, victim, form, outbox):
    thief = login(victim)
    for _ in range(_limit(app)):
        response = _post(thief, form, WRONG)
        assert response.status_code == 400
        assert field_errors(response, _field(form)) == ["The current password is not correct."]

    response = _post(thief, form, PASSWORD)  # even the right password waits now

    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    minutes = int(re.search(r"Try again in (\d+) min", text(response)).group(1))
    assert (minutes - 1) * 60 < wait <= minutes * 60
    assert field_errors(response, _field(form))
    after = reload(victim)
    assert verify_password(after.password_hash, PASSWORD)
    assert after.has_second_factor and outbox == []
    # The counter belongs to the account: another of its sessions is refused too.
    assert _post(login(victim), form, PASSWORD).status_code == 429


def test_the_limit_is_shared_by_every_form_that_asks_for_the_password(app, login, victim):
    thief = login(victim)
    for n in range(_limit(app)):
        assert _post(thief, FORMS[n % len(FORMS)], WRONG).status_code == 400
    for form in FORMS:
        assert _post(thief, form, PASSWORD).status_code == 429


def test_failed_and_refused_checks_are_audited(app, login, victim):
    thief = login(victim)
    for form in FORMS:
        _post(thief, form, WRONG)
    for _ in range(_limit(app)):
        _post(thief, _password_change, WRONG)

    failed = db.session.query(AuditEvent).filter_by(action="password.check_failed").all()
    throttled = db.session.query(AuditEvent).filter_by(action="password.check_throttled").all()

    assert len(failed) == _limit(app)
    assert [e.details_dict["purpose"] for e in failed[:4]] == [
        "password-change", "email-change", "second-factor-disable", "recovery-codes"]
    assert len(throttled) == len(FORMS)  # the last attempts were not checked at all
    assert all(e.subject_id == victim.id and e.actor_id == victim.id for e in failed + throttled)
    assert all(WRONG not in e.details for e in failed + throttled)


def test_a_right_password_before_the_limit_clears_the_count(app, login, victim):
    client = login(victim)
    for _ in range(_limit(app) - 1):
        _post(client, _email_change, WRONG)
    assert _post(client, _email_change, PASSWORD).status_code == 302
    for _ in range(_limit(app) - 1):
        assert _post(client, _email_change, WRONG).status_code == 400
    assert _post(client, _password_change, PASSWORD).status_code == 302


def test_turning_the_second_factor_off_shows_the_error_next_to_the_field(app, login, victim):
    response = _post(login(victim), _second_factor_off, WRONG)

    assert response.status_code == 400
    assert field_errors(response, "current_password") == ["The current password is not correct."]
    assert reload(victim).has_second_factor


@pytest.mark.parametrize("step, field, wrong", [
    ("/login/code", "code", lambda: totp_code(TOTP_SECRET, other_than_now=True)),
    ("/login/recovery", "recovery_code", lambda: "0000aaaa-0000aaaa"),
])
def test_second_factor_guesses_at_login_are_limited(app, users, step, field, wrong):
    admin = users["admin"]
    client = password_login(app, admin)
    for _ in range(_limit(app)):
        assert client.post(step, data={field: wrong()}).status_code == 401

    right = totp_code(TOTP_SECRET) if field == "code" else admin.recovery_codes_plain[0]
    response = client.post(step, data={field: right})

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # Starting again from the password does not buy new guesses.
    again = app.test_client()
    response = again.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert path_of(client.get("/dashboard")) == "/login"


def test_new_recovery_codes_need_the_current_password(app, login, victim):
    client = login(victim)
    old_code = victim.recovery_codes_plain[0]

    response = _post(client, _new_recovery_codes, WRONG)

    assert response.status_code == 400
    assert "Make new recovery codes" in text(response)
    assert client.get("/account/two-factor/codes").status_code == 302  # nothing to show
    response = _post(client, _new_recovery_codes, PASSWORD)
    assert response.status_code == 302 and path_of(response) == "/account/two-factor/codes"
    shown = text(client.get("/account/two-factor/codes"))
    assert old_code not in shown and re.search(r"[0-9a-f]{8}-[0-9a-f]{8}", shown)


@pytest.mark.parametrize("first", ["login page", "stolen session"])
def test_login_and_current_password_guesses_share_one_count(app, login, victim, first):
    """A stolen session does not get a second set of guesses beside the login page's."""
    from tests.auth.helpers import post_login

    thief = login(victim)
    half = _limit(app) // 2
    rest = _limit(app) - half
    guesses = {"login page": lambda: post_login(app.test_client(), victim.email, WRONG),
               "stolen session": lambda: _post(thief, _email_change, WRONG)}
    second = next(k for k in guesses if k != first)
    for _ in range(half):
        assert guesses[first]().status_code in (400, 401)
    for _ in range(rest):
        assert guesses[second]().status_code in (400, 401)

    assert _post(thief, _password_change, PASSWORD).status_code == 429
    assert post_login(app.test_client(), victim.email).status_code == 429
    assert verify_password(reload(victim).password_hash, PASSWORD)
