"""Changes to ex-participant records: create, edit, posts, merge, deactivate, search terms."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa

from alumni_app import audit, hooks
from alumni_app.alumni import merge_parts
from alumni_app.alumni.models import AlumnusRecord, RecordPosition, SearchTerm, record_sectors
from alumni_app.alumni.names import keys, name_key
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.training.models import Participation, RemovedParticipation, Sector

PROFILE_FIELDS = ("organization", "position", "email_alt", "phone", "languages", "bio")
STAFF_FIELDS = (
    "given_name", "family_name", "given_name_cyr", "family_name_cyr", "gender", "birth_year",
    "region_id", "email", *PROFILE_FIELDS, "post_started_on", "is_verified",
)
POST_FIELDS = ("organization", "position")
POST_VALUES = ("organization", "position", "started_on", "ended_on")
ADDRESS_FIELDS = merge_parts.ADDRESS_FIELDS
SEARCHED_FIELDS = ("given_name", "family_name", "given_name_cyr", "family_name_cyr",
                   "organization", "position")


class RecordError(DomainError):
    pass


class PostChange(enum.StrEnum):
    """What a changed organization or position means."""

    MOVED = "moved"  # the person took a new post: the old one is kept with its dates
    CORRECTED = "corrected"  # the current entry was wrong: it is corrected in place


class PostDateError(RecordError):
    """A post's dates do not fit: before the current post, in the future, or end before start."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def search_terms(record: AlumnusRecord) -> set[str]:
    """Return the keys under which a record is found."""
    return {key for f in SEARCHED_FIELDS if (text := getattr(record, f)) for key in keys(text)}


def refresh_search_terms(record: AlumnusRecord) -> None:
    """Replace the record's search terms (none for inactive or erased records)."""
    db.session.execute(sa.delete(SearchTerm).where(SearchTerm.record_id == record.id))
    if record.is_active and record.erased_at is None:
        terms = search_terms(record)
        if terms:
            db.session.execute(sa.insert(SearchTerm), [
                {"term": t, "record_id": record.id, "office_id": record.office_id}
                for t in terms])


def _set_sectors(record: AlumnusRecord, sector_ids: list[int] | None) -> None:
    if sector_ids is None:
        return
    sectors = db.session.scalars(sa.select(Sector).where(Sector.id.in_(sector_ids))).all()
    record.sectors = list(sectors)


def _apply(record: AlumnusRecord, values: dict, allowed: tuple[str, ...]) -> dict:
    """Set allowed fields; return {field: [old, new]} for those that changed."""
    changes = {}
    for field in allowed:
        if field in values and getattr(record, field) != values[field]:
            changes[field] = [getattr(record, field), values[field]]
            setattr(record, field, values[field])
    return changes


def post_changed(record: AlumnusRecord, values: dict) -> bool:
    return any(f in values and (values[f] or "") != (getattr(record, f) or "")
               for f in POST_FIELDS)


def check_move(record: AlumnusRecord, moved_on: date | None) -> None:
    """A move happens by today, and not before the current post began."""
    if moved_on is None:
        return
    if moved_on > utcnow().date():
        raise PostDateError("future")
    if record.post_started_on and moved_on < record.post_started_on:
        raise PostDateError("before-current", date=record.post_started_on)


def _keep_post_history(record: AlumnusRecord, changes: dict, moved_on: date | None,
                       before: date | None) -> None:
    """On a move, keep the old post with its dates (`before` to `moved_on`).

    An import does not say when the person moved: the old post ended by the day of the import
    at the latest, so it ends then (and sorts among the earlier posts by that date), while the
    new post's start stays unknown.
    """
    if not set(POST_FIELDS) & changes.keys():
        return
    old_org = changes.get("organization", [record.organization])[0]
    old_pos = changes.get("position", [record.position])[0]
    if old_org or old_pos:
        ended = moved_on or utcnow().date()
        db.session.add(RecordPosition(record_id=record.id, organization=old_org or "",
                                      position=old_pos or "", started_on=before,
                                      ended_on=max(ended, before) if before else ended))
    record.post_started_on = moved_on
    changes.pop("post_started_on", None)
    if before != moved_on:
        changes["post_started_on"] = [before, moved_on]


def create_record(actor, office_id: int, values: dict, sector_ids: list[int] | None = None):
    record = AlumnusRecord(office_id=office_id)
    _apply(record, values, STAFF_FIELDS)
    record.name_key = name_key(record.family_name or record.family_name_cyr,
                               record.given_name or record.given_name_cyr)
    db.session.add(record)
    db.session.flush()
    _set_sectors(record, sector_ids)
    refresh_search_terms(record)
    audit.record("record.created", actor=actor, subject=record, office_id=office_id)
    return record


def update_record(actor, record: AlumnusRecord, values: dict, *, fields=STAFF_FIELDS,
                  sector_ids: list[int] | None = None, post_change: str | None = None,
                  moved_on: date | None = None, source: dict | None = None) -> dict:
    """Apply an edit by staff (all fields) or by the alumnus (their profile fields).

    A changed organization or position is a move to a new post from `moved_on` (the old post
    is kept) or a correction of the current entry, as `post_change` says.
    """
    moving = post_change != PostChange.CORRECTED and post_changed(record, values)
    if moving:
        check_move(record, moved_on)
    before = record.post_started_on
    changes = _apply(record, values, fields)
    if moving:
        _keep_post_history(record, changes, moved_on, before)
    if sector_ids is not None:
        before = sorted(s.id for s in record.sectors)
        _set_sectors(record, sector_ids)
        after = sorted(s.id for s in record.sectors)
        if before != after:
            changes["sectors"] = [before, after]
    record.name_key = name_key(record.family_name or record.family_name_cyr,
                               record.given_name or record.given_name_cyr)
    if changes.keys() & set(SEARCHED_FIELDS):
        refresh_search_terms(record)
    if changes:
        post = ({"post": post_change or PostChange.MOVED.value, "moved_on": moved_on}
                if set(POST_FIELDS) & changes.keys() else {})
        audit.record("record.updated", actor=actor, subject=record, office_id=record.office_id,
                     changes=changes, **post, **(source or {}))
    return changes


def save_post(actor, record: AlumnusRecord, post: RecordPosition | None,
              values: dict) -> RecordPosition:
    """Add or correct an earlier post of the record, with its dates."""
    start, end = values.get("started_on"), values.get("ended_on")
    if start and end and end < start:
        raise PostDateError("end-before-start")
    if end and end > utcnow().date():
        raise PostDateError("future")
    creating = post is None
    post = post or RecordPosition(record_id=record.id)
    changes = {f: [getattr(post, f), values[f]] for f in POST_VALUES
               if f in values and getattr(post, f) != values[f]}
    for field, (_old, new) in changes.items():
        setattr(post, field, new)
    db.session.add(post)
    db.session.flush()
    if changes or creating:
        audit.record("record.post_added" if creating else "record.post_updated", actor=actor,
                     subject=record, office_id=record.office_id, post_id=post.id,
                     changes=changes)
    db.session.expire(record, ["positions"])
    return post


def delete_post(actor, record: AlumnusRecord, post: RecordPosition) -> None:
    """Delete an earlier post entered by mistake; the history keeps what it said."""
    audit.record("record.post_deleted", actor=actor, subject=record, office_id=record.office_id,
                 post_id=post.id, post={f: getattr(post, f) for f in POST_VALUES})
    db.session.delete(post)
    db.session.flush()
    db.session.expire(record, ["positions"])


def set_active(actor, record: AlumnusRecord, active: bool) -> None:
    if active and record.merged_into_id is not None:
        raise RecordError("merge-merged-away")  # a live copy would show the person twice
    record.is_active = active
    refresh_search_terms(record)
    audit.record("record.reactivated" if active else "record.deactivated", actor=actor,
                 subject=record, office_id=record.office_id)


def add_participation(actor, record: AlumnusRecord, course_id: int, *,
                      nominating_organization: str = "", position: str = "") -> Participation:
    exists = db.session.scalar(sa.select(Participation.id).where(
        Participation.record_id == record.id, Participation.course_id == course_id))
    if exists:
        raise RecordError("already-on-course")
    # Staff adding it by hand overrule an earlier removal (the history keeps both).
    db.session.execute(sa.delete(RemovedParticipation).where(
        RemovedParticipation.record_id == record.id, RemovedParticipation.course_id == course_id))
    participation = Participation(record_id=record.id, course_id=course_id,
                                  nominating_organization=nominating_organization,
                                  position_at_nomination=position)
    db.session.add(participation)
    db.session.flush()
    audit.record("participation.added", actor=actor, subject=record, office_id=record.office_id,
                 course_id=course_id)
    return participation


NOMINATION_FIELDS = ("nominating_organization", "position_at_nomination")


def update_participation(actor, record: AlumnusRecord, participation: Participation,
                         values: dict) -> dict:
    """Correct who nominated the person for a course, and their position then."""
    changes = {f: [getattr(participation, f), values[f]] for f in NOMINATION_FIELDS
               if f in values and getattr(participation, f) != values[f]}
    for field, (_old, new) in changes.items():
        setattr(participation, field, new)
    if changes:
        audit.record("participation.updated", actor=actor, subject=record,
                     office_id=record.office_id, course_id=participation.course_id,
                     changes=changes)
    return changes


def participation_in_use(participation: Participation) -> str | None:
    """What keeps a course on the record: "plan" (an action plan, or anything else referring
    to the participation), what a feature registered says rests on it (grants: "grant", a
    grant application past its draft), or None."""
    table = Participation.__table__
    for other in db.metadata.sorted_tables:
        for key in other.foreign_keys:
            if key.column.table is table and db.session.scalar(
                    sa.select(sa.exists().where(key.parent == participation.id))):
                return "plan"
    for uses in hooks.registered(hooks.PARTICIPATION_USE).values():
        found = uses(participation)
        if found:
            return found
    return None


def register_participation_use(app, key: str, uses) -> None:
    """Let a feature say what of its own rests on a course of a record (`uses(participation)`
    returns a word for it, or None): the course then stays on the record."""
    hooks.register(app, hooks.PARTICIPATION_USE, key, uses)


def remove_participation(actor, record: AlumnusRecord, participation: Participation) -> None:
    """Remove a wrongly linked course; refused while an action plan or grant depends on it.

    The removal is remembered, so a later import of the same list does not link it again.
    """
    if reason := participation_in_use(participation):
        raise RecordError(f"participation-in-use-{reason}")
    audit.record("participation.removed", actor=actor, subject=record,
                 office_id=record.office_id, course_id=participation.course_id,
                 **{f: getattr(participation, f) for f in NOMINATION_FIELDS})
    _remember_removal(actor, record.id, participation.course_id)
    db.session.delete(participation)
    db.session.flush()
    db.session.expire(record, ["participations"])


def _remember_removal(actor, record_id: int, course_id: int) -> None:
    removal = db.session.scalar(sa.select(RemovedParticipation).where(
        RemovedParticipation.record_id == record_id, RemovedParticipation.course_id == course_id))
    removal = removal or RemovedParticipation(record_id=record_id, course_id=course_id)
    removal.removed_at, removal.removed_by_id = utcnow(), getattr(actor, "id", None)
    db.session.add(removal)


def merged_ids(record_id: int) -> list[int]:
    """The ids of every record merged into `record_id`, directly or through another merge."""
    found: list[int] = []
    level = [record_id]
    while level and len(found) < 10_000:
        level = [i for i in db.session.scalars(sa.select(AlumnusRecord.id).where(
            AlumnusRecord.merged_into_id.in_(level))) if i not in found and i != record_id]
        found += level
    return found


def survivor(record: AlumnusRecord | None) -> AlumnusRecord | None:
    """The record `record` lives on in: itself, or the record it was merged into (at the end of
    a chain of merges). Links and requests made before a merge follow the person."""
    for _ in range(100):  # merges into merged records are refused: chains stay short
        if record is None or record.merged_into_id is None:
            break
        record = db.session.get(AlumnusRecord, record.merged_into_id)
    return record


def register_merge(app, key: str, move) -> None:
    """Let a feature move what it holds about a duplicate to the record it is merged into.

    `move(actor, keep, duplicate)` runs in merge_records once the duplicate's participations
    of courses `keep` did not take belong to `keep`.
    """
    hooks.register(app, hooks.MERGE, key, move)


def check_mergeable(kept: AlumnusRecord, duplicate: AlumnusRecord) -> None:
    """Refuse a merge that would lose the person or form a loop (call before merge_records).

    Only two live records of one office merge: a record merged away already lives on in
    another (merging into it, or it into its own survivor, would hide both or form a cycle).
    """
    if kept.id == duplicate.id:
        raise RecordError("merge-same")
    if kept.office_id != duplicate.office_id:
        raise RecordError("merge-other-office")
    for record in (kept, duplicate):
        if record.merged_into_id is not None:
            raise RecordError("merge-merged-away")
        if record.erased_at is not None:
            raise RecordError("merge-erased")
        if not record.is_active:
            raise RecordError("merge-inactive")
    if kept.user_id and duplicate.user_id:
        raise RecordError("both-claimed")


def merge_records(actor, keep: AlumnusRecord, duplicate: AlumnusRecord) -> None:
    """Fold `duplicate` into `keep`: every participation, post and sector is kept."""
    if keep.id == duplicate.id or keep.office_id != duplicate.office_id:
        raise RecordError("cannot-merge")
    if keep.user_id and duplicate.user_id:
        raise RecordError("both-claimed")
    taken = {p.course_id for p in keep.participations}
    db.session.execute(
        sa.update(Participation)
        .where(Participation.record_id == duplicate.id, Participation.course_id.not_in(taken))
        .values(record_id=keep.id)
    )
    for move in hooks.registered(hooks.MERGE).values():
        move(actor, keep, duplicate)
    db.session.execute(sa.update(RecordPosition).where(RecordPosition.record_id == duplicate.id)
                       .values(record_id=keep.id))
    keep_sectors = {s.id for s in keep.sectors}
    _set_sectors(keep, sorted(keep_sectors | {s.id for s in duplicate.sectors}))
    filled = {f: getattr(duplicate, f) for f in STAFF_FIELDS
              if f not in ADDRESS_FIELDS and not getattr(keep, f) and getattr(duplicate, f)}
    if "organization" not in filled:  # the start date belongs to the duplicate's post
        filled.pop("post_started_on", None)
    _apply(keep, filled, STAFF_FIELDS)
    addresses, unkept = merge_parts.keep_addresses(keep, duplicate)
    filled.update(addresses)
    if duplicate.user_id and not keep.user_id:
        merge_parts.move_owner(keep, duplicate)
    elif keep.user_id and "phone" in filled:
        keep.show_phone = False  # a number the owner never entered is not shown unasked
    duplicate.is_active = False
    duplicate.merged_into_id = keep.id
    db.session.execute(sa.delete(record_sectors).where(record_sectors.c.record_id == duplicate.id))
    db.session.expire(keep, ["participations", "positions"])
    refresh_search_terms(keep)
    refresh_search_terms(duplicate)
    audit.record("record.merged", actor=actor, subject=keep, office_id=keep.office_id,
                 merged_id=duplicate.id, filled=sorted(filled),
                 duplicate_emails=[a for a in (duplicate.email, duplicate.email_alt) if a],
                 emails_not_kept=unkept)
