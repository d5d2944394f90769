"""Headers, CSRF, size limits, error pages, odd input and production settings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alumni_app import create_app
from alumni_app.extensions import db
from alumni_app.permissions import public
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def _assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/login", "/register", "/no-such-page", "/", "/healthz"])
def test_every_response_carries_security_headers(client, path):
    _assert_security_headers(client.get(path))


def test_authenticated_pages_are_not_cached(login, users):
    response = login(users["alumnus"]).get("/dashboard")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    _assert_security_headers(response)


def test_pages_reference_no_other_host(login, users):
    html = login(users["alumnus"]).get("/dashboard").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html
    assert "<script" not in html and "style=" not in html


def _post_rules(app):
    return sorted(
        {r.endpoint: r for r in app.url_map.iter_rules() if "POST" in r.methods}.values(),
        key=lambda r: r.endpoint,
    )


# POST routes that take no CSRF token, and why. Each must refuse a request without its own proof.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a session; the signed link is
    # the proof, and a forged one changes nothing (404).
    "unsubscribe.unsubscribe": 404,
}


def test_every_post_without_csrf_token_is_refused(app, client, login, users, office):
    app.config["WTF_CSRF_ENABLED"] = True
    admin = login(users["admin"])
    args = factories.route_args(users, office)
    rules = _post_rules(app)
    assert len(rules) > 10
    for rule in rules:
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: args[a] for a in rule.arguments})
        for http in (client, admin):
            response = http.post(url, data={"email": "x@example.org", "lang": "ru"})
            expected = CSRF_EXEMPT.get(rule.endpoint, 400)
            assert response.status_code == expected, (rule.endpoint, response.status_code)
    assert users["officer"].is_active


@pytest.mark.parametrize("csrf", [False, True])
def test_ten_megabyte_field_is_refused_with_413(app, client, csrf):
    app.config["WTF_CSRF_ENABLED"] = csrf  # CSRFProtect reads the form in its own hook
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 10_000_000})
    assert response.status_code == 413
    assert b"too large" in response.data


def test_not_found_page_is_branded_and_has_a_reference(client):
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert b"Page not found" in response.data and b"reference" in response.data


def test_wrong_method_gives_405(client):
    response = client.get("/logout")
    assert response.status_code == 405


def test_server_error_leaks_nothing(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def explode():
        raise RuntimeError("secret-detail from SELECT password_hash")

    app.add_url_rule("/explode", "explode", explode)
    response = client.get("/explode")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret-detail" not in body and "Traceback" not in body and "SELECT" not in body
    assert "Something went wrong" in body


@pytest.fixture
def file_app(tmp_path):
    """An app on a SQLite file, so its connections can be cut and restored."""
    app = create_app({**factories.TEST_SETTINGS,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'down.db'}"})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_database_down_gives_503_then_recovers(file_app):
    user = factories.make_user(role="alumnus")
    client = factories.logged_in_client(file_app, user)
    state = {"down": False}

    @sa.event.listens_for(db.engine, "do_connect")
    def refuse(dialect, conn_rec, cargs, cparams):
        if state["down"]:
            raise sqlite3.OperationalError("unable to open database file")

    db.session.remove()
    db.engine.dispose()
    state["down"] = True
    for path in ("/dashboard", "/account"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert b"temporarily unavailable" in response.data and b"Traceback" not in response.data
    assert client.get("/healthz").status_code == 503
    state["down"] = False
    assert client.get("/healthz").status_code == 200
    assert client.get("/dashboard").status_code == 200


def test_connections_closed_by_postgresql_are_replaced_without_an_error_page(app):
    """A database restart closes every pooled connection: the next request still gets a 200."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    client = factories.logged_in_client(app, factories.make_user(role="alumnus"))
    assert client.get("/dashboard").status_code == 200
    db.session.remove()  # the request is over: its connection goes back to the pool
    with db.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    killer = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with killer.connect() as conn:  # what a restart does to the pooled connection
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"),
                            {"pid": pid}).scalar()
    killer.dispose()
    for path in ("/dashboard", "/healthz"):
        assert client.get(path).status_code == 200
        db.session.remove()


FIXTURES_OK = [HealthCheck.function_scoped_fixture]


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE") == "explore",
                    reason="exploring with random examples on purpose")
def test_property_tests_draw_the_same_examples_on_every_run():
    assert settings.default.derandomize is True
    assert settings.default.database is None


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES_OK)
@given(next_value=st.text(max_size=80))
def test_login_redirect_stays_on_site_for_any_next(client, users, next_value):
    response = client.post("/login", data={"email": users["alumnus"].email,
                                           "password": factories.PASSWORD, "next": next_value})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and "\n" not in location
    client.post("/logout")


# What each public form may answer to any input: its own page again with the errors (400), a
# refused login (401), the next step (302: registered, or a reset link sent) or the throttle
# (429: the fixture's app lives for all the examples, so failed logins add up). Never a 5xx,
# never a 200 on a POST that did nothing.
PUBLIC_FORM_ANSWERS = {"/login": {400, 401, 429}, "/register": {302, 400, 429},
                       "/reset": {302, 400, 429}}
NUL_IN_ADDRESS = "The address contains a character that is not allowed"


def _assert_clear_answer(path, response):
    assert response.status_code in PUBLIC_FORM_ANSWERS[path], (path, response.status_code)
    body = response.get_data(as_text=True)
    if response.status_code == 400:  # the form again, each problem next to its field
        assert 'name="email"' in body and "invalid-feedback" in body, path
    elif response.status_code in (401, 429):
        assert 'name="email"' in body and 'role="alert"' in body, path


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURES_OK)
@given(fields=st.fixed_dictionaries({
    "email": st.text(max_size=300), "password": st.text(max_size=300),
    "password_confirm": st.text(max_size=50), "display_name": st.text(max_size=300),
    "preferred_language": st.sampled_from(["en", "ru", "xx", ""]),
}))
@example(fields={"email": "\x00", "password": "\x00", "password_confirm": "",
                 "display_name": "\x00", "preferred_language": "xx"})
def test_public_forms_never_fail_on_odd_input(client, fields):
    for path in PUBLIC_FORM_ANSWERS:
        _assert_clear_answer(path, client.post(path, data=fields))
    # The same text as ?next=: the login page, unless it carries a NUL character, which no
    # link of the site does (the databases refuse it): then 400 saying so.
    response = client.get("/login", query_string={"next": fields["email"]})
    if "\x00" in fields["email"]:
        assert response.status_code == 400
        assert NUL_IN_ADDRESS in response.get_data(as_text=True)
    else:
        assert response.status_code == 200
        assert 'name="password"' in response.get_data(as_text=True)


def test_production_refuses_to_start_without_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI")}
    env["APP_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "alumni_app", "routes"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to start in production" in result.stderr
    assert "SECRET_KEY" in result.stderr and "DATABASE_URL" in result.stderr
    assert "RATELIMIT_STORAGE_URI" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("storage", [None, "memory://"])
def test_production_refuses_per_worker_throttling(monkeypatch, storage):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("RATELIMIT_ALLOW_MEMORY", raising=False)
    if storage is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(SystemExit) as refused:
        create_app("production")
    message = str(refused.value)
    assert "refusing to start in production" in message and "\n" not in message
    assert "RATELIMIT_STORAGE_URI" in message and "RATELIMIT_ALLOW_MEMORY=1" in message
    assert "SECRET_KEY" not in message


@pytest.mark.parametrize("variables", [
    {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
    {"RATELIMIT_ALLOW_MEMORY": "1"},
])
def test_production_starts_with_shared_throttling_or_an_explicit_single_worker(
        monkeypatch, variables):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    app = create_app("production")
    expected = variables.get("RATELIMIT_STORAGE_URI", "memory://")
    assert app.config["RATELIMIT_STORAGE_URI"] == expected


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("RATELIMIT_ALLOW_MEMORY", "1")
    app = create_app("production")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        db.create_all()
        user = factories.make_user(role="alumnus")
        response = app.test_client().post("/login", data={
            "email": user.email, "password": factories.PASSWORD, "remember": "y"})
        assert response.status_code == 302
        cookies = response.headers.getlist("Set-Cookie")
        # The session, the remember cookie and the mark of a browser known to the account.
        assert sorted(c.split("=")[0] for c in cookies) == [
            "alumni_known", "alumni_remember", "alumni_session"]
        for cookie in cookies:
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()


def test_log_lines_cannot_be_forged(client, caplog):
    caplog.set_level("INFO", logger="alumni_app.audit")
    client.post("/login", data={"email": "x@example.org\nFORGED audit action=login.succeeded",
                                "password": "whatever-password"})
    client.post("/login", data={"email": "evil\r\n@example.org", "password": "whatever-password"})
    for record in caplog.records:
        assert "\n" not in record.getMessage() and "\r" not in record.getMessage()


def test_a_write_refused_by_a_constraint_is_a_409_not_a_500(app, client, users):
    """A double submission that slips past the form checks hits a unique constraint."""
    from alumni_app.accounts.models import User

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def duplicate():
        db.session.add(User(email=users["alumnus"].email, display_name="Twin", role="alumnus"))
        db.session.commit()
        return "saved"

    app.add_url_rule("/duplicate", "duplicate", duplicate, methods=["POST"])
    response = client.post("/duplicate")
    assert response.status_code == 409
    assert b"already done" in response.data and b"Traceback" not in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email == users["alumnus"].email)) == 1


def test_a_nul_character_in_the_query_string_is_a_400(login, users):
    staff = login(users["officer"])
    response = staff.get("/directory?q=kar%00im")
    assert response.status_code == 400
    assert NUL_IN_ADDRESS in response.get_data(as_text=True)
    assert staff.get("/directory?q=karim").status_code == 200
