"""The audit log: who did what, when (UTC) and from where."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app.db import UTCDateTime, utcnow
from alumni_app.extensions import db

log = logging.getLogger("alumni_app.audit")

SECRET_KEYS = frozenset({"password", "token", "secret", "code", "totp"})


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[int | None] = mapped_column()
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[str] = mapped_column(sa.Text, default="{}")

    @property
    def details_dict(self) -> dict:
        try:
            return json.loads(self.details or "{}")
        except ValueError:
            return {}


def client_ip() -> str | None:
    """Return the client's address (ProxyFix supplies the real one behind a proxy)."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def _clean(details: dict) -> dict:
    return {k: v for k, v in details.items() if k not in SECRET_KEYS}


def record(action: str, *, actor=None, subject=None, office_id=None, **details) -> AuditEvent:
    """Add an audit event to the current transaction and write the matching log line."""
    details = _clean(details)
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        office_id=office_id,
        ip_address=client_ip(),
        details=json.dumps(details, ensure_ascii=False, default=str),
    )
    db.session.add(event)
    # %r encodes newlines and control characters, so a crafted value cannot forge log lines.
    log.info(
        "audit action=%s actor=%r subject=%s:%r ip=%r details=%r",
        action,
        event.actor_id,
        event.subject_type,
        event.subject_id,
        event.ip_address,
        details,
    )
    return event
