"""Changes to accounts: profile, password, e-mail, second factor, invitations, roles, activation."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for

from alumni_app import audit
from alumni_app.accounts.models import User
from alumni_app.auth import totp
from alumni_app.auth.passwords import hash_password
from alumni_app.auth.services import find_user_by_email, set_password
from alumni_app.auth.sessions import end_all_sessions, start_session
from alumni_app.auth.tokens import consume_token, issue_token, void_tokens
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.mail import send_email
from alumni_app.permissions import SECOND_FACTOR_ROLES, STAFF_ROLES, Role


class EmailTaken(DomainError):
    pass


class RoleNotAllowed(DomainError):
    pass


def update_profile(user: User, *, display_name: str, language: str) -> None:
    changes = {}
    if user.display_name != display_name:
        changes["display_name"] = [user.display_name, display_name]
    if user.preferred_language != language:
        changes["preferred_language"] = [user.preferred_language, language]
    user.display_name, user.preferred_language = display_name, language
    if changes:
        audit.record("account.profile_changed", actor=user, subject=user, changes=changes)


def change_own_password(user: User, password: str) -> None:
    """Set a new password, end every other session and keep the current browser logged in."""
    set_password(user, password, actor=user, reason="changed")
    start_session(user)
    send_email(user.email, "password_changed", locale=user.preferred_language, user=user)


def request_email_change(user: User, new_email: str) -> None:
    new_email = new_email.strip().lower()
    if new_email == user.email:
        raise EmailTaken("same")
    if find_user_by_email(new_email) is not None:
        raise EmailTaken("taken")
    hours = current_app.config["VERIFY_TOKEN_HOURS"]
    token = issue_token(user, "email_change", timedelta(hours=hours), new_email=new_email)
    send_email(new_email, "confirm_email_change", locale=user.preferred_language, user=user,
               hours=hours, url=url_for("accounts.confirm_email", token=token, _external=True))
    audit.record("account.email_change_requested", actor=user, subject=user)


def confirm_email_change(token: str) -> User | None:
    row = consume_token(token, "email_change")
    if row is None:
        return None
    user = row.user
    if find_user_by_email(row.new_email) is not None:
        raise EmailTaken("taken")
    old = user.email
    user.email = row.new_email
    user.email_verified_at = utcnow()
    send_email(old, "email_changed", locale=user.preferred_language, user=user,
               new_email=user.email)
    audit.record("account.email_changed", actor=user, subject=user, old=old, new=user.email)
    return user


def enable_second_factor(user: User, secret: str, counter: int | None = None) -> list[str]:
    """Turn TOTP on; `counter` is the time step of the code typed at set-up, so it is spent."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = counter
    audit.record("second_factor.enabled", actor=user, subject=user, office_id=user.office_id)
    return totp.new_recovery_codes(user)


def disable_second_factor(user: User) -> None:
    if Role(user.role) in SECOND_FACTOR_ROLES:
        raise RoleNotAllowed("required")
    user.totp_secret = None
    user.totp_enabled_at = None
    totp.delete_recovery_codes(user)
    audit.record("second_factor.disabled", actor=user, subject=user)


VOIDED_HASH = "!voided"  # not an argon2 hash: no password verifies against it


def reset_second_factor(actor: User | None, user: User, *, via: str,
                        origin: dict | None = None) -> None:
    """Turn off a lost second factor and end every session; set-up is asked again if required.

    `actor` is None when an operator does it from the command line (`via`; `origin` names the
    operator's login for the history, as an import from the command line does). Done by another
    person in the app for a manager or administrator, it also voids their password: a phished
    password and a call about a "lost phone" must not be enough to take over the account, so
    only the e-mailed reset link lets them in again.
    """
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    totp.delete_recovery_codes(user)
    end_all_sessions(user)
    required = Role(user.role) in SECOND_FACTOR_ROLES
    reset_url = _void_password(user) if actor is not None and reset_voids_password(user) \
        else None
    audit.record("second_factor.reset", actor=actor, subject=user, office_id=user.office_id,
                 **{"via": via, **(origin or {})}, password_voided=reset_url is not None)
    send_email(user.email, "second_factor_reset", locale=user.preferred_language, user=user,
               required=required, reset_url=reset_url,
               hours=current_app.config["RESET_TOKEN_HOURS"])


def reset_voids_password(user: User) -> bool:
    """Whether resetting this person's second factor in the app also voids their password."""
    return Role(user.role) in SECOND_FACTOR_ROLES


def _void_password(user: User) -> str:
    """Make the password unusable and every link void; return a fresh reset link."""
    user.password_hash = VOIDED_HASH
    user.password_changed_at = utcnow()
    void_tokens(user)
    token = issue_token(user, "reset", timedelta(hours=current_app.config["RESET_TOKEN_HOURS"]))
    return url_for("auth.reset_password", token=token, _external=True)


def regenerate_recovery_codes(user: User) -> list[str]:
    audit.record("second_factor.codes_regenerated", actor=user, subject=user)
    return totp.new_recovery_codes(user)


def create_user(*, email: str, display_name: str, role: Role, office_id: int | None,
                password: str | None, language: str = "en", actor: User | None = None) -> User:
    """Create an account directly (command line, demo data); e-mail counts as verified."""
    if find_user_by_email(email) is not None:
        raise EmailTaken("taken")
    _check_office(role, office_id)
    user = User(email=email, display_name=display_name, role=role.value,
                office_id=office_id if role is not Role.ALUMNUS else None,
                preferred_language=language, email_verified_at=utcnow())
    if password is not None:
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=actor, subject=user, office_id=user.office_id,
                 role=role.value)
    return user


def _check_office(role: Role, office_id: int | None) -> None:
    if role in (Role.OFFICER, Role.MANAGER) and office_id is None:
        raise RoleNotAllowed("office-required")


def invite_user(actor: User, *, email: str, display_name: str, role: Role, office_id: int | None,
                language: str) -> User:
    """Create a staff account without a password and e-mail the link that sets one."""
    user = create_user(email=email, display_name=display_name, role=role, office_id=office_id,
                       password=None, language=language, actor=actor)
    user.invited_by_id = actor.id
    send_invitation(actor, user)
    return user


def send_invitation(actor: User, user: User) -> None:
    days = current_app.config["INVITE_TOKEN_DAYS"]
    token = issue_token(user, "invite", timedelta(days=days))
    send_email(user.email, "invitation", locale=user.preferred_language, user=user, inviter=actor,
               days=days, url=url_for("auth.accept_invitation", token=token, _external=True))
    audit.record("account.invited", actor=actor, subject=user, office_id=user.office_id,
                 role=user.role)


def change_role(actor: User, user: User, role: Role, office_id: int | None) -> None:
    _check_office(role, office_id)
    if role is Role.ALUMNUS and Role(user.role) in STAFF_ROLES:
        raise RoleNotAllowed("staff-to-alumnus")
    old_role, old_office = user.role, user.office_id
    user.role = role.value
    user.office_id = office_id if role is not Role.ALUMNUS else None
    end_all_sessions(user)  # new rights take effect at the next login
    audit.record("account.role_changed", actor=actor, subject=user, office_id=user.office_id,
                 old_role=old_role, new_role=role.value, old_office=old_office,
                 new_office=user.office_id)


def deactivate(actor: User, user: User) -> None:
    user.is_active = False
    user.deactivated_at = utcnow()
    end_all_sessions(user)
    void_tokens(user)
    audit.record("account.deactivated", actor=actor, subject=user, office_id=user.office_id)


def reactivate(actor: User, user: User) -> None:
    user.is_active = True
    user.deactivated_at = None
    audit.record("account.reactivated", actor=actor, subject=user, office_id=user.office_id)
