"""Operator commands: `flask --app alumni_app <command>`."""

from __future__ import annotations

import logging
import sys

import click
import flask_migrate
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from alumni_app.accounts import services as accounts
from alumni_app.auth.passwords import password_problem
from alumni_app.auth.services import find_user_by_email, set_password
from alumni_app.extensions import db
from alumni_app.imports.cli import operator
from alumni_app.mail import send_email
from alumni_app.offices.models import Office
from alumni_app.permissions import SECOND_FACTOR_ROLES, Role


def _password_from(option: str | None, use_stdin: bool, email: str, name: str) -> str:
    if use_stdin:
        # A file or pipe written on Windows ends its lines with "\r\n": the "\r" is no part of it.
        password = sys.stdin.readline().rstrip("\r\n")
    elif option:
        password = option
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.UsageError(f"password refused: {problem}")
    return password


def _office_id(code: str | None) -> int | None:
    if not code:
        return None
    office_id = db.session.scalar(sa.select(Office.id).where(Office.code == code.upper()))
    if office_id is None:
        raise click.UsageError(f"no office with code {code!r}")
    return office_id


def _create(email, name, role, office, password, use_stdin, language) -> None:
    password = _password_from(password, use_stdin, email, name)
    try:
        user = accounts.create_user(email=email, display_name=name, role=role,
                                    office_id=_office_id(office), password=password,
                                    language=language)
    except accounts.EmailTaken:
        raise click.UsageError(f"an account with e-mail {email!r} already exists") from None
    except accounts.RoleNotAllowed:
        raise click.UsageError("officers and managers need --office CODE") from None
    db.session.commit()
    click.echo(f"created {role.value} {user.email} (id {user.id})")
    if role in (Role.MANAGER, Role.ADMIN):
        click.echo("they will be asked to set up an authenticator app at first login")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Display name")
@click.option("--password", help="Prefer --password-stdin or the prompt in shared shells.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en")
@with_appcontext
def create_admin(email, name, password, password_stdin, language):
    """Create an administrator account."""
    _create(email, name, Role.ADMIN, None, password, password_stdin, language)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--office", help="Office code (required for officers and managers).")
@click.option("--password")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en")
@with_appcontext
def create_user(email, name, role, office, password, password_stdin, language):
    """Create an account of any role, non-interactively."""
    _create(email, name, Role(role), office, password, password_stdin, language)


@click.command("seed-demo")
@click.option("--migrate", is_flag=True, help="Bring the database schema up to date first.")
@click.option("--url", help="Where the app will answer, printed after the logins.")
@with_appcontext
def seed_demo(migrate, url):
    """Load demo offices and accounts (once) and print the demo logins last."""
    from alumni_app import demo

    # The migrations' and the seed's log lines would bury the logins: the database keeps the
    # audit trail of the seed, the terminal shows only warnings and the logins.
    logging.disable(logging.INFO)
    try:
        if migrate:
            flask_migrate.upgrade()
        created = demo.seed()
        db.session.commit()
    finally:
        logging.disable(logging.NOTSET)
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo(demo.logins_text(url))


@click.command("seed-synthetic")
@click.option("--count", type=click.IntRange(1, 5_000_000), required=True)
@click.option("--office", "office_code", required=True, help="Office code, e.g. TJ.")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same data).")
@with_appcontext
def seed_synthetic(count, office_code, seed):
    """Generate COUNT synthetic ex-participant records for an office (benchmarks)."""
    from alumni_app.alumni import synthetic

    office_id = _office_id(office_code)
    done = 0
    while done < count:
        step = min(10_000, count - done)
        synthetic.generate(office_id, step, seed=seed + done)
        db.session.commit()
        done += step
        click.echo(f"{done} / {count} records")


@click.command("rebuild-search-terms")
@with_appcontext
def rebuild_search_terms():
    """Recompute every record's name key and search terms (after the name key changed)."""
    from alumni_app.alumni import reindex

    done = reindex.rebuild_keys(db.session.connection(),
                                progress=lambda n: click.echo(f"{n} records", err=True))
    db.session.commit()
    click.echo(f"{done['records']} records read: {done['keys']} name keys and the search "
               f"terms of {done['terms']} records changed")


@click.command("send-mail")
@click.option("--limit", default=10_000, show_default=True)
@with_appcontext
def send_mail(limit):
    """Deliver the e-mail left in the outbox now (the worker does it every minute)."""
    from alumni_app.mail import OutboundEmail, deliver_all_pending

    sent = deliver_all_pending.call_local(limit)
    left = db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))
                             .where(OutboundEmail.sent_at.is_(None)))
    click.echo(f"sent {sent}; {left} message(s) still in the outbox")


@click.command("prune-sessions")
@with_appcontext
def prune_sessions():
    """Delete expired and revoked sessions older than 30 days (the worker does it daily)."""
    from alumni_app.auth.tasks import prune_old_sessions

    counts = prune_old_sessions.call_local(keyed=False) or {}
    click.echo(f"deleted {counts.get('deleted', 0)} old sessions")


def _account(email: str):
    user = find_user_by_email(email)
    if user is None:
        raise click.UsageError(f"no account with e-mail {email!r}")
    return user


@click.command("reset-2fa")
@click.option("--email", required=True)
@with_appcontext
def reset_2fa(email):
    """Turn off an account's lost second factor and end its sessions."""
    user = _account(email)
    if not user.has_second_factor:
        click.echo(f"{user.email} has no second factor: nothing changed")
        return
    accounts.reset_second_factor(None, user, via="command line", origin=operator())
    db.session.commit()
    click.echo(f"second factor of {user.email} reset, every session ended")
    if Role(user.role) in SECOND_FACTOR_ROLES:
        click.echo("they will be asked to set up an authenticator app at next login")


@click.command("deactivate-user")
@click.option("--email", required=True)
@with_appcontext
def deactivate_user(email):
    """Deactivate an account (nothing is deleted) and end its sessions."""
    user = _account(email)
    if not user.is_active:
        click.echo(f"{user.email} is already deactivated: nothing changed")
        return
    accounts.deactivate(None, user)
    db.session.commit()
    click.echo(f"deactivated {user.email}, every session ended")


@click.command("set-password")
@click.option("--email", required=True)
@with_appcontext
def set_password_command(email):
    """Set an account's password (standard input, or a prompt); every session ends."""
    user = _account(email)
    password = _password_from(None, not sys.stdin.isatty(), user.email, user.display_name)
    set_password(user, password, actor=None, reason="command line")
    send_email(user.email, "password_changed", locale=user.preferred_language, user=user)
    db.session.commit()
    click.echo(f"password of {user.email} set, every session ended")
    if not user.is_active:
        click.echo("the account is deactivated: it cannot log in until it is reactivated")


def register(app: Flask) -> None:
    for command in (create_admin, create_user, seed_demo, seed_synthetic, send_mail,
                    prune_sessions, reset_2fa, deactivate_user, set_password_command,
                    rebuild_search_terms):
        app.cli.add_command(command)
