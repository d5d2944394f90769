"""Error pages and the domain error type that services raise."""

from __future__ import annotations

import logging
import uuid

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from alumni_app.extensions import db, login_manager

log = logging.getLogger("alumni_app.errors")


class DomainError(Exception):
    """A broken business rule: a code, its message, the form field it belongs to, a status.

    Each feature subclasses it with its own `MESSAGES` (code -> lazy string with %(name)s
    placeholders); `attempt()` in alumni_app/forms.py puts the message next to `field` (or on
    the form when the field is not on it) and answers with `status`.
    """

    MESSAGES: dict = {}
    status: int = 409

    def __init__(self, code: str = "", field: str | None = None, status: int | None = None,
                 **params):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params
        if status is not None:
            self.status = status

    def format_param(self, value):
        """How a parameter reads in the message (subclasses format money, dates...)."""
        return value

    @property
    def message(self) -> str:
        text = str(self.MESSAGES.get(self.code, self.code))
        if not self.params:
            return text
        return text % {key: self.format_param(value) for key, value in self.params.items()}


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This was already done"),
    410: _l("This link is no longer valid"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}
EXPLANATIONS = {
    400: _l("The form may have expired. Go back, reload the page and try again."),
    403: _l("If you think you should have access, ask your office's manager."),
    404: _l("The address may be mistyped, or the page was moved."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("The form was probably sent twice, or someone else changed the same thing at the "
            "same moment. Reload the page to see where things stand."),
    410: _l("Links sent by e-mail work once and expire. Ask for a new one."),
    413: _l("Send a smaller file or shorter text."),
    429: _l("Wait a little and try again."),
    500: _l("The error was logged. Please try again in a few minutes."),
    503: _l("Please try again in a minute."),
}


def request_id() -> str:
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex[:12]
    return g.request_id


def render_error(status: int, message: str | None = None, headers: dict | None = None):
    """Render the branded error page; never touches the database."""
    body = render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, TITLES[500]),
        explanation=message or EXPLANATIONS.get(status, EXPLANATIONS[500]),
        request_id=request_id(),
    )
    return body, status, headers or {}


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be the thing that is down
        log.warning("rollback failed while handling an error", exc_info=True)


def _forget_user() -> None:
    # Templates must not try to load the user from a database that just failed.
    g._login_user = login_manager.anonymous_user()


def handle_http_error(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        _safe_rollback()
    headers = {}
    if status == 429 and getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    if status in (403, 404, 405):
        log.info("denied status=%s path=%r user=%r", status, request.path, _who())
    return render_error(status, getattr(exc, "user_message", None), headers)


def _who():
    try:
        return current_user.get_id() and current_user.id
    except Exception:  # noqa: BLE001
        return None


def handle_database_down(exc: Exception):
    log.error("database unavailable [%s]: %s", request_id(), type(exc).__name__)
    _safe_rollback()
    _forget_user()
    return render_error(503, headers={"Retry-After": "30"})


def handle_conflict(exc: IntegrityError):
    """A unique or check constraint refused a write (a double submission, a race): 409."""
    _safe_rollback()
    log.warning("conflict on %s %r: %s", request.method, request.path, type(exc.orig).__name__)
    return render_error(409)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return handle_database_down(exc)
    log.exception("unhandled error [%s] on %s %r", request_id(), request.method, request.path)
    _safe_rollback()
    _forget_user()
    return render_error(500)


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(IntegrityError, handle_conflict)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(PoolTimeoutError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
