"""Records work for the dashboards: claims and erasure requests waiting; an alumnus's record."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from alumni_app.alumni import claims
from alumni_app.alumni.claim_models import ClaimRequest
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.permissions import Role, is_staff, user_role


def _count(query: sa.Select):
    return sa.select(sa.func.count()).select_from(query.order_by(None).subquery())


def work_items_for(user) -> list[dict]:
    """Requests to be matched to a record, and requests for erasure, waiting in the office."""
    if not is_staff(user):
        return []
    waiting = sa.select(_count(claims.claim_queue(user)).scalar_subquery(),
                        _count(claims.erasure_queue(user)).scalar_subquery())
    claimed, erasures = db.session.execute(waiting).one()
    return [{"label": _("Requests to be matched to a record"), "count": claimed,
             "url": url_for("claims.index")},
            {"label": _("Requests for erasure"), "count": erasures,
             "url": url_for("claims.erasures"), "urgent": True}]


def next_steps_for(user) -> list[dict]:
    """Without a linked record: find it (unless a request is already with the office)."""
    if user_role(user) is not Role.ALUMNUS:
        return []
    linked = sa.exists().where(AlumnusRecord.user_id == user.id)
    asked = sa.exists().where(ClaimRequest.open_user_id == user.id)
    if db.session.scalar(sa.select(sa.or_(linked, asked))):
        return []
    return [{"label": _("Find your ex-participant record, so your courses and plans show"),
             "url": url_for("profile.claim"), "kind": "claim"}]
