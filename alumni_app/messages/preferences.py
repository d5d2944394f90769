"""Opt-outs per kind of bulk message: from a one-click link or the preferences page.

Transactional mail (password resets, grant decisions) never reads these.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app import audit
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.messages.models import (
    BouncedAddress,
    Kind,
    MailOptOut,
    MessageRecipient,
    RecipientState,
)


def opted_out(record_id: int) -> set[str]:
    return set(db.session.scalars(sa.select(MailOptOut.kind)
                                  .where(MailOptOut.record_id == record_id)))


def _forget_queued(record_id: int, kind: str) -> None:
    """Messages of that kind still waiting for this person are not sent any more."""
    from alumni_app.messages.models import BulkMessage

    db.session.execute(
        sa.update(MessageRecipient)
        .where(MessageRecipient.record_id == record_id,
               MessageRecipient.state == RecipientState.QUEUED.value,
               MessageRecipient.claimed_at.is_(None),
               MessageRecipient.message_id.in_(sa.select(BulkMessage.id)
                                               .where(BulkMessage.kind == kind)))
        .values(state=RecipientState.UNSUBSCRIBED.value)
        .execution_options(synchronize_session=False))


def unsubscribe(record_id: int, kind: str, *, actor=None, via: str = "link") -> bool:
    """Turn off `kind` for the person; False when it was off already (nothing changes)."""
    if db.session.get(MailOptOut, (record_id, kind)) is not None:
        return False
    record = db.session.get(AlumnusRecord, record_id)
    if record is None:
        return False
    db.session.add(MailOptOut(record_id=record_id, kind=kind))
    _forget_queued(record_id, kind)
    audit.record("message.unsubscribed", actor=actor, subject=record,
                 office_id=record.office_id, kind=kind, via=via)
    db.session.flush()
    return True


def set_preferences(actor, record: AlumnusRecord, wanted: dict[str, bool]) -> None:
    """Keep the kinds `wanted` says yes to, turn off the others."""
    current = opted_out(record.id)
    for kind in Kind:
        if not wanted.get(kind.value, True) and kind.value not in current:
            unsubscribe(record.id, kind.value, actor=actor, via="preferences")
        elif wanted.get(kind.value, True) and kind.value in current:
            db.session.execute(sa.delete(MailOptOut).where(
                MailOptOut.record_id == record.id, MailOptOut.kind == kind.value))
            audit.record("message.resubscribed", actor=actor, subject=record,
                         office_id=record.office_id, kind=kind.value)
    db.session.flush()


def bounced(address: str) -> BouncedAddress | None:
    return db.session.get(BouncedAddress, (address or "").strip().lower()) if address else None


def clear_bounce(actor, address: str, office_id: int | None = None) -> bool:
    found = bounced(address)
    if found is None:
        return False
    db.session.delete(found)
    audit.record("message.bounce_cleared", actor=actor, office_id=office_id)
    db.session.flush()
    return True
