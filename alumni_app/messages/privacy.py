"""What messages hold about a person when the person is erased (alumni.privacy calls it): the
Telegram link and the reminders queued for it go, and the addresses of the bulk messages sent to
them are blanked; the delivery counts stay."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.messages.models import MessageRecipient, TelegramLink, TelegramNotice


def erase_person(_actor, user, record) -> None:
    db.session.execute(sa.delete(TelegramNotice).where(TelegramNotice.user_id == user.id))
    db.session.execute(sa.delete(TelegramLink).where(TelegramLink.user_id == user.id))
    theirs = MessageRecipient.user_id == user.id
    if record is not None:
        theirs = sa.or_(theirs, MessageRecipient.record_id == record.id)
    db.session.execute(sa.update(MessageRecipient).where(theirs).values(address="")
                       .execution_options(synchronize_session=False))


def register(app) -> None:
    from alumni_app.alumni.privacy import register_erasure

    register_erasure(app, "messages", erase_person)
