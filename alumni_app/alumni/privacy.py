"""Privacy and consent, a person's data export, and erasure on request."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from alumni_app import audit, hooks
from alumni_app.accounts import services as account_services
from alumni_app.accounts.models import User, UserSession, UserToken
from alumni_app.alumni import services as record_services
from alumni_app.alumni.claim_models import (
    ClaimInvitation,
    ClaimRequest,
    ErasureRequest,
    ErasureState,
)
from alumni_app.alumni.claims import (
    PrivacyError,
    pending_claim,
    pending_erasure,
    void_invitations,
    withdraw_claims,
)
from alumni_app.alumni.models import VISIBILITY_VALUES, AlumnusRecord, RecordPosition, Visibility
from alumni_app.alumni.photos import delete_photo_file
from alumni_app.alumni.policy import own_record
from alumni_app.audit import AuditEvent
from alumni_app.countries import country_name
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.mail import OutboundEmail
from alumni_app.training.models import Participation

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


# Privacy and consent -----------------------------------------------------------------------------

def consent_wording(locale: str) -> str:
    """The consent wording as a person reading `locale` sees it."""
    with force_locale(locale):
        return str(CONSENT_WORDING)


def consent_wordings() -> frozenset[str]:
    """The consent wording in each language of the app: agreeing in one is agreeing in all."""
    return frozenset(consent_wording(code) for code in current_app.config["LANGUAGES"])


def has_consent(record: AlumnusRecord) -> bool:
    """Consent on record to the current wording, in whichever language it was given."""
    return record.consent_at is not None and record.consent_text in consent_wordings()


def save_privacy(actor: User, record: AlumnusRecord, *, visibility: str, show_email: bool,
                 show_phone: bool, consent: bool, wording: str) -> dict:
    """Set who sees the person; consent is stored with its date and exact wording.

    Consent already on record to the current wording (in any language) stays as given: its
    date and words are what the person agreed to, not the last time they saved the page.
    """
    if visibility not in VISIBILITY_VALUES:
        raise PrivacyError("visibility")
    if visibility != Visibility.STAFF.value and not consent:
        raise PrivacyError("consent-required")
    chosen = {"visibility": visibility, "show_email": show_email, "show_phone": show_phone}
    changes = {k: [getattr(record, k), v] for k, v in chosen.items() if getattr(record, k) != v}
    for key, value in chosen.items():
        setattr(record, key, value)
    event = "none"
    if consent and not has_consent(record):
        record.consent_at, record.consent_text, event = utcnow(), wording, "given"
    elif not consent and record.consent_at is not None:
        record.consent_at, record.consent_text, event = None, None, "withdrawn"
    audit.record("record.privacy_changed", actor=actor, subject=record,
                 office_id=record.office_id, changes=changes, consent=event,
                 consent_text=record.consent_text)
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
        office=record.office.name, country=country_name(record.office.country),
        region=record.region.name_en if record.region else None,
        sectors=[s.name_en for s in record.sectors], has_photo=bool(record.photo_name),
        post_started_on=_iso(record.post_started_on),
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
    """The (subject type, ids) pairs of everything that is about the person.

    The person's record includes the duplicates staff merged into it: they are about the same
    person.
    """
    claim_ids = db.session.scalars(sa.select(ClaimRequest.id)
                                   .where(ClaimRequest.user_id == user.id)).all()
    erasure_ids = db.session.scalars(sa.select(ErasureRequest.id)
                                     .where(ErasureRequest.user_id == user.id)).all()
    pairs = [("User", [user.id]), ("ClaimRequest", list(claim_ids)),
             ("ErasureRequest", list(erasure_ids))]
    if record is not None:
        pairs.append(("AlumnusRecord", [record.id, *record_services.merged_ids(record.id)]))
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


def register_export(app, key: str, title, collect, state_label=None) -> None:
    """Let a feature add what it holds about a person to their data download.

    `collect(user, record)` returns a list of dicts; each has at least "title" and may have
    "state" and "date" (the readable page shows those) and anything else (the JSON has it all).
    `state_label(code)`, if given, is the readable word for a state on the page.
    """
    hooks.register(app, hooks.PERSONAL_DATA, key, (title, collect))
    if state_label is not None:
        hooks.register(app, hooks.PERSONAL_DATA_LABELS, key, state_label)


def export_sections() -> list[tuple[str, object]]:
    return [(key, title) for key, (title, _collect) in
            hooks.registered(hooks.PERSONAL_DATA).items()]


def section_state_label(key: str, state) -> str:
    """A feature's word for a state on the readable data page (the code if it gave none)."""
    label = hooks.registered(hooks.PERSONAL_DATA_LABELS).get(key)
    return str(label(state)) if label is not None else str(state)


def export_data(user: User) -> dict:
    """Everything the app holds about `user`: account, record, courses, posts, requests, events,
    and what each feature registered (action plans, activities, grants)."""
    record = own_record(user)
    features = {key: collect(user, record) for key, (_title, collect) in
                hooks.registered(hooks.PERSONAL_DATA).items()}
    return {
        "generated_at": _iso(utcnow()),
        "account": _account_data(user),
        "record": _record_data(record) if record is not None else None,
        **_requests_data(user),
        **features,
        "events": _events_data(user, record),
    }


# Erasure -----------------------------------------------------------------------------------------

def register_erasure(app, key: str, erase) -> None:
    """Let a feature erase what it holds about a person when the person is erased.

    `erase(actor, user, record)` blanks the person's words and deletes their files, keeping
    what is counted (it is called with record None when the person had no record).
    """
    hooks.register(app, hooks.ERASURE, key, erase)


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
    # The courses stay (they are counted); the post held when nominated is the person's.
    db.session.execute(sa.update(Participation).where(Participation.record_id == record.id)
                       .values(nominating_organization="", position_at_nomination=""))
    void_invitations(record)
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


def _earlier_addresses(user: User) -> set[str]:
    """Addresses the account had or was asked to have: mail may have gone to any of them."""
    found = {a for a in db.session.scalars(sa.select(UserToken.new_email).where(
        UserToken.user_id == user.id, UserToken.new_email.is_not(None))) if a}
    for event in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id,
            AuditEvent.action == "account.email_changed")):
        found |= {event.details_dict.get(k) for k in ("old", "new")} - {None, ""}
    return found


def _distinctive(name: str | None) -> bool:
    """A name worth looking for in other people's mail: two words at least, not a bare 'Ali'."""
    return bool(name) and len(name.strip()) >= 5 and " " in name.strip()


def _redact_traces(user: User, record: AlumnusRecord | None, addresses: set[str],
                   names: set[str]) -> None:
    """Remove personal values from the audit details and the mail outbox; keep the events.

    Mail to the person's addresses (current and earlier) loses its address and body; mail to
    others that names the person or one of their addresses (a team invitation, a staff notice)
    loses its body; what was still waiting to be sent is not sent.
    """
    addresses = {a.lower() for a in addresses if a}
    mentioned = [*addresses, *(n for n in names if _distinctive(n))]
    typed = [AuditEvent.details.contains(a, autoescape=True) for a in addresses]
    db.session.execute(sa.update(AuditEvent).where(sa.or_(_about(user, record), *typed))
                       .values(details='{"redacted": true}'))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.actor_id == user.id)
                       .values(ip_address=None))
    if not mentioned:
        return
    to_person = sa.func.lower(OutboundEmail.recipient).in_(addresses) if addresses else sa.false()
    about_person = sa.or_(*[column.contains(text, autoescape=True) for text in mentioned
                            for column in (OutboundEmail.body, OutboundEmail.subject)])
    db.session.execute(sa.delete(OutboundEmail).where(sa.or_(to_person, about_person),
                                                      OutboundEmail.sent_at.is_(None)))
    db.session.execute(sa.update(OutboundEmail).where(to_person).values(
        recipient=ERASED_EMAIL.format(id=user.id), subject="", body=""))
    db.session.execute(sa.update(OutboundEmail).where(about_person).values(subject="", body=""))


def anonymise(actor: User, erasure: ErasureRequest) -> None:
    """Erase the person: names, contacts, photo and account details go; counts and courses stay."""
    if erasure.state != ErasureState.PENDING.value:
        raise PrivacyError("decided")
    user = erasure.user
    # The record linked now; else the one asked about, or the record it was merged into since.
    record = own_record(user) or record_services.survivor(erasure.record)
    if record is not None and record.office_id != erasure.office_id:
        raise PrivacyError("erasure-other-office")  # only the record's own office erases it
    addresses, names = {user.email} | _earlier_addresses(user), {user.display_name}
    if record is not None:
        # The duplicates merged into the record are the same person: they go too.
        duplicates = [db.session.get(AlumnusRecord, i)
                      for i in record_services.merged_ids(record.id)]
        for each in (record, *duplicates):
            addresses |= {each.email, each.email_alt}
            names |= {each.latin_name, each.cyrillic_name}
            _anonymise_record(each)
    for erase in hooks.registered(hooks.ERASURE).values():
        erase(actor, user, record)
    _anonymise_account(actor, user)
    withdraw_claims(user)
    _redact_traces(user, record, addresses, names)
    completed_by = actor.id
    erasure.state, erasure.open_user_id = ErasureState.COMPLETED.value, None
    erasure.completed_at, erasure.completed_by_id = utcnow(), completed_by
    audit.record("record.erased", actor=actor, subject=record or user, office_id=erasure.office_id,
                 erasure_id=erasure.id)


# Photos ------------------------------------------------------------------------------------------
