"""Who may do what in the Mini-Grant Scheme.

Three kinds of actor take workflow actions (workflow.py names one per transition): the applicant
(the alumnus who owns the application), the staff of the call's office, and its managers (and
administrators). Reviewers are staff of the office assigned to an application.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from alumni_app.alumni.policy import own_record
from alumni_app.extensions import db
from alumni_app.grants.models import (
    EDITABLE_STATES,
    AppState,
    CallState,
    GrantApplication,
    GrantCall,
    TeamMember,
    TeamState,
)
from alumni_app.grants.review_models import Review, ReviewState
from alumni_app.permissions import (
    Role,
    is_staff,
    reaches,
    same_office,
    scope_to_office,
    user_role,
)

MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
GRANT_STATES = (AppState.APPROVED.value, AppState.CLOSED.value)


class Actor(enum.StrEnum):
    APPLICANT = "applicant"
    STAFF = "staff"
    MANAGER = "manager"


def _application_of(obj) -> GrantApplication | None:
    """The application a tranche, report or move belongs to (itself for an application)."""
    if isinstance(obj, GrantCall):
        return None
    if isinstance(obj, GrantApplication):
        return obj
    return db.session.get(GrantApplication, obj.application_id)


def _call_of(obj) -> GrantCall:
    return obj if isinstance(obj, GrantCall) else _application_of(obj).call


def is_office_staff(user, obj) -> bool:
    return is_staff(user) and same_office(user, _call_of(obj).office_id)


def is_office_manager(user, obj) -> bool:
    return user_role(user) in MANAGING_ROLES and same_office(user, _call_of(obj).office_id)


def is_applicant(user, application: GrantApplication) -> bool:
    return user_role(user) is Role.ALUMNUS and application.applicant_id == user.id


_CONFLICTS = "grants.conflicts"  # db.session.info: (user id, application id) -> declared


def has_conflict(user, application: GrantApplication) -> bool:
    """`user` declared a conflict of interest on this application (as its reviewer).

    Read once per transaction: a route's rule and the transition it then applies ask the same
    question, and the answer cannot change in between but through declare_conflict(), which
    calls forget_conflicts().
    """
    if not is_staff(user):
        return False
    known = db.session.info.setdefault(_CONFLICTS, {})
    key = (user.id, application.id)
    if key not in known:
        known[key] = db.session.scalar(sa.select(Review.id).where(
            Review.application_id == application.id, Review.reviewer_id == user.id,
            Review.state == ReviewState.CONFLICT.value)) is not None
    return known[key]


def forget_conflicts(session=None) -> None:
    (session or db.session).info.pop(_CONFLICTS, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction) -> None:
    forget_conflicts(session)


def actor_kinds(user, obj) -> set[Actor]:
    """The roles `user` plays towards a call or an application (or a part of one).

    A member of staff who declared a conflict of interest on an application plays none: they
    do not screen it, send it back, decide it, pay it, nor accept its reports or moves.
    """
    kinds = set()
    application = _application_of(obj)
    if application is not None and is_applicant(user, application):
        kinds.add(Actor.APPLICANT)
    if application is not None and has_conflict(user, application):
        return kinds
    if is_office_staff(user, obj):
        kinds.add(Actor.STAFF)
    if is_office_manager(user, obj):
        kinds.add(Actor.MANAGER)
    return kinds


# Calls
def can_manage_calls(user) -> bool:
    """Managers (and administrators) open calls for their office."""
    return user_role(user) in MANAGING_ROLES


def can_view_call(user, call: GrantCall, own_office_id: int | None = None) -> bool:
    """Staff see their office's calls; alumni see the published calls of their own office."""
    if is_staff(user):
        return same_office(user, call.office_id)
    return (call.state != CallState.DRAFT.value and own_office_id is not None
            and own_office_id == call.office_id)


@reaches(GrantCall)
def can_see_call(user, call: GrantCall) -> bool:
    """can_view_call(), for an alumnus with the office of the record they claimed."""
    record = None if is_staff(user) else own_record(user)
    return can_view_call(user, call, record.office_id if record is not None else None)


def can_edit_call(user, call: GrantCall) -> bool:
    """The call's terms change only while it is a draft; then publishing freezes them."""
    return is_office_manager(user, call) and call.state == CallState.DRAFT.value


def visible_calls(query: sa.Select, user, own_office_id: int | None) -> sa.Select:
    if is_staff(user):
        return scope_to_office(query, GrantCall.office_id, user)
    if own_office_id is None:
        return query.where(sa.false())
    return query.where(GrantCall.office_id == own_office_id,
                       GrantCall.state != CallState.DRAFT.value)


# Applications
def team_member(user, application: GrantApplication) -> TeamMember | None:
    return next((m for m in application.team if m.user_id == getattr(user, "id", None)), None)


def can_handle_application(user, application: GrantApplication) -> bool:
    """The office's staff, once the application was submitted (a draft is the applicant's,
    and stays so when withdrawn before it was ever submitted)."""
    return is_office_staff(user, application) and application.submitted_at is not None


@reaches(GrantApplication)
def can_view_application(user, application: GrantApplication) -> bool:
    """The applicant, the co-applicants they invited, and (once submitted) the office's staff."""
    if is_applicant(user, application) or can_handle_application(user, application):
        return True
    member = team_member(user, application)
    return member is not None and member.state != TeamState.DECLINED.value


def can_edit_application(user, application: GrantApplication) -> bool:
    """Only the applicant, only a draft or an application sent back for revision."""
    return is_applicant(user, application) and application.state in EDITABLE_STATES


def can_answer_invitation(user, member: TeamMember) -> bool:
    """The person invited, once: an invitation answered (confirmed or declined) stays so."""
    return (user_role(user) is Role.ALUMNUS and member.user_id == user.id
            and member.state == TeamState.INVITED.value
            and member.application.state in EDITABLE_STATES)


@reaches(TeamMember)
def can_see_team_member(user, member: TeamMember) -> bool:
    """The person invited, and who may see the application."""
    return member.user_id == getattr(user, "id", None) or can_view_application(
        user, member.application)


def can_comment(user, application: GrantApplication) -> bool:
    """The applicant, and the office's staff on what they may handle: a draft is the
    applicant's alone (a comment shared on it would e-mail someone staff may not read), and
    who declared a conflict of interest on it takes no part in the exchange."""
    return is_applicant(user, application) or (
        can_handle_application(user, application) and not has_conflict(user, application))


def can_see_internal(user, application: GrantApplication) -> bool:
    """Internal comments and events are for the office's staff only, and not for who declared
    a conflict of interest on the application (they hold the other reviewers' names, the
    screening and the deliberation)."""
    return is_office_staff(user, application) and not has_conflict(user, application)


# Review
def can_assign_reviewers(user, application: GrantApplication) -> bool:
    return (is_office_manager(user, application) and not has_conflict(user, application)
            and application.state in (AppState.SUBMITTED.value, AppState.IN_REVIEW.value,
                                      AppState.REVISION_REQUESTED.value))


def can_review(user, review) -> bool:
    """A reviewer works on their own assignment, while it is under review."""
    application = db.session.get(GrantApplication, review.application_id)
    return (review.reviewer_id == getattr(user, "id", None) and is_office_staff(user, application)
            and application.state == AppState.IN_REVIEW.value)


def can_remind_reviewers(user, application: GrantApplication) -> bool:
    """A manager of the office without a declared conflict on the application."""
    return is_office_manager(user, application) and not has_conflict(user, application)


# Money
def can_record_refund(user, application: GrantApplication) -> bool:
    return (is_office_staff(user, application) and application.state == AppState.APPROVED.value
            and not has_conflict(user, application))
