"""Security headers and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
NOT_CACHED = (("Cache-Control", "no-store"), ("Vary", "Cookie, Accept-Language"))


def set_security_headers(response):
    """Set the headers every response carries, once each (replacing any a view set: these
    are the app's policy); no-store on everything but static files."""
    headers = response.headers
    for name, value in HEADERS + ((HSTS,) if current_app.config["SEND_HSTS"] else ()):
        headers[name] = value
    if request.endpoint != "static":
        headers.update(NOT_CACHED)
    return response


def is_safe_next(target: str | None) -> bool:
    """Allow only a relative path on this site: no scheme, host, backslash or control character."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_safe_next(target) else fallback


def user_is_authenticated() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))
