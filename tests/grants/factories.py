"""Factories for mini-grant calls and applications, and the URL arguments of the grant routes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants import applications, calls, decisions, money, reviews
from alumni_app.grants.applications import BudgetRow
from alumni_app.grants.calls import CriterionRow
from alumni_app.grants.decisions import TrancheRow
from alumni_app.grants.review_models import Review
from alumni_app.grants.reviews import ScoreInput
from alumni_app.training.models import Participation
from tests import factories
from tests import sample_files as files

D = Decimal


def today() -> date:
    """Today's date in UTC, read when asked (not a module constant frozen at import: a run
    that crossed midnight then planned its tranches for "yesterday", and the approval refused
    them as past).
    The UTC date is never after the office's date (offices are east of UTC), so it passes
    both "not before today" and "not after today" checks.
    """
    return utcnow().date()


def local(delta: timedelta) -> datetime:
    """A naive wall-clock time `delta` from now, as a manager types it (office time)."""
    return (utcnow() + delta).replace(tzinfo=None, second=0, microsecond=0) + timedelta(hours=5)


def call_values(**values) -> dict:
    base = {"title": "Mini-grants 2026", "description": "For alumni initiatives.",
            "opens_at": local(timedelta(days=-1)), "closes_at": local(timedelta(days=30)),
            "total_budget": D("10000.00"), "ceiling": D("2000.00"),
            "min_months_since_training": 6, "min_team_size": 1, "reviews_required": 2}
    base.update(values)
    return base


CRITERIA = [CriterionRow("Relevance", D("2"), 5), CriterionRow("Feasibility", D("1"), 5)]


def make_call(office, manager, *, publish: bool = True, **values):
    call = calls.create_call(manager, office.id, call_values(**values), CRITERIA)
    if publish:
        calls.publish(manager, call)
    db.session.commit()
    return call


def eligible_alumnus(office, user=None, *, months_ago: int = 12, verified: bool = True,
                     **user_values):
    """An alumnus whose verified record in `office` has a course that ended months ago."""
    user = user or factories.make_user(role="alumnus", **user_values)
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=user.id))
    if record is None:
        record = factories.make_record(office)
        record.user_id = user.id
    record.is_verified = verified
    end = today() - timedelta(days=31 * months_ago)
    course = factories.make_course()
    course.set_dates(end - timedelta(days=30), end)
    db.session.add(Participation(record_id=record.id, course_id=course.id))
    db.session.commit()
    return user


def proposal(**values) -> dict:
    base = {"title": "Clean water for Khujand schools", "summary": "Filters for ten schools.",
            "problem": "Unsafe water.", "objectives": "Safe water for 3,000 pupils.",
            "activities": "Buy and install filters; train caretakers.",
            "starts_on": today() + timedelta(days=40), "ends_on": today() + timedelta(days=200),
            "target_group": "Pupils", "people_to_reach": 3000, "language": "en"}
    base.update(values)
    return base


BUDGET = [BudgetRow("equipment", "Water filters", D("10"), D("120.00")),
          BudgetRow("services", "Installation", D("1"), D("300.00"))]  # 1,500.00


def draft(call, user, budget=None, **values):
    application = applications.start(user, call)
    applications.save_draft(user, application, proposal(**values),
                            BUDGET if budget is None else budget, None)
    db.session.commit()
    return application


def submitted(call, user, token: str | None = None, **values):
    application = draft(call, user, **values)
    applications.submit(user, application, token or f"token-{application.id}")
    db.session.commit()
    return application


def in_review(application, officer):
    reviews.screen(officer, application, True, "")
    db.session.commit()
    return application


def review_by(application, reviewer, assigner, scores=(4, 3), recommendation="fund"):
    review = reviews.own_review(reviewer, application) or reviews.assign(assigner, application,
                                                                         reviewer)
    criteria = application.call.criteria
    reviews.save_review(reviewer, review, [ScoreInput(c.id, s) for c, s in
                                           zip(criteria, scores, strict=True)],
                        recommendation, "Good.", submit=True,
                        seen_version=reviews.current_version(application))
    db.session.commit()
    return review


def schedule(amount: Decimal, parts: int = 2) -> list[TrancheRow]:
    share = (amount / parts).quantize(D("0.01"))
    rows = []
    for n in range(parts):
        value = share if n < parts - 1 else amount - share * (parts - 1)
        rows.append(TrancheRow(value, today() + timedelta(days=30 * n),
                               today() + timedelta(days=30 * n + 20)))
    return rows


def approved(application, manager, amount: Decimal | None = None, parts: int = 2, *,
             earlier_reviews_confirmed: bool = False):
    amount = amount or application.requested_amount
    decisions.approve(manager, application, amount, D("0.091"), "Report monthly.",
                      schedule(amount, parts), earlier_reviews_confirmed=earlier_reviews_confirmed)
    db.session.commit()
    return application


def reviewed_application(office, users, applicant=None, **values):
    """A submitted application in review with the call's two reviews in (officer, admin)."""
    call = values.pop("call", None) or make_call(office, users["manager"])
    applicant = applicant or eligible_alumnus(office)
    application = in_review(submitted(call, applicant, **values), users["officer"])
    review_by(application, users["officer"], users["manager"])
    review_by(application, users["admin"], users["manager"])
    return application


def spend(application, user, report, line_index: int = 0, amount: str = "100.00"):
    line = application.budget_lines[line_index]
    receipt = money.add_receipt(user, report, line.id, today(), D(amount), "Receipt",
                                files.upload(files.pdf(), "receipt.pdf"))
    db.session.commit()
    return receipt


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """Objects of `office` that each principal of the route matrix may reach on grant routes.

    Only what the endpoint's group needs is built (the matrix builds it once per test).
    """
    if endpoint and not endpoint.startswith(("grants.", "grant_")):
        return {}
    if not endpoint:  # every grant route at once
        groups = ("grant_staff.x", "grant_money.x", "grants.x")
        return {k: v for group in groups for k, v in route_args(users, office, group,
                                                                 values).items()}
    alumnus = eligible_alumnus(office, users["alumnus"])
    if endpoint.startswith("grant_staff."):
        return {"application_id": _under_review(office, users).id}
    if endpoint.startswith(("grant_reports.", "grant_money.")):
        return _running_grant(office, users, alumnus)
    call = make_call(office, users["manager"],
                     publish=endpoint not in ("grant_calls.edit", "grant_calls.publish"))
    if endpoint.startswith("grant_calls.") or endpoint == "grants.start":
        return {"call_id": call.id}
    own = draft(call, alumnus)
    applications.attach_file(alumnus, own, files.upload(files.pdf(), "plan.pdf"))
    if endpoint in ("grants.versions", "grants.download"):  # staff see submitted ones only
        applications.submit(alumnus, own, f"route-args-{own.id}")
    other = draft(call, eligible_alumnus(office))
    applications.add_team_member(other.applicant, other, alumnus.email)
    db.session.commit()
    return {"call_id": call.id, "application_id": own.id, "file_id": own.files[0].id,
            "member_id": other.team[0].id}


def _under_review(office, users):
    """In review, with each member of staff among the principals assigned as a reviewer."""
    application = in_review(submitted(make_call(office, users["manager"]),
                                      eligible_alumnus(office)), users["officer"])
    for key in ("officer", "manager", "admin"):
        db.session.add(Review(application_id=application.id, reviewer_id=users[key].id,
                              assigned_by_id=users["manager"].id))
    db.session.commit()
    return application


def _running_grant(office, users, alumnus) -> dict:
    call = make_call(office, users["manager"])
    application = reviewed_application(office, users, applicant=alumnus, call=call)
    approved(application, users["manager"])
    first = money.tranches(application)[0]
    money.release(users["manager"], first, "PO-1")
    db.session.commit()
    report = money.reports(application)[0]
    receipt = spend(application, alumnus, report)
    move = money.request_move(alumnus, application, application.budget_lines[0].id,
                              application.budget_lines[1].id, D("900.00"), "More needed.")
    db.session.commit()
    return {"application_id": application.id, "report_id": report.id,
            "receipt_id": receipt.id, "file_id": receipt.file.id,
            "tranche_id": money.tranches(application)[1].id, "move_id": move.id}
