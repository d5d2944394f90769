"""Operator commands."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alumni_app.accounts.models import User
from alumni_app.auth.passwords import verify_password
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.plans.models import Barrier


def _run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_admin_reads_the_password_from_stdin(app):
    result = _run(app, "create-admin", "--email", "Root@Example.org", "--name", "Root",
                  "--password-stdin", input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    admin = _user("root@example.org")
    assert admin.role == "admin" and admin.email_verified_at is not None
    assert verify_password(admin.password_hash, "a long enough passphrase")


def test_create_user_refuses_a_weak_password_and_writes_nothing(app):
    result = _run(app, "create-user", "--email", "w@example.org", "--name", "W",
                  "--role", "alumnus", "--password", "password123")
    assert result.exit_code != 0 and "password refused" in result.output
    assert _user("w@example.org") is None


def test_create_user_needs_an_office_for_staff(app, office):
    args = ["create-user", "--email", "o@example.org", "--name", "O", "--role", "officer",
            "--password", "a long enough passphrase"]
    assert _run(app, *args).exit_code != 0
    assert _user("o@example.org") is None
    assert _run(app, *args, "--office", "tj").exit_code == 0
    assert _user("o@example.org").office_id == office.id


def test_create_user_refuses_a_duplicate_email_in_any_case(app, make_user):
    make_user(email="taken@example.org")
    result = _run(app, "create-user", "--email", "TAKEN@example.org", "--name", "T",
                  "--role", "alumnus", "--password", "a long enough passphrase")
    assert result.exit_code != 0 and "already exists" in result.output


def test_seed_demo_is_idempotent_and_prints_logins(app):
    first = _run(app, "seed-demo")
    assert first.exit_code == 0 and "Demo data loaded" in first.output
    assert "alumnus@example.org" in first.output and "second factor" in first.output
    counts = (db.session.scalar(sa.select(sa.func.count()).select_from(User)),
              db.session.scalar(sa.select(sa.func.count()).select_from(Office)))
    assert counts[1] == 3
    second = _run(app, "seed-demo")
    assert second.exit_code == 0 and "already present" in second.output
    assert (db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Office))) == counts


def test_no_accounts_exist_before_an_operator_creates_one(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_seed_demo_links_demo_alumni_to_findable_records(app):
    from alumni_app.alumni.directory import Filters, build_query

    assert _run(app, "seed-demo").exit_code == 0
    found = db.session.scalars(build_query(Filters(q="Дилноза Гуломшоева"))).all()
    assert _user("alumnus@example.org").id in [r.user_id for r in found]
    assert len(db.session.scalars(build_query(Filters())).all()) >= 300


def test_seed_demo_gives_the_demo_alumni_a_course_to_write_a_plan_for(app, login):
    assert _run(app, "seed-demo").exit_code == 0
    page = login(_user("alumnus@example.org")).get("/plans").get_data(as_text=True)
    assert "Maternal and Child Health" in page and "Write an action plan" in page
    # The barriers alumni choose from in a progress update (the migration seeds them too).
    assert "Conditions unlike Japan" in db.session.scalars(sa.select(Barrier.name_en)).all()


@pytest.mark.parametrize("email", ["alumnus@example.org", "farrukh.jalolov@example.org"])
def test_the_demo_alumnis_consent_shows_and_their_privacy_saves(app, login, email):
    """Seen by all alumni, they consented: the box is ticked, and saving as it comes works."""
    import re

    assert _run(app, "seed-demo").exit_code == 0
    http = login(_user(email))
    page = http.get("/me/privacy").get_data(as_text=True)
    assert " checked" in re.search(r'<input[^>]*name="consent"[^>]*>', page).group(0)
    response = http.post("/me/privacy", data={"visibility": "all", "show_email": "y",
                                              "consent": "y"})
    assert response.status_code == 302


def test_seed_synthetic_adds_searchable_records(app, office):
    from alumni_app.alumni.models import AlumnusRecord, SearchTerm

    result = _run(app, "seed-synthetic", "--count", "250", "--office", "TJ")
    assert result.exit_code == 0 and "250 / 250" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlumnusRecord)) == 250
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchTerm)) >= 500
    assert _run(app, "seed-synthetic", "--count", "5", "--office", "XX").exit_code != 0


def _live_sessions(user):
    from alumni_app.accounts.models import UserSession

    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)))


def _audited(action):
    from alumni_app.audit import AuditEvent

    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_reset_2fa_turns_the_factor_off_and_ends_sessions(app, login, make_user, office,
                                                          monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops-operator")
    manager = make_user(role="manager", office=office, second_factor=True)
    client = login(manager)

    result = _run(app, "reset-2fa", "--email", manager.email.upper())

    assert result.exit_code == 0, result.output
    assert "set up an authenticator app at next login" in result.output
    db.session.expire_all()
    assert not manager.has_second_factor and _live_sessions(manager) == 0
    assert client.get("/dashboard").status_code == 302
    (event,) = _audited("second_factor.reset")
    assert event.actor_id is None and event.details_dict["via"] == "command line"
    assert event.details_dict["os_user"] == "ops-operator"  # who ran it, as an import says
    again = _run(app, "reset-2fa", "--email", manager.email)
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_deactivate_user_ends_sessions_and_keeps_the_account(app, login, make_user):
    user = make_user()
    client = login(user)

    result = _run(app, "deactivate-user", "--email", user.email)

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not user.is_active and user.deactivated_at is not None
    assert _live_sessions(user) == 0 and client.get("/dashboard").status_code == 302
    assert len(_audited("account.deactivated")) == 1
    assert "nothing changed" in _run(app, "deactivate-user", "--email", user.email).output


def test_set_password_reads_stdin_checks_the_policy_and_ends_sessions(app, login, make_user):
    from alumni_app.mail import OutboundEmail
    from tests.factories import PASSWORD

    user = make_user(display_name="Azamat Bekbolotov")
    client = login(user)

    weak = _run(app, "set-password", "--email", user.email, input="bekbolotov1\n")
    assert weak.exit_code != 0 and "password refused" in weak.output
    db.session.expire_all()
    assert verify_password(user.password_hash, PASSWORD) and _live_sessions(user) == 1

    result = _run(app, "set-password", "--email", user.email,
                  input="a long enough passphrase\n")

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert verify_password(user.password_hash, "a long enough passphrase")
    assert _live_sessions(user) == 0 and client.get("/dashboard").status_code == 302
    assert _audited("password.changed")[0].details_dict["reason"] == "command line"
    assert db.session.scalar(sa.select(OutboundEmail.recipient)) == user.email


def test_a_password_piped_from_a_windows_file_loses_its_carriage_return(app, monkeypatch):
    import io
    import sys

    from alumni_app import cli

    # A real pipe keeps "\r\n" (the test runner's input would turn it into "\n").
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough passphrase\r\n", newline=""))
    assert cli._password_from(None, True, "x@example.org", "X") == "a long enough passphrase"


@pytest.mark.parametrize("command", ["reset-2fa", "deactivate-user", "set-password"])
def test_account_commands_refuse_an_unknown_email(app, command):
    result = _run(app, command, "--email", "nobody@example.org", input="x\n")
    assert result.exit_code != 0 and "no account with e-mail" in result.output


@pytest.mark.slow
def test_the_demo_start_prints_the_logins_last_without_log_lines(tmp_path):
    """`make run`'s seed: migrations and seed quiet, the logins and the address at the end."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    flask = Path(sys.executable).with_name("flask")
    env = {**os.environ, "APP_ENV": "development",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    done = subprocess.run(
        [str(flask), "--app", "alumni_app", "seed-demo", "--migrate",
         "--url", "http://127.0.0.1:5077/"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    for noise in ("INFO", "Running upgrade", "audit action="):
        assert noise not in output
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines[0] == "Demo data loaded." and set(lines[1]) == {"="}
    assert lines[2].startswith("Demo logins") and "admin@example.org" in lines[3]
    assert "Open http://127.0.0.1:5077/" in lines[-2] and set(lines[-1]) == {"="}


def _make_dry_run(target: str, *variables: str) -> str:
    import shutil
    import subprocess
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[1]
    # -B: every step as on a fresh clone; -n: print the steps, run none.
    return subprocess.run(["make", "-n", "-B", target, *variables], cwd=root, check=True,
                          capture_output=True, text=True, timeout=60).stdout


def test_make_run_installs_only_what_serving_needs_and_takes_a_port():
    steps = _make_dry_run("run", "PORT=5077")
    installs = [line for line in steps.splitlines() if "pip install" in line]
    assert any(line.endswith("-e .") for line in installs)
    assert not any("[test]" in line for line in installs)
    assert "--port 5077" in steps and "--port 5000" not in steps


def test_make_test_installs_the_test_extras():
    assert '-e ".[test]"' in _make_dry_run("test")
