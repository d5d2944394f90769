"""Who may apply to a call, checked before an alumnus can start an application."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.alumni.policy import own_record
from alumni_app.countries import country_name
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.permissions import Role, user_role
from alumni_app.training.models import Course, Participation

REASONS = {
    "not-alumnus": _l("Only alumni apply for mini-grants."),
    "no-record": _l("Your account is not linked to your ex-participant record yet: ask to be "
                    "matched to it from your profile."),
    "other-office": _l("This call is for alumni of %(country)s."),
    "not-verified": _l("The office has not verified your record yet."),
    "call-not-open": _l("The call is not open for applications."),
    "too-recent": _l("This call is for alumni whose training ended at least %(months)s months "
                     "ago."),
    "overdue-report": _l("A report on an earlier grant is overdue: send it first."),
    "already-applied": _l("You have already applied to this call."),
}


@dataclass
class Eligibility:
    reasons: list[str] = field(default_factory=list)
    record: AlumnusRecord | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons

    def refuse(self, code: str, **params) -> None:
        text = str(REASONS[code])
        self.reasons.append(text % params if params else text)


def months_between(earlier: date, later: date) -> int:
    """Whole months from `earlier` to `later` (a month counts once its day is reached)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _course_ends(record: AlumnusRecord) -> list[date]:
    return list(db.session.scalars(
        sa.select(Course.end_on).join(Participation, Participation.course_id == Course.id)
        .where(Participation.record_id == record.id, Course.end_on.is_not(None))))


def _ended_long_enough(ends: list[date], months: int, today: date) -> bool:
    return months <= 0 or any(months_between(end, today) >= months for end in ends)


def _training_ended_long_enough(record: AlumnusRecord, months: int, today: date) -> bool:
    return months <= 0 or _ended_long_enough(_course_ends(record), months, today)


def has_overdue_report(user_id: int, today: date) -> bool:
    from alumni_app.grants.money_models import OPEN_REPORT_STATES, GrantReport, awaited_reports

    return db.session.scalar(
        sa.select(sa.func.count()).select_from(GrantReport)
        .join(GrantApplication, GrantApplication.id == GrantReport.application_id)
        .where(GrantApplication.applicant_id == user_id, awaited_reports(),
               GrantReport.state.in_(OPEN_REPORT_STATES), GrantReport.due_on < today)) > 0


def check(user, call: GrantCall, *, today: date | None = None) -> Eligibility:
    """Every reason `user` may not start an application to `call` (none: eligible)."""
    result = Eligibility()
    if user_role(user) is not Role.ALUMNUS:
        result.refuse("not-alumnus")
        return result
    if not call.is_open():
        result.refuse("call-not-open")
    record = result.record = own_record(user)
    if record is None or not record.is_active or record.erased_at is not None:
        result.refuse("no-record")
        return result
    today = today or utcnow().date()
    if record.office_id != call.office_id:
        result.refuse("other-office", country=country_name(call.office.country))
    if not record.is_verified:
        result.refuse("not-verified")
    if not _training_ended_long_enough(record, call.min_months_since_training, today):
        result.refuse("too-recent", months=call.min_months_since_training)
    if has_overdue_report(user.id, today):
        result.refuse("overdue-report")
    if db.session.scalar(sa.select(GrantApplication.id).filter_by(
            call_id=call.id, applicant_id=user.id)) is not None:
        result.refuse("already-applied")
    return result


def teammate_problem(record: AlumnusRecord | None, call: GrantCall) -> str | None:
    """Why an alumnus cannot be a co-applicant ("no-record", "other-office", "not-verified"),
    or None: co-applicants need an active, verified record of the call's office."""
    if record is None or not record.is_active or record.erased_at is not None:
        return "no-record"
    if record.office_id != call.office_id:
        return "other-office"
    if not record.is_verified:
        return "not-verified"
    return None


def submission_reasons(application: GrantApplication, today: date | None = None) -> list[str]:
    """What no longer holds of the start's eligibility when the application is (re)submitted:
    the applicant's record still an active, verified record of the call's office, and no
    report on an earlier grant overdue (the deadline is checked with the call's dates)."""
    record = db.session.get(AlumnusRecord, application.record_id)
    codes = []
    if teammate_problem(record, application.call) is not None:
        codes.append("record-not-eligible")
    if has_overdue_report(application.applicant_id, today or utcnow().date()):
        codes.append("overdue-report")
    return codes


def calls_open_to(user, *, today: date | None = None) -> list:
    """The open calls `user` may start an application to now: those check() finds no reason
    against (rows with id, title, closes_at), in a fixed number of statements."""
    if user_role(user) is not Role.ALUMNUS:
        return []
    record = own_record(user)
    if (record is None or not record.is_active or record.erased_at is not None
            or not record.is_verified):
        return []
    now = utcnow()
    today = today or now.date()
    applied = sa.select(GrantApplication.call_id).where(GrantApplication.applicant_id == user.id)
    calls = db.session.execute(
        sa.select(GrantCall.id, GrantCall.title, GrantCall.closes_at,
                  GrantCall.min_months_since_training)
        .where(GrantCall.office_id == record.office_id, GrantCall.state == "published",
               GrantCall.opens_at <= now, GrantCall.closes_at > now,
               GrantCall.id.not_in(applied))
        .order_by(GrantCall.closes_at)).all()
    if not calls or has_overdue_report(user.id, today):
        return []
    ends = _course_ends(record)
    return [c for c in calls if _ended_long_enough(ends, c.min_months_since_training, today)]
