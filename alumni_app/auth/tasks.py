"""Background tasks of accounts and sessions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from alumni_app import jobs
from alumni_app.auth.sessions import prune_sessions
from alumni_app.db import utcnow
from alumni_app.extensions import db


def _daily_key() -> str:
    return f"auth.prune_sessions:{utcnow().date().isoformat()}"


@jobs.task("auth.prune_sessions", label=_l("Removal of old sessions"), key=_daily_key,
           periodic=jobs.crontab(minute="17", hour="3"))
def prune_old_sessions() -> dict:
    """Delete sessions that ended more than 30 days ago (daily, 03:17 UTC)."""
    deleted = prune_sessions()
    db.session.commit()
    return {"deleted": deleted}
