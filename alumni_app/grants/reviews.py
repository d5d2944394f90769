"""Screening and review: eligibility, reviewer assignments, conflicts, scores, comments.

Reviewers are staff of the call's office, assigned by a manager. A reviewer who declares a
conflict of interest cannot score that application. Scores of other reviewers stay hidden from a
reviewer until their own review is submitted (visible_reviews).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.accounts.models import User
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import notifications, workflow
from alumni_app.grants.errors import GrantError
from alumni_app.grants.models import ApplicationVersion, GrantApplication
from alumni_app.grants.policy import can_see_internal, forget_conflicts, is_office_staff
from alumni_app.grants.reads import is_reviewer, progress, reviews_of  # noqa: F401 - re-exported
from alumni_app.grants.review_models import (
    RECOMMENDATIONS,
    GrantComment,
    Review,
    ReviewState,
    Score,
)
from alumni_app.permissions import STAFF_ROLES

MESSAGES = {
    "not-staff": _l("Reviewers are staff of the call's office."),
    "already-assigned": _l("%(name)s is already a reviewer of this application."),
    "conflict": _l("You declared a conflict of interest: you cannot review this application."),
    "submitted": _l("Your review was submitted and can no longer be changed."),
    "score-range": _l("Give a score from 1 to %(max)s."),
    "score-missing": _l("Score every criterion."),
    "unknown-criterion": _l("This criterion is not one of the call's."),
    "recommendation": _l("Choose a recommendation."),
    "version-changed": _l("The applicant revised this application since you opened this form: "
                          "version %(number)s is the current one. Your scores are still below: "
                          "read what changed (its versions page), then submit the review of "
                          "this version."),
}


class ReviewError(GrantError):
    MESSAGES = MESSAGES


def current_version(application: GrantApplication) -> int | None:
    """The number of the application's latest submitted version."""
    return db.session.scalar(sa.select(sa.func.max(ApplicationVersion.number)).where(
        ApplicationVersion.application_id == application.id))


def earlier_version_reviews(application: GrantApplication) -> list[Review]:
    """The reviews of an earlier version a decision would rely on: none while the current
    version has the required number of reviews, else the submitted reviews that scored a
    version before the current one (the application was revised since)."""
    current = current_version(application)
    submitted = [r for r in reviews_of(application) if r.state == ReviewState.SUBMITTED.value]
    earlier = [r for r in submitted if current is not None and r.version_number is not None
               and r.version_number < current]
    if len(submitted) - len(earlier) >= application.call.reviews_required:
        return []
    return earlier


def own_review(user, application: GrantApplication) -> Review | None:
    return db.session.scalar(sa.select(Review).filter_by(
        application_id=application.id, reviewer_id=getattr(user, "id", None)))


def candidate_reviewers(application: GrantApplication) -> list[User]:
    """Active staff of the call's office who are not yet reviewers of this application."""
    assigned = sa.select(Review.reviewer_id).where(Review.application_id == application.id)
    return list(db.session.scalars(
        sa.select(User).where(User.office_id == application.call.office_id, User.is_active,
                              User.role.in_([r.value for r in STAFF_ROLES]),
                              User.id.not_in(assigned))
        .order_by(User.display_name)))


def assign(actor, application: GrantApplication, reviewer: User) -> Review:
    """A manager asks a member of staff to review; the reviewer is told by e-mail."""
    if not is_office_staff(reviewer, application) or not reviewer.is_active:
        raise ReviewError("not-staff", "reviewer_id")
    if is_reviewer(reviewer, application):
        raise ReviewError("already-assigned", "reviewer_id", name=reviewer.display_name)
    review = Review(application_id=application.id, reviewer_id=reviewer.id,
                    assigned_by_id=actor.id, reviewer=reviewer)
    db.session.add(review)
    db.session.flush()
    workflow.record_event(application, "reviewer_assigned", actor=actor,
                          message=reviewer.display_name, internal=True)
    notifications.reviewer_assigned(review, application)
    return review


def declare_conflict(actor, review: Review, note: str) -> None:
    """The reviewer has a conflict of interest: they step aside and cannot score this one."""
    if review.state == ReviewState.SUBMITTED.value:
        raise ReviewError("submitted", status=409)
    review.state, review.conflict_note = ReviewState.CONFLICT.value, note
    forget_conflicts()
    application = db.session.get(GrantApplication, review.application_id)
    workflow.record_event(application, "conflict_declared", actor=actor, message=note,
                          internal=True)


@dataclass
class ScoreInput:
    criterion_id: int
    score: int | None
    comment: str = ""


def weighted_score(scores: dict[int, int], criteria) -> Decimal:
    """0..100: each criterion's score on its scale, weighted."""
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    if not total_weight:
        return Decimal(0)
    points = sum((Decimal(scores[c.id]) / c.scale_max * c.weight for c in criteria),
                 Decimal(0))
    return (points / total_weight * 100).quantize(Decimal("0.01"))


def _check_scores(criteria, inputs: list[ScoreInput], complete: bool) -> dict[int, ScoreInput]:
    by_id = {c.id: c for c in criteria}
    given = {}
    for item in inputs:
        criterion = by_id.get(item.criterion_id)
        if criterion is None:
            raise ReviewError("unknown-criterion")
        if item.score is not None and not 1 <= item.score <= criterion.scale_max:
            raise ReviewError("score-range", f"score_{criterion.id}", max=criterion.scale_max)
        if item.score is not None:
            given[criterion.id] = item
    missing = [c for c in criteria if c.id not in given]
    if complete and missing:
        raise ReviewError("score-missing", f"score_{missing[0].id}")
    return given


def save_review(actor, review: Review, inputs: list[ScoreInput], recommendation: str | None,
                comment: str, *, submit: bool, seen_version: int | None) -> None:
    """Save scores (a draft the reviewer returns to) or submit them, which is final.

    A submitted review records the version the reviewer read (`seen_version`, the one current
    when the form was opened); if the application was revised since, it is refused instead.
    """
    if review.state == ReviewState.CONFLICT.value:
        raise ReviewError("conflict", status=409)
    if review.state == ReviewState.SUBMITTED.value:
        raise ReviewError("submitted", status=409)
    application = db.session.get(GrantApplication, review.application_id)
    current = current_version(application)
    if submit and seen_version != current:
        raise ReviewError("version-changed", status=409, number=current)
    criteria = application.call.criteria
    given = _check_scores(criteria, inputs, complete=submit)
    if (submit or recommendation) and recommendation not in RECOMMENDATIONS:
        raise ReviewError("recommendation", "recommendation")
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, item in given.items():
        score = existing.get(criterion_id) or Score(review_id=review.id,
                                                    criterion_id=criterion_id)
        score.score, score.comment = item.score, item.comment
        db.session.add(score)
    review.comment, review.recommendation = comment, recommendation
    if submit:
        review.weighted_score = weighted_score({k: v.score for k, v in given.items()}, criteria)
        review.state, review.submitted_at = ReviewState.SUBMITTED.value, utcnow()
        review.version_number = current
        workflow.record_event(application, "review_submitted", actor=actor, internal=True)
    db.session.flush()
    db.session.expire(review, ["scores"])


def visible_reviews(user, application: GrantApplication) -> list[Review]:
    """The reviews whose scores `user` may read: none of the others' before their own is in."""
    reviews = reviews_of(application)
    mine = next((r for r in reviews if r.reviewer_id == getattr(user, "id", None)), None)
    if mine is not None and mine.state != ReviewState.SUBMITTED.value:
        return []
    return [r for r in reviews if r.state == ReviewState.SUBMITTED.value]


def average_score(visible: list[Review]) -> Decimal | None:
    """The mean weighted score of the reviews a user may read (visible_reviews)."""
    scores = [r.weighted_score for r in visible if r.weighted_score is not None]
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"))


def remind(actor, application: GrantApplication) -> int:
    """E-mail every reviewer whose review is missing; return how many were reminded."""
    missing = progress(application)[2]
    for review in missing:
        review.reminded_at = utcnow()
        notifications.reviewer_reminder(review, application)
    if missing:
        workflow.record_event(application, "reviewers_reminded", actor=actor, internal=True,
                              message=", ".join(r.reviewer.display_name for r in missing))
    return len(missing)


def screen(actor, application: GrantApplication, eligible: bool, note: str) -> None:
    """Staff check eligibility: eligible goes to review; not eligible needs the reason."""
    application.screening_note = note
    action = "mark_eligible" if eligible else "mark_ineligible"
    # Only a refusal's reason is for the applicant; a note on an eligible one stays internal.
    workflow.apply_transition(application, action, actor=actor, message="" if eligible else note)
    if not eligible:
        notifications.decision(application)


def request_revision(actor, application: GrantApplication, message: str) -> None:
    workflow.apply_transition(application, "request_revision", actor=actor, message=message)
    notifications.revision_requested(application, message)


def add_comment(actor, application: GrantApplication, body: str, shared: bool) -> GrantComment:
    """Staff write internal or shared comments; the applicant's comments are always shared."""
    shared = shared or not is_office_staff(actor, application)
    comment = GrantComment(application_id=application.id, author_id=actor.id, body=body,
                           is_shared=shared, author=actor)
    db.session.add(comment)
    db.session.flush()
    if shared and is_office_staff(actor, application):
        notifications.comment_shared(application, comment)
    return comment


def comments_for(user, application: GrantApplication) -> list[GrantComment]:
    """The comments `user` may read: internal ones only where policy.can_see_internal."""
    query = sa.select(GrantComment).where(GrantComment.application_id == application.id)
    if not can_see_internal(user, application):
        query = query.where(GrantComment.is_shared)
    return list(db.session.scalars(query.order_by(GrantComment.id)))
