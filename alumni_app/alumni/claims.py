"""Claiming records: invitations sent by staff, match requests by alumni, and their decisions.

Services flush, raise a DomainError for a broken rule, and never commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from alumni_app import audit
from alumni_app.accounts.models import User
from alumni_app.alumni import services
from alumni_app.alumni.claim_models import (
    ClaimInvitation,
    ClaimRequest,
    ClaimState,
    ErasureRequest,
    ErasureState,
)
from alumni_app.alumni.directory import search_condition
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.alumni.policy import own_record
from alumni_app.auth.sessions import token_hash
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.mail import send_email
from alumni_app.offices.models import Office
from alumni_app.permissions import Role, scope_to_office, user_role


class ClaimError(DomainError):
    """A claim that cannot go ahead; `code` says why (a key of MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class LinkInvalid(ClaimError):
    def __init__(self):
        super().__init__("invalid-link")


class PrivacyError(ClaimError):
    pass


MESSAGES = {
    "not-alumnus": _l("Only an alumnus account can be linked to a record."),
    "record-claimed": _l("This record is already linked to an account."),
    "record-unavailable": _l("This record is no longer available."),
    "user-has-record": _l("This account is already linked to a record."),
    "other-office": _l("Choose a record of the office the request was sent to."),
    "no-email": _l("The record has no e-mail address to send the invitation to."),
    "decided": _l("This request was already decided."),
    "already-pending": _l("You already have a request waiting for the office."),
    "erasure-other-office": _l("The person's record belongs to another office now: its staff "
                               "act on this request."),
    "invalid-link": _l("This link is no longer valid."),
    "visibility": _l("Choose who sees you."),
    "consent-required": _l("To be seen by other alumni, tick the consent box."),
    "photo-too-large": _l("The photo is larger than 5 MB."),
    "photo-type": _l("Choose a JPEG or PNG picture."),
    "photo-invalid": _l("This file is not a picture we can read. Choose a JPEG or PNG picture."),
}




def claim_queue(user) -> sa.Select:
    query = sa.select(ClaimRequest).where(ClaimRequest.state == ClaimState.PENDING.value)
    return scope_to_office(query, ClaimRequest.office_id, user).order_by(ClaimRequest.id)


def erasure_queue(user) -> sa.Select:
    query = sa.select(ErasureRequest).where(ErasureRequest.state == ErasureState.PENDING.value)
    return scope_to_office(query, ErasureRequest.office_id, user).order_by(ErasureRequest.id)


def pending_claim(user) -> ClaimRequest | None:
    return db.session.scalar(sa.select(ClaimRequest).where(ClaimRequest.open_user_id == user.id))


def pending_erasure(user) -> ErasureRequest | None:
    return db.session.scalar(
        sa.select(ErasureRequest).where(ErasureRequest.open_user_id == user.id))


# Claiming ----------------------------------------------------------------------------------------

def claim_problem(record: AlumnusRecord, user) -> str | None:
    """Return why `user` cannot be linked to `record`, or None when they can."""
    if user_role(user) is not Role.ALUMNUS or not user.is_active:
        return "not-alumnus"
    if record.user_id is not None:
        return "record-claimed"
    if not record.is_active or record.erased_at is not None or record.merged_into_id is not None:
        return "record-unavailable"
    if own_record(user) is not None:
        return "user-has-record"
    return None


def _link(record: AlumnusRecord, user: User) -> None:
    """Link the record to the user, only while it is still free (a concurrent claim loses)."""
    problem = claim_problem(record, user)
    if problem:
        raise ClaimError(problem)
    result = db.session.execute(
        sa.update(AlumnusRecord)
        .where(AlumnusRecord.id == record.id, AlumnusRecord.user_id.is_(None))
        .values(user_id=user.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ClaimError("record-claimed")
    db.session.refresh(record, ["user_id"])
    void_invitations(record)
    # A request for erasure made while waiting goes to the office that holds the record now.
    db.session.execute(sa.update(ErasureRequest).where(ErasureRequest.open_user_id == user.id)
                       .values(record_id=record.id, office_id=record.office_id)
                       .execution_options(synchronize_session="fetch"))
    withdraw_claims(user)


def withdraw_claims(user: User) -> None:
    """Close the user's open requests: they are moot once the user has a record or is erased."""
    db.session.execute(sa.update(ClaimRequest).where(ClaimRequest.open_user_id == user.id).values(
        state=ClaimState.WITHDRAWN.value, open_user_id=None, decided_at=utcnow()))


def void_invitations(record: AlumnusRecord) -> None:
    db.session.execute(sa.update(ClaimInvitation).where(
        ClaimInvitation.record_id == record.id, ClaimInvitation.used_at.is_(None)
    ).values(used_at=utcnow()))


# Russian is the working language of the offices in these countries (and of their alumni).
RUSSIAN_SPEAKING_OFFICES = frozenset({"TJ", "KG", "KZ", "UZ", "TM"})
LANGUAGE_WORDS = {"ru": ("russian", "русск", "рус."), "en": ("english", "англ")}


def invitation_language(record: AlumnusRecord) -> str:
    """The language to write to the person in: theirs if known, else their office's.

    Known from an account already registered with the record's address, or from the
    record's languages when it names only one of ours; else Russian for the offices of
    Central Asia, English elsewhere. Never the language of the staff member who sends it.
    """
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email)
                                                   == record.email.lower()))
    if user is not None and user.preferred_language in ("en", "ru"):
        return user.preferred_language
    spoken = (record.languages or "").casefold()
    named = [code for code, words in LANGUAGE_WORDS.items() if any(w in spoken for w in words)]
    if len(named) == 1:
        return named[0]
    return "ru" if record.office.code.upper() in RUSSIAN_SPEAKING_OFFICES else "en"


def send_claim_invitation(actor: User, record: AlumnusRecord) -> ClaimInvitation:
    """E-mail a single-use link to the record's address; older unused links stop working."""
    if not record.email:
        raise ClaimError("no-email")
    if record.user_id is not None:
        raise ClaimError("record-claimed")
    if not record.is_active or record.erased_at is not None:
        raise ClaimError("record-unavailable")
    void_invitations(record)
    days = current_app.config["INVITE_TOKEN_DAYS"]
    token = secrets.token_urlsafe(32)  # 256 bits; only the hash is stored
    invitation = ClaimInvitation(record_id=record.id, email=record.email,
                                 token_hash=token_hash(token), sent_by_id=actor.id,
                                 expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    send_email(record.email, "claim_invitation", locale=invitation_language(record), record=record,
               days=days, url=url_for("profile.accept_invitation", token=token, _external=True))
    audit.record("claim.invited", actor=actor, subject=record, office_id=record.office_id,
                 invitation_id=invitation.id)
    return invitation


def find_invitation(token: str) -> ClaimInvitation | None:
    """Return the live invitation for `token`, or None when unknown, used or expired."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(ClaimInvitation).where(ClaimInvitation.token_hash == token_hash(token)))
    if row is None or row.used_at is not None or utcnow() >= row.expires_at:
        return None
    return row


def invitation_record(invitation: ClaimInvitation) -> AlumnusRecord:
    """The record the link leads to: the one it was sent for, or the record that one was merged
    into since (the person's addresses moved there too)."""
    return services.survivor(invitation.record)


def accept_invitation(user: User, token: str) -> AlumnusRecord:
    """Spend the link and link its record to `user`."""
    invitation = find_invitation(token)
    if invitation is None:
        raise LinkInvalid()
    record = invitation_record(invitation)
    problem = claim_problem(record, user)
    if problem:
        raise ClaimError(problem)  # the link stays usable for its rightful owner
    spent = db.session.execute(
        sa.update(ClaimInvitation)
        .where(ClaimInvitation.id == invitation.id, ClaimInvitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise LinkInvalid()
    _link(record, user)
    audit.record("claim.accepted", actor=user, subject=record, office_id=record.office_id,
                 invitation_id=invitation.id)
    return record


def request_claim(user: User, *, office_id: int, given_name: str, family_name: str,
                  birth_year: int | None, course: str, note: str = "") -> ClaimRequest:
    """Ask the office to match the user to their record."""
    if own_record(user) is not None:
        raise ClaimError("user-has-record")
    if pending_claim(user) is not None:
        raise ClaimError("already-pending")
    claim = ClaimRequest(user_id=user.id, open_user_id=user.id, office_id=office_id,
                         given_name=given_name, family_name=family_name, birth_year=birth_year,
                         course=course, note=note, state=ClaimState.PENDING.value)
    db.session.add(claim)
    db.session.flush()
    audit.record("claim.requested", actor=user, subject=claim, office_id=office_id)
    return claim


def match_candidates(claim: ClaimRequest, limit: int = 20) -> list[AlumnusRecord]:
    """Unclaimed records of the claim's office whose names match the family name given."""
    condition = search_condition(claim.family_name)
    if condition is None:
        return []
    query = (sa.select(AlumnusRecord)
             .where(condition, AlumnusRecord.office_id == claim.office_id,
                    AlumnusRecord.user_id.is_(None), AlumnusRecord.is_active,
                    AlumnusRecord.erased_at.is_(None))
             .order_by(AlumnusRecord.family_name, AlumnusRecord.given_name, AlumnusRecord.id)
             .limit(limit))
    return list(db.session.scalars(query))


def _decide(actor: User, claim: ClaimRequest, state: ClaimState,
            record: AlumnusRecord | None = None) -> None:
    if claim.state != ClaimState.PENDING.value:
        raise ClaimError("decided")
    # Read ids first: loading an expired object autoflushes, and the row must never be
    # flushed half-changed (the CHECK constraints tie these columns together).
    values = {"state": state.value, "open_user_id": None, "decided_by_id": actor.id,
              "decided_at": utcnow(), "record_id": record.id if record is not None else None}
    for key, value in values.items():
        setattr(claim, key, value)


def confirm_claim(actor: User, claim: ClaimRequest, record: AlumnusRecord) -> None:
    """Staff confirm that `record` is the person who asked: the record joins their account."""
    if claim.state != ClaimState.PENDING.value:
        raise ClaimError("decided")
    if record.office_id != claim.office_id:
        raise ClaimError("other-office")
    problem = claim_problem(record, claim.user)
    if problem:
        raise ClaimError(problem)  # checked before anything changes, so the page shows the truth
    _decide(actor, claim, ClaimState.CONFIRMED, record)
    _link(record, claim.user)
    audit.record("claim.confirmed", actor=actor, subject=record, office_id=record.office_id,
                 claim_id=claim.id, user_id=claim.user_id)
    send_email(claim.user.email, "claim_confirmed", locale=claim.user.preferred_language,
               record=record, url=url_for("profile.edit", _external=True))


def reject_claim(actor: User, claim: ClaimRequest, note: str = "") -> None:
    _decide(actor, claim, ClaimState.REJECTED)
    claim.decision_note = note
    audit.record("claim.rejected", actor=actor, subject=claim, office_id=claim.office_id)
    # The note is kept for the office; the person is told only that no record matched.
    send_email(claim.user.email, "claim_rejected", locale=claim.user.preferred_language,
               office=db.session.get(Office, claim.office_id),
               url=url_for("profile.claim", _external=True))
