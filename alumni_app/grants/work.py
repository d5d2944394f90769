"""The grant work waiting for staff, and an alumnus's next grant steps, for the dashboards.

The conditions here say which applications wait for what; the dashboard counts them and the
office's application list (`grant_staff.applications`) lists them, so a count and its list
always agree. Counted in one statement per dashboard, whatever the number of applications.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import eligibility
from alumni_app.grants.models import (
    EDITABLE_STATES,
    AppState,
    GrantApplication,
    GrantCall,
    TeamMember,
    TeamState,
)
from alumni_app.grants.money_models import (
    OPEN_REPORT_STATES,
    GrantReport,
    Reallocation,
    ReportKind,
    ReportState,
    Tranche,
    TrancheState,
    awaited_reports,
)
from alumni_app.grants.review_models import Review, ReviewState
from alumni_app.permissions import Role, is_staff, scope_to_office, user_role

MANAGING_ROLES = (Role.MANAGER, Role.ADMIN)


def _reviewed_by(user):
    """`user` is a reviewer of the application (or declared a conflict on it)."""
    return sa.exists().where(Review.application_id == GrantApplication.id,
                             Review.reviewer_id == user.id)


def _conflict_of(user):
    return sa.exists().where(Review.application_id == GrantApplication.id,
                             Review.reviewer_id == user.id,
                             Review.state == ReviewState.CONFLICT.value)


def _reviews_in():
    done = (sa.select(sa.func.count(Review.id))
            .where(Review.application_id == GrantApplication.id,
                   Review.state == ReviewState.SUBMITTED.value)
            .correlate(GrantApplication).scalar_subquery())
    return done >= GrantCall.reviews_required


def _tranche_due(today: date):
    """A planned tranche of a running grant, due by today, whose previous report is accepted."""
    previous_accepted = sa.exists().where(
        GrantReport.application_id == Tranche.application_id,
        GrantReport.tranche_number == Tranche.number - 1,
        GrantReport.state == ReportState.ACCEPTED.value)
    return sa.and_(GrantApplication.state == AppState.APPROVED.value, sa.exists().where(
        Tranche.application_id == GrantApplication.id,
        Tranche.state == TrancheState.PLANNED.value, Tranche.planned_on <= today,
        sa.or_(Tranche.number == 1, previous_accepted)))


def waiting(kind: str, user, today: date):
    """The condition on GrantApplication (joined to its call) for `kind` of work."""
    if kind == "decision":
        return sa.and_(GrantApplication.state == AppState.IN_REVIEW.value, _reviews_in(),
                       ~_reviewed_by(user))
    if kind == "tranche":
        return sa.and_(_tranche_due(today), ~_conflict_of(user))
    if kind == "report":
        return sa.and_(sa.exists().where(GrantReport.application_id == GrantApplication.id,
                                         GrantReport.state == ReportState.SUBMITTED.value),
                       ~_conflict_of(user))
    if kind == "move":
        return sa.and_(sa.exists().where(Reallocation.application_id == GrantApplication.id,
                                         Reallocation.state == "pending"), ~_conflict_of(user))
    raise ValueError(kind)


# What each kind of work needs: office staff, or a manager (workflow.py's actor of the action).
WAITING = {"decision": MANAGING_ROLES, "tranche": MANAGING_ROLES, "report": None,
           "move": MANAGING_ROLES}


def may_act(kind: str, user) -> bool:
    roles = WAITING[kind]
    return is_staff(user) and (roles is None or user_role(user) in roles)


def office_applications(user, *columns) -> sa.Select:
    """Submitted applications of the calls of the offices `user` works for."""
    query = (sa.select(*columns).select_from(GrantApplication)
             .join(GrantCall, GrantCall.id == GrantApplication.call_id)
             .where(GrantApplication.submitted_at.is_not(None)))
    return scope_to_office(query, GrantCall.office_id, user)


def listing(user, state: str | None, kind: str | None, today: date) -> sa.Select:
    """Rows of the office's application list: all submitted ones, one state, or one kind of
    work waiting (the dashboard's counts are the counts of these lists)."""
    from alumni_app.accounts.models import User

    query = office_applications(
        user, GrantApplication.id, GrantApplication.title, GrantApplication.state,
        GrantApplication.submitted_at, GrantApplication.requested_amount,
        GrantApplication.approved_amount, GrantCall.title.label("call_title"),
        GrantCall.currency, User.display_name.label("applicant")).join(
        User, User.id == GrantApplication.applicant_id)
    if state is not None:
        query = query.where(GrantApplication.state == state)
        if state == AppState.SUBMITTED.value:
            query = query.where(~_conflict_of(user))
    if kind is not None:
        query = query.where(waiting(kind, user, today))
    return query.order_by(GrantApplication.submitted_at, GrantApplication.id)


def _count(query: sa.Select):
    return sa.select(sa.func.count()).select_from(query.subquery()).scalar_subquery()


def _review_overdue_before():
    return utcnow() - timedelta(days=current_app.config["REVIEW_OVERDUE_DAYS"])


def my_reviews_query(user, overdue: bool = False) -> sa.Select:
    """The reviews waiting for `user`: assigned, on applications still under review."""
    query = (sa.select(Review.id)
             .join(GrantApplication, GrantApplication.id == Review.application_id)
             .join(GrantCall, GrantCall.id == GrantApplication.call_id)
             .where(Review.reviewer_id == user.id, Review.state == ReviewState.ASSIGNED.value,
                    GrantApplication.state == AppState.IN_REVIEW.value))
    if overdue:
        query = query.where(Review.assigned_at < _review_overdue_before())
    return scope_to_office(query, GrantCall.office_id, user)


def work_items_for(user) -> list[dict]:
    """Applications to screen, reviews, decisions, tranches, reports and moves waiting."""
    if not is_staff(user):
        return []
    today = date.today()
    screen = office_applications(user, GrantApplication.id).where(
        GrantApplication.state == AppState.SUBMITTED.value, ~_conflict_of(user))
    counts = {"screen": _count(screen), "reviews": _count(my_reviews_query(user)),
              "overdue": _count(my_reviews_query(user, overdue=True))}
    for kind in WAITING:
        if may_act(kind, user):
            counts[kind] = _count(office_applications(user, GrantApplication.id).where(
                waiting(kind, user, today)))
    found = dict(zip(counts, db.session.execute(sa.select(*counts.values())).one(),
                     strict=True))
    return _items(found)


def _items(found: dict) -> list[dict]:
    labels = {
        "screen": (_("Applications to screen"), {"state": AppState.SUBMITTED.value}),
        "decision": (_("Applications waiting for a decision"), {"waiting": "decision"}),
        "tranche": (_("Grants with a tranche to release"), {"waiting": "tranche"}),
        "report": (_("Grant reports to accept"), {"waiting": "report"}),
        "move": (_("Budget moves to approve"), {"waiting": "move"}),
    }
    items = [{"label": _("Reviews assigned to you"), "count": found["reviews"],
              "url": url_for("grant_staff.my_reviews")},
             {"label": _("Reviews overdue (assigned over %(days)s days ago)",
                         days=current_app.config["REVIEW_OVERDUE_DAYS"]),
              "count": found["overdue"], "url": url_for("grant_staff.my_reviews", show="overdue"),
              "urgent": True}]
    for kind, (label, args) in labels.items():
        if kind in found:
            items.append({"label": label, "count": found[kind],
                          "url": url_for("grant_staff.applications", **args)})
    return items


# An alumnus's next steps ------------------------------------------------------------------------

def _own_reports(user) -> list:
    return db.session.execute(
        sa.select(GrantReport.id, GrantReport.kind, GrantReport.due_on, GrantReport.state,
                  GrantApplication.title)
        .join(GrantApplication, GrantApplication.id == GrantReport.application_id)
        .where(GrantApplication.applicant_id == user.id, awaited_reports(),
               GrantReport.state.in_(OPEN_REPORT_STATES))
        .order_by(GrantReport.due_on)).all()


def _own_open_work(user) -> list:
    """Drafts and applications sent back for revision, with their call's closing."""
    return db.session.execute(
        sa.select(GrantApplication.id, GrantApplication.title, GrantApplication.state,
                  GrantCall.title, GrantCall.closes_at)
        .join(GrantCall, GrantCall.id == GrantApplication.call_id)
        .where(GrantApplication.applicant_id == user.id,
               GrantApplication.state.in_(EDITABLE_STATES))).all()


def _invitations(user) -> list:
    return db.session.execute(
        sa.select(GrantApplication.id, GrantApplication.title, GrantCall.closes_at)
        .select_from(TeamMember)
        .join(GrantApplication, GrantApplication.id == TeamMember.application_id)
        .join(GrantCall, GrantCall.id == GrantApplication.call_id)
        .where(TeamMember.user_id == user.id, TeamMember.state == TeamState.INVITED.value,
               GrantApplication.state.in_(EDITABLE_STATES))).all()


def next_steps_for(user) -> list[dict]:
    """Reports due, drafts to finish, invitations to answer, open calls to apply to."""
    if user_role(user) is not Role.ALUMNUS:
        return []
    steps = []
    for report_id, kind, due_on, state, title in _own_reports(user):
        label = (_("Send the final report on “%(title)s”", title=title)
                 if kind == ReportKind.FINAL.value
                 else _("Send the interim report on “%(title)s”", title=title))
        if state == ReportState.RETURNED.value:
            label = _("Correct and send again the report on “%(title)s”", title=title)
        steps.append({"label": label, "due": due_on, "kind": "grant_report",
                      "url": url_for("grant_reports.report", report_id=report_id)})
    for app_id, title, state, call_title, closes_at in _own_open_work(user):
        label = (_("Revise your application “%(title)s” and send it again", title=title)
                 if state == AppState.REVISION_REQUESTED.value else
                 _("Finish your application to “%(call)s”", call=call_title))
        steps.append({"label": label, "due": closes_at.date(), "kind": "grant_application",
                      "url": url_for("grants.edit", application_id=app_id)})
    for app_id, title, closes_at in _invitations(user):
        steps.append({"label": _("Answer the invitation to join “%(title)s”",
                                 title=title or _("untitled")),
                      "due": closes_at.date(), "kind": "grant_invitation",
                      "url": url_for("grants.application", application_id=app_id)})
    for call in eligibility.calls_open_to(user):
        steps.append({"label": _("Apply to “%(call)s”: it is open to you", call=call.title),
                      "due": call.closes_at.date(), "kind": "grant_call",
                      "url": url_for("grants.call", call_id=call.id)})
    return steps
