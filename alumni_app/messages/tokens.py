"""Signed one-click unsubscribe links: a person and a kind of message, nothing else.

The link needs no login and does not expire (mail clients keep it with the message); it is
signed with the app's secret, so it cannot be forged or changed to another person or kind.
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from alumni_app.messages.models import Kind

SALT = "messages.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def unsubscribe_token(record_id: int, kind: str) -> str:
    return _serializer().dumps([record_id, kind])


def unsubscribe_url(record_id: int, kind: str) -> str:
    return url_for("unsubscribe.confirm", token=unsubscribe_token(record_id, kind),
                   _external=True)


def read(token: str) -> tuple[int, str] | None:
    """(record id, kind) of a genuine link; None for a forged or damaged one."""
    try:
        record_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(record_id, int) or kind not in {k.value for k in Kind}:
        return None
    return record_id, kind
