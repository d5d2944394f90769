"""Claiming records, privacy and consent, a person's data export, erasure and profile photos.

The models of claim requests, claim invitations and erasure requests, the rules about them, and
the services that change them: services flush, raise a DomainError for a broken rule, never commit.
"""

from __future__ import annotations

import enum
import io
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app import audit
from alumni_app.accounts import services as account_services
from alumni_app.accounts.models import User, UserSession, UserToken
from alumni_app.alumni import services as record_services
from alumni_app.alumni.directory import search_condition
from alumni_app.alumni.models import VISIBILITY_VALUES, AlumnusRecord, RecordPosition, Visibility
from alumni_app.alumni.policy import can_edit_record, own_record
from alumni_app.audit import AuditEvent
from alumni_app.auth.sessions import token_hash
from alumni_app.db import TimestampMixin, UTCDateTime, utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.mail import OutboundEmail, send_email
from alumni_app.offices.models import Office
from alumni_app.permissions import Role, is_staff, same_office, scope_to_office, user_role

# The wording the alumnus agrees to; stored verbatim (in their language) with the date.
CONSENT_WORDING = _l(
    "I agree that the alumni I chose above may see my name, country, organization, position, "
    "sectors, courses and the contact details I chose to show, and that this consent is recorded "
    "with its date. I can withdraw it on this page at any time."
)
ERASED_NAME = "Erased person #{id}"
ERASED_EMAIL = "erased-{id}@invalid"
# Cleared on erasure; gender, region, sectors and courses stay for the office's statistics.
ERASED_FIELDS = ("given_name", "given_name_cyr", "family_name_cyr", "organization", "position",
                 "email", "email_alt", "phone", "languages", "bio")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 512
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_FORMATS = frozenset({"JPEG", "PNG"})
PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


class ClaimState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # moot: linked by an invitation meanwhile, or the person was erased


class ErasureState(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


CLAIM_STATES = tuple(s.value for s in ClaimState)
ERASURE_STATES = tuple(s.value for s in ErasureState)


class ClaimRequest(TimestampMixin, db.Model):
    """A registered alumnus asks their office to match them to their record."""

    __tablename__ = "claim_requests"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {CLAIM_STATES!r}", name="state_valid"),
        sa.CheckConstraint("(state = 'confirmed') = (record_id IS NOT NULL)",
                           name="record_iff_confirmed"),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_iff_closed"),
        # One open request per user, kept by a plain unique column (NULL once decided).
        sa.CheckConstraint("(state = 'pending') = (open_user_id IS NOT NULL)",
                           name="open_iff_pending"),
        sa.CheckConstraint("open_user_id IS NULL OR open_user_id = user_id", name="open_is_user"),
        sa.CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100",
                           name="birth_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    open_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    given_name: Mapped[str] = mapped_column(sa.String(100), default="")
    family_name: Mapped[str] = mapped_column(sa.String(100), default="")
    birth_year: Mapped[int | None] = mapped_column()
    course: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[str] = mapped_column(sa.String(12), default=ClaimState.PENDING.value, index=True)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    office: Mapped[Office] = relationship(lazy="joined")
    record: Mapped[AlumnusRecord | None] = relationship()


class ClaimInvitation(db.Model):
    """A single-use link, sent by staff to a record's e-mail, that lets its owner claim it."""

    __tablename__ = "claim_invitations"
    __table_args__ = (
        sa.CheckConstraint("used_by_id IS NULL OR used_at IS NOT NULL", name="used_by_when_used"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("alumni_records.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    record: Mapped[AlumnusRecord] = relationship()


class ErasureRequest(TimestampMixin, db.Model):
    """An alumnus asks to be erased; staff of the record's office anonymise them."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {ERASURE_STATES!r}", name="state_valid"),
        sa.CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)",
                           name="completed_iff_done"),
        sa.CheckConstraint("(state = 'pending') = (open_user_id IS NOT NULL)",
                           name="open_iff_pending"),
        sa.CheckConstraint("open_user_id IS NULL OR open_user_id = user_id", name="open_is_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    open_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alumni_records.id"))
    # Staff of this office act on it; without a record (account only) only administrators do.
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default=ErasureState.PENDING.value,
                                       index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    record: Mapped[AlumnusRecord | None] = relationship()


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
    "invalid-link": _l("This link is no longer valid."),
    "visibility": _l("Choose who sees you."),
    "consent-required": _l("To be seen by other alumni, tick the consent box."),
    "photo-too-large": _l("The photo is larger than 5 MB."),
    "photo-type": _l("Choose a JPEG or PNG picture."),
    "photo-invalid": _l("This file is not a picture we can read. Choose a JPEG or PNG picture."),
}


# Rules -------------------------------------------------------------------------------------------

def can_review_claim(user, claim: ClaimRequest) -> bool:
    return is_staff(user) and same_office(user, claim.office_id)


def can_invite_to_claim(user, record: AlumnusRecord) -> bool:
    return can_edit_record(user, record)


def can_handle_erasure(user, erasure: ErasureRequest) -> bool:
    return is_staff(user) and same_office(user, erasure.office_id)


def can_edit_profile(user, record: AlumnusRecord | None) -> bool:
    """An alumnus edits the profile fields of the record linked to their account."""
    return (record is not None and user_role(user) is Role.ALUMNUS
            and record.user_id == user.id and record.erased_at is None)


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
    if not record.is_active or record.erased_at is not None:
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
    _void_invitations(record)
    _withdraw_claims(user)


def _withdraw_claims(user: User) -> None:
    """Close the user's open requests: they are moot once the user has a record or is erased."""
    db.session.execute(sa.update(ClaimRequest).where(ClaimRequest.open_user_id == user.id).values(
        state=ClaimState.WITHDRAWN.value, open_user_id=None, decided_at=utcnow()))


def _void_invitations(record: AlumnusRecord) -> None:
    db.session.execute(sa.update(ClaimInvitation).where(
        ClaimInvitation.record_id == record.id, ClaimInvitation.used_at.is_(None)
    ).values(used_at=utcnow()))


def send_claim_invitation(actor: User, record: AlumnusRecord) -> ClaimInvitation:
    """E-mail a single-use link to the record's address; older unused links stop working."""
    if not record.email:
        raise ClaimError("no-email")
    if record.user_id is not None:
        raise ClaimError("record-claimed")
    if not record.is_active or record.erased_at is not None:
        raise ClaimError("record-unavailable")
    _void_invitations(record)
    days = current_app.config["INVITE_TOKEN_DAYS"]
    token = secrets.token_urlsafe(32)  # 256 bits; only the hash is stored
    invitation = ClaimInvitation(record_id=record.id, email=record.email,
                                 token_hash=token_hash(token), sent_by_id=actor.id,
                                 expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    send_email(record.email, "claim_invitation", locale=actor.preferred_language, record=record,
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


def accept_invitation(user: User, token: str) -> AlumnusRecord:
    """Spend the link and link its record to `user`."""
    invitation = find_invitation(token)
    if invitation is None:
        raise LinkInvalid()
    record = invitation.record
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


def reject_claim(actor: User, claim: ClaimRequest, note: str = "") -> None:
    _decide(actor, claim, ClaimState.REJECTED)
    claim.decision_note = note
    audit.record("claim.rejected", actor=actor, subject=claim, office_id=claim.office_id)


# Privacy and consent -----------------------------------------------------------------------------

def save_privacy(actor: User, record: AlumnusRecord, *, visibility: str, show_email: bool,
                 show_phone: bool, consent: bool, wording: str) -> dict:
    """Set who sees the person; consent is stored with its date and exact wording."""
    if visibility not in VISIBILITY_VALUES:
        raise PrivacyError("visibility")
    if visibility != Visibility.STAFF.value and not consent:
        raise PrivacyError("consent-required")
    chosen = {"visibility": visibility, "show_email": show_email, "show_phone": show_phone}
    changes = {k: [getattr(record, k), v] for k, v in chosen.items() if getattr(record, k) != v}
    for key, value in chosen.items():
        setattr(record, key, value)
    event = "none"
    if consent:
        record.consent_at, record.consent_text, event = utcnow(), wording, "given"
    elif record.consent_at is not None:
        record.consent_at, record.consent_text, event = None, None, "withdrawn"
    audit.record("record.privacy_changed", actor=actor, subject=record,
                 office_id=record.office_id, changes=changes, consent=event,
                 consent_text=wording if consent else None)
    return changes


# Data export -------------------------------------------------------------------------------------

def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _account_data(user: User) -> dict:
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
        "preferred_language": user.preferred_language, "is_active": user.is_active,
        "created_at": _iso(user.created_at), "email_verified_at": _iso(user.email_verified_at),
        "last_login_at": _iso(user.last_login_at),
        "password_changed_at": _iso(user.password_changed_at),
        "second_factor_enabled": user.has_second_factor,
    }


def _record_data(record: AlumnusRecord) -> dict:
    fields = ("id", "given_name", "family_name", "given_name_cyr", "family_name_cyr", "gender",
              "birth_year", "organization", "position", "email", "email_alt", "phone",
              "languages", "bio", "visibility", "show_email", "show_phone", "consent_text",
              "is_verified", "is_active")
    data = {f: getattr(record, f) for f in fields}
    data.update(
        office=record.office.name, country=record.office.country,
        region=record.region.name_en if record.region else None,
        sectors=[s.name_en for s in record.sectors], has_photo=bool(record.photo_name),
        consent_at=_iso(record.consent_at), created_at=_iso(record.created_at),
        updated_at=_iso(record.updated_at),
        participations=[{
            "course_code": p.course.code, "course_title": p.course.title,
            "start_on": _iso(p.course.start_on), "end_on": _iso(p.course.end_on),
            "nominating_organization": p.nominating_organization,
            "position_at_nomination": p.position_at_nomination,
        } for p in record.participations],
        positions=[{"organization": p.organization, "position": p.position,
                    "started_on": _iso(p.started_on), "ended_on": _iso(p.ended_on)}
                   for p in record.positions],
    )
    return data


def _subjects(user: User, record: AlumnusRecord | None) -> list[tuple[str, list[int]]]:
    """The (subject type, ids) pairs of everything that is about the person."""
    claim_ids = db.session.scalars(sa.select(ClaimRequest.id)
                                   .where(ClaimRequest.user_id == user.id)).all()
    erasure_ids = db.session.scalars(sa.select(ErasureRequest.id)
                                     .where(ErasureRequest.user_id == user.id)).all()
    pairs = [("User", [user.id]), ("ClaimRequest", list(claim_ids)),
             ("ErasureRequest", list(erasure_ids))]
    if record is not None:
        pairs.append(("AlumnusRecord", [record.id]))
    return pairs


def _about(user: User, record: AlumnusRecord | None):
    return sa.or_(*[sa.and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_(ids))
                    for kind, ids in _subjects(user, record) if ids])


def _events_data(user: User, record: AlumnusRecord | None) -> list[dict]:
    events = db.session.scalars(
        sa.select(AuditEvent).where(sa.or_(_about(user, record), AuditEvent.actor_id == user.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
    by = {user.id: "self", None: "system"}
    return [{"occurred_at": _iso(e.occurred_at), "action": e.action,
             "by": by.get(e.actor_id, "staff"),
             "ip_address": e.ip_address if e.actor_id == user.id else None,
             "details": e.details_dict} for e in events]


def _requests_data(user: User) -> dict:
    claims = db.session.scalars(sa.select(ClaimRequest).where(ClaimRequest.user_id == user.id)
                                .order_by(ClaimRequest.id)).all()
    erasures = db.session.scalars(sa.select(ErasureRequest)
                                  .where(ErasureRequest.user_id == user.id)
                                  .order_by(ErasureRequest.id)).all()
    return {
        "claim_requests": [{"id": c.id, "state": c.state, "office": c.office.name,
                            "given_name": c.given_name, "family_name": c.family_name,
                            "birth_year": c.birth_year, "course": c.course, "note": c.note,
                            "created_at": _iso(c.created_at), "decided_at": _iso(c.decided_at)}
                           for c in claims],
        "erasure_requests": [{"id": e.id, "state": e.state, "created_at": _iso(e.created_at),
                              "completed_at": _iso(e.completed_at)} for e in erasures],
    }


def export_data(user: User) -> dict:
    """Everything the app holds about `user`: account, record, courses, posts, requests, events."""
    record = own_record(user)
    return {
        "generated_at": _iso(utcnow()),
        "account": _account_data(user),
        "record": _record_data(record) if record is not None else None,
        **_requests_data(user),
        "events": _events_data(user, record),
    }


# Erasure -----------------------------------------------------------------------------------------

def request_erasure(user: User) -> ErasureRequest:
    """Ask the office to erase the person; staff of the record's office act on it."""
    if pending_erasure(user) is not None:
        raise PrivacyError("already-pending")
    record, claim = own_record(user), pending_claim(user)
    # Without a record, the office the person asked to be matched by (else administrators) acts.
    office_id = record.office_id if record else claim.office_id if claim else None
    erasure = ErasureRequest(user_id=user.id, open_user_id=user.id,
                             record_id=record.id if record else None, office_id=office_id,
                             state=ErasureState.PENDING.value)
    db.session.add(erasure)
    db.session.flush()
    audit.record("erasure.requested", actor=user, subject=erasure, office_id=erasure.office_id)
    return erasure


def _anonymise_record(record: AlumnusRecord) -> None:
    photo = record.photo_name
    for field in ERASED_FIELDS:
        setattr(record, field, "")
    record.family_name = ERASED_NAME.format(id=record.id)
    record.birth_year, record.photo_name, record.name_key = None, None, ""
    record.visibility = Visibility.STAFF.value
    record.show_email = record.show_phone = False
    record.erased_at = utcnow()
    db.session.execute(sa.update(RecordPosition).where(RecordPosition.record_id == record.id)
                       .values(organization="", position=""))
    _void_invitations(record)
    db.session.execute(sa.update(ClaimInvitation).where(ClaimInvitation.record_id == record.id)
                       .values(email=""))
    record_services.refresh_search_terms(record)
    delete_photo_file(photo)


def _anonymise_account(actor: User, user: User) -> None:
    account_services.deactivate(actor, user)  # ends sessions and voids e-mailed tokens
    user.email = ERASED_EMAIL.format(id=user.id)
    user.display_name = ERASED_NAME.format(id=user.id)
    user.password_hash = user.totp_secret = None
    user.totp_enabled_at = user.totp_last_counter = None
    db.session.execute(sa.update(ClaimRequest).where(ClaimRequest.user_id == user.id).values(
        given_name="", family_name="", birth_year=None, course="", note=""))
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id)
                       .values(ip_address=None, user_agent=None))
    db.session.execute(sa.update(UserToken).where(UserToken.user_id == user.id)
                       .values(new_email=None))


def _redact_traces(user: User, record: AlumnusRecord | None, addresses: set[str]) -> None:
    """Remove personal values from the audit details and the mail outbox; keep the events."""
    db.session.execute(sa.update(AuditEvent).where(_about(user, record))
                       .values(details='{"redacted": true}'))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.actor_id == user.id)
                       .values(ip_address=None))
    addresses = {a.lower() for a in addresses if a}
    if addresses:
        mail = OutboundEmail.recipient.in_(addresses)
        db.session.execute(sa.delete(OutboundEmail).where(mail, OutboundEmail.sent_at.is_(None)))
        db.session.execute(sa.update(OutboundEmail).where(mail).values(
            recipient=ERASED_EMAIL.format(id=user.id), body=""))


def anonymise(actor: User, erasure: ErasureRequest) -> None:
    """Erase the person: names, contacts, photo and account details go; counts and courses stay."""
    if erasure.state != ErasureState.PENDING.value:
        raise PrivacyError("decided")
    user = erasure.user
    record = erasure.record or own_record(user)
    addresses = {user.email}
    if record is not None:
        addresses |= {record.email, record.email_alt}
        _anonymise_record(record)
    _anonymise_account(actor, user)
    _withdraw_claims(user)
    _redact_traces(user, record, addresses)
    completed_by = actor.id
    erasure.state, erasure.open_user_id = ErasureState.COMPLETED.value, None
    erasure.completed_at, erasure.completed_by_id = utcnow(), completed_by
    audit.record("record.erased", actor=actor, subject=record or user, office_id=erasure.office_id,
                 erasure_id=erasure.id)


# Photos ------------------------------------------------------------------------------------------

def photo_path(name: str | None) -> Path | None:
    if not name or not PHOTO_NAME.match(name):
        return None
    return Path(current_app.instance_path) / "photos" / name


def delete_photo_file(name: str | None) -> None:
    path = photo_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


def _decode_photo(data: bytes) -> Image.Image:
    """Open an upload as a picture, trusting its content only: JPEG or PNG, not a pixel bomb."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise PrivacyError("photo-type")
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise PrivacyError("photo-invalid")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PrivacyError("photo-invalid") from exc
    return image


def set_photo(actor: User, record: AlumnusRecord, data: bytes) -> str | None:
    """Store a re-encoded, resized copy of an uploaded picture; return the old file's name."""
    if len(data) > PHOTO_MAX_BYTES:
        raise PrivacyError("photo-too-large")
    image = ImageOps.exif_transpose(_decode_photo(data))
    if image.mode not in ("RGB", "L"):
        canvas = Image.new("RGB", image.size, "white")
        canvas.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
        image = canvas
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    name = f"{secrets.token_hex(16)}.jpg"
    path = photo_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, "JPEG", quality=85)  # re-encoded: no metadata, no payload
    old, record.photo_name = record.photo_name, name
    audit.record("record.photo_changed", actor=actor, subject=record, office_id=record.office_id)
    return old


def remove_photo(actor: User, record: AlumnusRecord) -> str | None:
    old, record.photo_name = record.photo_name, None
    if old:
        audit.record("record.photo_removed", actor=actor, subject=record,
                     office_id=record.office_id)
    return old
