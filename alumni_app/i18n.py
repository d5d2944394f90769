"""Language and time-zone selection, and locale-aware formatting helpers for templates."""

from __future__ import annotations

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, refresh

from alumni_app.times import user_time_zone

SUPPORTED = ("en", "ru")


def loaded_user():
    """Return the user Flask-Login already loaded for this request, without loading it."""
    user = g.get("_login_user")
    return user if getattr(user, "is_authenticated", False) else None


# Set at logout next to "lang": the login page stays in the language just shown, but that was
# the previous person's choice, not one the next person to log in made.
LANG_AFTER_LOGOUT = "lang_after_logout"


def chosen_language() -> str | None:
    """The language picked in this browser session (switcher or settings), if any."""
    chosen = session.get("lang")
    if chosen not in SUPPORTED or (session.get(LANG_AFTER_LOGOUT) and loaded_user()):
        return None
    return chosen


def choose_language(lang: str) -> None:
    session["lang"] = lang
    session.pop(LANG_AFTER_LOGOUT, None)
    refresh()  # what the request says from here on (a flash) is in the language just chosen


def restart_session() -> None:
    """Clear the session (a fresh one at every login), keeping a language picked in it."""
    chosen = None if session.get(LANG_AFTER_LOGOUT) else chosen_language()
    session.clear()
    if chosen:
        session["lang"] = chosen


def end_session_keeping_language(shown: str) -> None:
    """After logout: the login page stays in `shown`, offered to whoever logs in next."""
    session["lang"] = shown
    session[LANG_AFTER_LOGOUT] = True


def select_locale() -> str:
    """The language picked in this session, else the user's preference, else the browser's.

    A choice made before logging in (or since) wins over the stored preference until the
    person changes one or the other; `language_to_offer` proposes to store it.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = chosen_language()
    if chosen:
        return chosen
    user = loaded_user()
    if user is not None and user.preferred_language in SUPPORTED:
        return user.preferred_language
    return request.accept_languages.best_match(SUPPORTED) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def language_to_offer() -> str | None:
    """The session's language when a logged-in user's stored preference is another one."""
    user = loaded_user()
    chosen = chosen_language()
    if user is None or chosen is None or chosen == user.preferred_language:
        return None
    return chosen


def language_name(code: str) -> str:
    """A language's name as a sentence in the current language writes it ("русский")."""
    return Locale.parse(code).get_language_name(str(get_locale()))


def select_timezone() -> str:
    """Times in the reader's zone: their office's, their record's office's, else UTC."""
    return user_time_zone(loaded_user())
