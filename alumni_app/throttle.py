"""Counting failures against limits kept in shared storage (Redis in production)."""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from flask_babel import gettext as _
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def _limiter() -> MovingWindowRateLimiter:
    ext = current_app.extensions
    if "alumni_limiter" not in ext:
        uri = current_app.config["RATELIMIT_STORAGE_URI"]
        options = {}
        if uri.startswith(("redis://", "rediss://")):
            options["key_prefix"] = current_app.config["RATELIMIT_KEY_PREFIX"]
        ext["alumni_limiter"] = MovingWindowRateLimiter(storage_from_string(uri, **options))
    return ext["alumni_limiter"]


def _key(value: str) -> str:
    # Hash identifiers so e-mail addresses are not stored in the counter store.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def retry_after(limit: str, *identifiers: str) -> int:
    """Return 0 when another attempt is allowed, else the seconds until the window frees one."""
    item = parse(limit)
    keys = [_key(i) for i in identifiers]
    limiter = _limiter()
    if limiter.test(item, *keys):
        return 0
    stats = limiter.get_window_stats(item, *keys)
    return max(1, math.ceil(stats.reset_time - time.time()))


def hit(limit: str, *identifiers: str) -> None:
    """Count one failure."""
    _limiter().hit(parse(limit), *[_key(i) for i in identifiers])


def reset(limit: str, *identifiers: str) -> None:
    _limiter().clear(parse(limit), *[_key(i) for i in identifiers])


def retry_message(wait: int) -> str:
    """The message telling when to try again, in whole minutes."""
    minutes = max(1, (wait + 59) // 60)
    return _("Too many failed attempts. Try again in %(minutes)s min.", minutes=minutes)
