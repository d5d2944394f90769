"""Language and time-zone selection, and locale-aware formatting helpers for templates."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session

SUPPORTED = ("en", "ru")


def loaded_user():
    """Return the user Flask-Login already loaded for this request, without loading it."""
    user = g.get("_login_user")
    return user if getattr(user, "is_authenticated", False) else None


def select_locale() -> str:
    """The user's preference, else the language chosen in the switcher, else the browser's."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = loaded_user()
    if user is not None and user.preferred_language in SUPPORTED:
        return user.preferred_language
    chosen = session.get("lang")
    if chosen in SUPPORTED:
        return chosen
    return request.accept_languages.best_match(SUPPORTED) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def select_timezone() -> str:
    """Show staff times in their office's time zone; everyone else in UTC."""
    user = loaded_user()
    if user is not None and user.office is not None:
        return user.office.time_zone
    return "UTC"
