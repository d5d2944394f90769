"""What the Mini-Grant Scheme holds about a person, for their data download."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants import money
from alumni_app.grants.models import GrantApplication, TeamMember
from alumni_app.grants.review_models import GrantComment


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value) -> str | None:
    return None if value is None else str(value)


def _reports(application: GrantApplication) -> list[dict]:
    return [{"kind": r.kind, "state": r.state, "due_on": _iso(r.due_on),
             "submitted_at": _iso(r.submitted_at), "narrative": r.narrative,
             "people_reached": r.people_reached, "women": r.women, "men": r.men,
             "receipts": [{"paid_on": _iso(x.paid_on), "amount": _amount(x.amount),
                           "description": x.description, "budget_line": x.budget_line.description}
                          for x in r.receipts]}
            for r in money.reports(application)]


def _application(application: GrantApplication) -> dict:
    return {
        "title": application.title, "state": application.state,
        "date": _iso(application.submitted_at or application.created_at),
        "call": application.call.title, "currency": application.call.currency,
        "summary": application.summary, "problem": application.problem,
        "objectives": application.objectives, "activities": application.activities,
        "requested_amount": _amount(application.requested_amount),
        "approved_amount": _amount(application.approved_amount),
        "disbursed": _amount(application.disbursed), "returned": _amount(application.returned),
        "budget": [{"category": line.category, "description": line.description,
                    "quantity": _amount(line.quantity), "unit_cost": _amount(line.unit_cost)}
                   for line in application.budget_lines],
        "team": [{"name": m.user.display_name, "role": m.role, "state": m.state}
                 for m in application.team],
        "reports": _reports(application),
    }


def applications_of(user, record) -> list[dict]:
    """The applications the person wrote, with their budgets and reports."""
    rows = db.session.scalars(sa.select(GrantApplication).where(
        GrantApplication.applicant_id == user.id).order_by(GrantApplication.id))
    return [_application(a) for a in rows]


def teams_of(user, record) -> list[dict]:
    """The applications the person was asked to join, and their messages to offices."""
    members = db.session.scalars(sa.select(TeamMember).where(TeamMember.user_id == user.id)
                                 .order_by(TeamMember.id))
    comments = db.session.scalars(sa.select(GrantComment).where(
        GrantComment.author_id == user.id).order_by(GrantComment.id))
    return ([{"title": m.application.title, "state": m.state, "date": _iso(m.invited_at),
              "role": m.role} for m in members]
            + [{"title": c.body[:80], "state": "message", "date": _iso(c.posted_at),
                "body": c.body} for c in comments])
