"""Events on the dashboards: invitations an alumnus has to answer; for staff, the office's
events on today that have people to check in, and drafts starting within a month."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.events.models import LIVE_STATES, Answer, Event, EventState, Invitation
from alumni_app.extensions import db
from alumni_app.permissions import Role, is_staff, scope_to_office, user_role


def work_items_for(user) -> list[dict]:
    if not is_staff(user):
        return []
    now = utcnow()
    live_today = sa.and_(Event.state.in_(LIVE_STATES), Event.starts_at <= now + timedelta(hours=12),
                         Event.ends_at >= now)
    drafts_soon = sa.and_(Event.state == EventState.DRAFT.value,
                          Event.starts_at <= now + timedelta(days=30), Event.starts_at > now)
    query = scope_to_office(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((live_today, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((drafts_soon, 1), else_=0)), 0),
    ).select_from(Event), Event.office_id, user)
    today, drafts = db.session.execute(query).one()
    return [
        {"label": _("Events on now: people to check in"), "count": int(today), "urgent": True,
         "url": url_for("event_staff.index", state="published")},
        {"label": _("Draft events starting within a month"), "count": int(drafts),
         "url": url_for("event_staff.index", state="draft")},
    ]


def next_steps_for(user) -> list[dict]:
    """An invitation to answer, for each live event not yet answered, before its deadline."""
    if user_role(user) is not Role.ALUMNUS:
        return []
    now = utcnow()
    rows = db.session.execute(
        sa.select(Event)
        .join(Invitation, Invitation.event_id == Event.id)
        .join(AlumnusRecord, AlumnusRecord.id == Invitation.record_id)
        .where(AlumnusRecord.user_id == user.id, AlumnusRecord.is_active,
               Invitation.answer == Answer.PENDING.value, Event.state.in_(LIVE_STATES),
               Event.starts_at > now,
               sa.or_(Event.registration_deadline.is_(None),
                      Event.registration_deadline > now))
        .order_by(Event.starts_at).limit(10)).scalars().all()
    locale = str(get_locale())
    return [{"label": _("Answer the invitation to “%(title)s”", title=event.title(locale)),
             "url": url_for("events.detail", event_id=event.id),
             "due": event.registration_deadline or event.starts_at, "kind": "event"}
            for event in rows]
