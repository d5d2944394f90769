"""Authentication rules: logging in, registering, resetting and accepting invitations.

Services write to the session and flush; the view commits once.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_login import login_user

from alumni_app import audit, throttle
from alumni_app.audit import client_ip
from alumni_app.auth import known_browsers
from alumni_app.auth.models import User
from alumni_app.auth.passwords import hash_password, needs_rehash, verify_password
from alumni_app.auth.sessions import end_all_sessions, start_session
from alumni_app.auth.tokens import consume_token, issue_token, void_tokens
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.mail import send_email
from alumni_app.permissions import Role


class LoginThrottled(DomainError):
    def __init__(self, retry_after: int):
        super().__init__("throttled")
        self.retry_after = retry_after


class LoginRefused(DomainError):
    """Wrong e-mail or password (one message for both: no account enumeration)."""


class EmailNotVerified(DomainError):
    def __init__(self, user: User):
        super().__init__("unverified")
        self.user = user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def _limits() -> tuple[str, str]:
    cfg = current_app.config
    return cfg["LOGIN_LIMIT_PER_ACCOUNT"], cfg["LOGIN_LIMIT_PER_ADDRESS"]


def _address() -> str:
    return client_ip() or "-"


def login_retry_after(email: str, user: User | None) -> int:
    """Seconds before another login attempt for this account from here is allowed.

    The account's limit holds everywhere. The address's limit holds for browsers that never
    logged in to the account (`known_browsers`): colleagues behind the same address are not
    locked out by someone else's failures, and guessing across accounts still stops.
    """
    per_account, per_address = _limits()
    wait = throttle.retry_after(per_account, "login-account", email.strip().lower())
    if known_browsers.knows(user):
        return wait
    return max(wait, throttle.retry_after(per_address, "login-address", _address()))


def record_login_failure(email: str, user: User | None, reason: str) -> None:
    """Count a failure on the account, and on the address unless the browser knows the account."""
    per_account, per_address = _limits()
    throttle.hit(per_account, "login-account", email.strip().lower())
    if not known_browsers.knows(user):
        throttle.hit(per_address, "login-address", _address())
    audit.record("login.failed", actor=user, subject=user,
                 office_id=getattr(user, "office_id", None), email=email[:254], reason=reason)


def _account_key(user: User) -> str:
    """The per-account failure counter, the login's: one count of guesses however they come."""
    return user.email.strip().lower()


def current_password_retry_after(user: User) -> int:
    """Seconds before a logged-in user's current password may be checked again."""
    per_account, _ = _limits()
    return throttle.retry_after(per_account, "login-account", _account_key(user))


def check_current_password(user: User, password: str, *, purpose: str) -> bool:
    """Check the password a logged-in user typed to confirm a change (`purpose`).

    Failures count on the account's login counter, so a stolen session cannot be used to
    guess the password, nor add its guesses to those at the login page; over the limit this
    raises LoginThrottled without checking.
    """
    wait = current_password_retry_after(user)
    if wait:
        audit.record("password.check_throttled", actor=user, subject=user,
                     office_id=user.office_id, purpose=purpose, retry_after=wait)
        raise LoginThrottled(wait)
    per_account, _ = _limits()
    if verify_password(user.password_hash, password):
        throttle.reset(per_account, "login-account", _account_key(user))
        return True
    throttle.hit(per_account, "login-account", _account_key(user))
    audit.record("password.check_failed", actor=user, subject=user, office_id=user.office_id,
                 purpose=purpose)
    return False


def check_credentials(email: str, password: str) -> User:
    """Return the user with this e-mail and password, or raise (throttled/refused/unverified).

    Throttled attempts are refused before the password is looked at: the answer (and its time)
    is the same whether it was right or wrong.
    """
    user = find_user_by_email(email)
    wait = login_retry_after(email, user)
    if wait:
        audit.record("login.throttled", email=email[:254], retry_after=wait)
        raise LoginThrottled(wait)
    if not verify_password(user.password_hash if user else None, password):
        record_login_failure(email, user, "password" if user else "unknown-email")
        raise LoginRefused("refused")
    if not user.is_active:
        record_login_failure(email, user, "inactive")
        raise LoginRefused("refused")
    if user.email_verified_at is None:
        raise EmailNotVerified(user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        audit.record("password.rehashed", actor=user, subject=user)
    return user


def complete_login(user: User, *, remember: bool, method: str = "password") -> None:
    """Start a fresh server-side session for a user who passed every factor."""
    start_session(user, remember=remember)
    login_user(user, remember=remember)
    user.last_login_at = utcnow()
    per_account, _ = _limits()
    throttle.reset(per_account, "login-account", user.email)
    known_browsers.remember(user)
    audit.record("login.succeeded", actor=user, subject=user, office_id=user.office_id,
                 method=method, remember=remember)


def register_alumnus(*, email: str, display_name: str, password: str, language: str) -> None:
    """Create an unverified alumnus account and send the verification link.

    For an address already registered, mail its owner instead, and answer the same way.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        send_email(existing.email, "already_registered", locale=existing.preferred_language,
                   user=existing, login_url=url_for("auth.login", _external=True),
                   reset_url=url_for("auth.reset_request", _external=True))
        audit.record("account.register_existing", subject=existing)
        return
    user = User(email=email, display_name=display_name, role=Role.ALUMNUS.value,
                preferred_language=language, password_hash=hash_password(password),
                password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    send_verification(user)
    audit.record("account.registered", actor=user, subject=user)


def send_verification(user: User) -> None:
    hours = current_app.config["VERIFY_TOKEN_HOURS"]
    token = issue_token(user, "verify", timedelta(hours=hours))
    send_email(user.email, "verify_email", locale=user.preferred_language, user=user, hours=hours,
               url=url_for("auth.verify_email", token=token, _external=True))


def verify_email(token: str) -> User | None:
    row = consume_token(token, "verify")
    if row is None:
        return None
    row.user.email_verified_at = row.user.email_verified_at or utcnow()
    audit.record("account.email_verified", actor=row.user, subject=row.user)
    return row.user


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        audit.record("password.reset_requested_unknown", email=email[:254])
        return
    hours = current_app.config["RESET_TOKEN_HOURS"]
    token = issue_token(user, "reset", timedelta(hours=hours))
    send_email(user.email, "reset_password", locale=user.preferred_language, user=user,
               hours=hours, url=url_for("auth.reset_password", token=token, _external=True))
    audit.record("password.reset_requested", subject=user)


def set_password(user: User, password: str, *, actor: User | None, reason: str) -> None:
    """Set a new password, end every session and void every outstanding token."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    void_tokens(user, "reset", "invite", "email_change")
    audit.record("password.changed", actor=actor, subject=user, office_id=user.office_id,
                 reason=reason)


def reset_password(token: str, password: str) -> User | None:
    row = consume_token(token, "reset")
    if row is None:
        return None
    user = row.user
    set_password(user, password, actor=user, reason="reset")
    user.email_verified_at = user.email_verified_at or utcnow()  # they read mail sent there
    send_email(user.email, "password_changed", locale=user.preferred_language, user=user)
    return user


def accept_invitation(token: str, *, display_name: str, password: str) -> User | None:
    row = consume_token(token, "invite")
    if row is None or not row.user.is_active:
        return None
    user = row.user
    user.display_name = display_name
    user.email_verified_at = utcnow()
    set_password(user, password, actor=user, reason="invitation")
    audit.record("account.invitation_accepted", actor=user, subject=user, office_id=user.office_id)
    return user
