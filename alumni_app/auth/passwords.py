"""Password policy and argon2id hashing."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128
# Words an attacker would try first against this particular site.
CONTEXT_WORDS = ("alumni", "jica", "kccp", "password", "пароль", "qwerty", "йцукен")


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, normalised."""
    text = resources.files("alumni_app").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(_normalise(line) for line in text.splitlines() if line.strip())


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password).strip().casefold()


def _is_trivial(normalised: str) -> bool:
    """Refuse a single repeated character or a run of the keyboard's digits."""
    if len(set(normalised)) <= 2:
        return True
    return normalised in "01234567890123456789" or normalised in "98765432109876543210"


def _letters(text: str) -> str:
    return re.sub(r"[\W\d_]+", "", text)


def password_problem(password: str, *, email: str = "", name: str = ""):
    """Return why a new password is refused (a translatable message), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)s characters.", n=MAX_LENGTH)
    normalised = _normalise(password)
    if normalised in common_passwords() or _is_trivial(normalised):
        return _l("This password is too common. Choose a less predictable one.")
    stripped = _letters(normalised)
    local, name = email.split("@")[0].casefold(), name.casefold()
    # Also the local part and the whole name with dots, spaces and digits removed
    # ("tahmina.rahimova" -> "tahminarahimova"), so "TahminaRahimova2024" is refused.
    personal = [local, _letters(local), *name.split(), _letters(name)]
    words = [w for w in (*CONTEXT_WORDS, *personal) if len(w) >= 4]
    if any(stripped == w or (w in normalised and len(normalised) - len(w) < 4) for w in words):
        return _l("The password must not be based on your name, e-mail or this site.")
    return None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; an account without a hash never matches (and still costs a hash)."""
    hasher = _hasher()
    if not stored_hash:
        hasher.hash(password)  # equalise timing with a real check
        return False
    try:
        return hasher.verify(stored_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:  # a voided password: as slow as a real check
        hasher.hash(password)
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
