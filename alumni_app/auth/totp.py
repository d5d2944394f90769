"""Time-based one-time passwords (authenticator apps) and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from alumni_app.auth.models import RecoveryCode, User
from alumni_app.db import utcnow
from alumni_app.extensions import db

RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_data_uri(uri: str) -> str:
    """Return the QR code as an SVG data URI (no script, no external request)."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


def matching_counter(secret: str, code: str, *, at: float | None = None) -> int | None:
    """Return the time step a 6-digit code belongs to (allowing one step of drift), or None."""
    code = "".join(code.split())
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    for drift in (0, -1, 1):
        moment = now + drift * totp.interval
        if hmac.compare_digest(totp.at(moment), code):
            return int(moment // totp.interval)
    return None


def verify_totp(user: User, code: str) -> bool:
    """Accept a code once: a replayed code (same or older time step) is refused."""
    if not user.totp_secret:
        return False
    counter = matching_counter(user.totp_secret, code)
    if counter is None:
        return False
    result = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter),
        )
        .values(totp_last_counter=counter)
    )
    return result.rowcount == 1


def _code_hash(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def delete_recovery_codes(user: User) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones to show once."""
    delete_recovery_codes(user)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code."""
    if not code or len(code) > 40:
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
