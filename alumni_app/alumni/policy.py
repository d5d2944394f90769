"""Who may see and change ex-participant records."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from alumni_app.alumni.claim_models import ClaimRequest, ErasureRequest
from alumni_app.alumni.models import AlumnusRecord, Visibility
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.permissions import Role, is_staff, reaches, same_office, scope_to_office, user_role


def own_record(user) -> AlumnusRecord | None:
    """The record an alumnus has claimed, if any."""
    if user_role(user) is not Role.ALUMNUS:
        return None
    return db.session.scalar(
        sa.select(AlumnusRecord)
        .where(AlumnusRecord.user_id == user.id)
        .options(lazyload(AlumnusRecord.sectors), lazyload(AlumnusRecord.region))
    )


def record_office_zone(user) -> str | None:
    """The time zone of the office that keeps an alumnus's record (None without a record)."""
    if user_role(user) is not Role.ALUMNUS:
        return None
    return db.session.scalar(
        sa.select(Office.time_zone).join(AlumnusRecord, AlumnusRecord.office_id == Office.id)
        .where(AlumnusRecord.user_id == user.id))


def visible_records(query: sa.Select, user, *, own: AlumnusRecord | None = None) -> sa.Select:
    """Restrict a select() of records to those `user` may see in the directory."""
    if is_staff(user):
        return scope_to_office(query, AlumnusRecord.office_id, user)
    shown = sa.and_(AlumnusRecord.is_active, AlumnusRecord.erased_at.is_(None))
    audience = AlumnusRecord.visibility == Visibility.ALL.value
    if own is not None:
        same_country = sa.and_(AlumnusRecord.visibility == Visibility.COUNTRY.value,
                               AlumnusRecord.office_id == own.office_id)
        audience = sa.or_(audience, same_country, AlumnusRecord.id == own.id)
    return query.where(shown, audience)


def can_list_inactive(user) -> bool:
    """Staff may list their office's deactivated records in the directory too."""
    return is_staff(user)


def can_edit_record(user, record: AlumnusRecord) -> bool:
    """Staff edit every field of their office's records."""
    return is_staff(user) and same_office(user, record.office_id)


def can_view_record(user, record: AlumnusRecord, own: AlumnusRecord | None = None) -> bool:
    if is_staff(user):
        return same_office(user, record.office_id)
    if not record.is_active or record.erased_at is not None:
        return False
    if own is not None and own.id == record.id:
        return True
    if record.visibility == Visibility.ALL.value:
        return True
    return (record.visibility == Visibility.COUNTRY.value and own is not None
            and own.office_id == record.office_id)


@reaches(AlumnusRecord)
def can_see_record(user, record: AlumnusRecord) -> bool:
    """Whether `user` may see `record` at all (its own person, the directory, its office)."""
    return can_view_record(user, record, own_record(user))


def can_see_contact(user, record: AlumnusRecord, field: str,
                    own: AlumnusRecord | None = None) -> bool:
    """Staff of the office see contact details; alumni only what the person chose to show."""
    if is_staff(user):
        return same_office(user, record.office_id)
    if own is not None and own.id == record.id:
        return True
    return bool(getattr(record, f"show_{field}"))


@reaches(ClaimRequest)
def can_review_claim(user, claim: ClaimRequest) -> bool:
    return is_staff(user) and same_office(user, claim.office_id)


def can_invite_to_claim(user, record: AlumnusRecord) -> bool:
    return can_edit_record(user, record)


@reaches(ErasureRequest)
def can_handle_erasure(user, erasure: ErasureRequest) -> bool:
    return is_staff(user) and same_office(user, erasure.office_id)


def can_edit_profile(user, record: AlumnusRecord | None) -> bool:
    """An alumnus edits the profile fields of the record linked to their account."""
    return (record is not None and user_role(user) is Role.ALUMNUS
            and record.user_id == user.id and record.erased_at is None)
