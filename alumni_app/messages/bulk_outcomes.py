"""Bulk e-mail, outcomes: what became of a recipient row, what the mail server answered,
bounced addresses, and the trouble that makes the rest of a message wait.
"""

from __future__ import annotations

import smtplib

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.messages.models import BouncedAddress, MessageRecipient, RecipientState


class MailServerTrouble(Exception):
    """The mail server is down or busy: the rest of the message waits for a retry."""


def update_recipients(recipient_ids: list[int], **values) -> None:
    """Set `values` on these recipient rows, in one UPDATE (no objects loaded)."""
    db.session.execute(sa.update(MessageRecipient).where(MessageRecipient.id.in_(recipient_ids))
                       .values(**values).execution_options(synchronize_session=False))


def _hard_bounce(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return False


def _words(answer) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def server_answer(exc: BaseException) -> str:
    """What the mail server said, in words (its code and text), for the delivery log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()))
        return f"{code} {_words(answer)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_words(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def mark_bounced(address: str, reason: str) -> None:
    address = address.strip().lower()[:254]
    if not address or db.session.get(BouncedAddress, address) is not None:
        return
    db.session.add(BouncedAddress(address=address, reason=reason[:500]))


def refused(recipient, exc: BaseException, answer: str) -> str:
    """The server refused this one message: bounced (the address is marked) or failed."""
    state = RecipientState.FAILED
    if _hard_bounce(exc):
        mark_bounced(recipient.address, answer)
        state = RecipientState.BOUNCED
    update_recipients([recipient.id], state=state.value, last_error=answer)
    return state.value
