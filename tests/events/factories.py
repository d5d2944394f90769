"""Factories for events, and the URL arguments of their routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.events import registrations, services
from alumni_app.events.models import Event, Proposal
from alumni_app.events.services import EventValues, GuestValues, SessionValues
from alumni_app.extensions import db
from tests import factories


def local(moment: datetime, office) -> datetime:
    return services.to_local(moment, office)


def make_event(office, actor=None, *, publish=True, days=30, capacity=None, **values):
    """An event `days` from now, two days long, at a venue of the office."""
    starts = (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    data = {"kind": "seminar", "title_en": "Road safety seminar",
            "title_ru": "Семинар по безопасности дорожного движения",
            "starts_at": local(starts, office), "ends_at": local(starts + timedelta(hours=8),
                                                                 office),
            "venue": "Serena Hotel", "address": "14 Rudaki Avenue, Dushanbe",
            "capacity": capacity}
    data.update(values)
    event = services.create_event(actor, office, EventValues(**data))
    if publish:
        services.publish(actor, event)
    db.session.commit()
    return event


def make_guest(office, **values):
    data = {"name": "Kenji Sato", "email": f"guest{factories._seq.__next__()}@embassy.example",
            "organization": "Embassy of Japan", "position": "Second Secretary"}
    data.update(values)
    guest = services.save_guest(None, office.id, GuestValues(**data))
    db.session.commit()
    return guest


def invite(event, *records, guests=()):
    ids = registrations.invite(None, event, record_ids=[r.id for r in records],
                               guest_ids=[g.id for g in guests])
    db.session.commit()
    return ids


def start_in_past(event, hours=1):
    """Move an event's start into the past (as if it had begun), around the services."""
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(
        starts_at=utcnow() - timedelta(hours=hours),
        ends_at=utcnow() + timedelta(hours=6), registration_deadline=None))
    db.session.commit()
    db.session.refresh(event)


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """An annual meeting of `office` with a session, a guest, the alumnus invited, a proposal."""
    if endpoint and not endpoint.startswith(("events.", "event_staff.", "certificates.")):
        return {}
    from tests.plans.factories import claimed_record

    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=users["alumnus"].id))
    if record is None:
        record = claimed_record(office, users["alumnus"])
    event = make_event(office, users["officer"], kind="annual_meeting",
                       open_registration=True)
    session = services.add_session(None, event, SessionValues(
        starts_at=local(event.starts_at, office), ends_at=None, title_en="Opening"))
    guest = make_guest(office)
    ids = invite(event, record, guests=[guest])
    from alumni_app.plans import services as plan_services
    from alumni_app.plans.models import Barrier

    plan_services.ensure_default_barriers()
    barrier = db.session.scalars(sa.select(Barrier).order_by(Barrier.id)).first()
    proposal = Proposal(event_id=event.id, kind="topic", title="Discussion: budget",
                        barrier_id=barrier.id)
    db.session.add(proposal)
    from alumni_app.events import notes

    note = notes.add_note(None, event, notes.NoteValues(session.id, "need", "Fuel for the "
                                                        "mobile clinic", [barrier.id]))
    db.session.commit()
    return {"event_id": event.id, "agenda_item_id": session.id, "guest_id": guest.id,
            "invitation_id": ids[0], "proposal_id": proposal.id,
            "code": "WzEsImxhdGluIl0.not-a-signature", "note_id": note.id}


__all__ = ["make_event", "make_guest", "invite", "UTC"]
