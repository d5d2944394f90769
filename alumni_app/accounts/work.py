"""Accounts work for the administrators' dashboard: invitations not accepted yet."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from alumni_app.accounts.models import User
from alumni_app.extensions import db
from alumni_app.permissions import is_admin


def invited_condition():
    """SQL: an active account whose owner has not set a password yet (invited, waiting)."""
    return sa.and_(User.is_active, User.password_hash.is_(None))


def work_items_for(user) -> list[dict]:
    """Accounts invited but not taken up yet (administrators)."""
    if not is_admin(user):
        return []
    waiting = db.session.scalar(sa.select(sa.func.count(User.id)).where(invited_condition()))
    return [{"label": _("Invitations not accepted yet"), "count": waiting,
             "url": url_for("users.index", status="invited")}]
