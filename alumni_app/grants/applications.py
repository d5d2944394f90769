"""An alumnus's application: start, save as a draft, team, files, submit, withdraw, versions.

A draft is saved on the server at every save (and by the page's autosave when JavaScript runs),
so it survives a closed browser. A saved edit bumps `edit_version`; a form opened at an older
version is refused, so a stale tab never overwrites newer text (a page's own newer save may
rest on the version its earlier save made: EditStamp). Submitting freezes the text,
keeps a version of it, and is idempotent: the form's one-time token is stored with a unique key
and the state changes by a conditional UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.db import utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.grants import eligibility, notifications, workflow
from alumni_app.grants.errors import GrantError, save_upload
from alumni_app.grants.models import (
    EDITABLE_STATES,
    ApplicationVersion,
    AppState,
    BudgetLine,
    CallState,
    GrantApplication,
    GrantCall,
    SubmissionToken,
    TeamMember,
    TeamState,
)
from alumni_app.grants.versions import (  # noqa: F401 - versions re-exported
    TEXT_FIELDS,
    keep_version,
    snapshot,
    versions,
)
from alumni_app.permissions import Role
from alumni_app.times import format_moment as at

FIELDS = (*TEXT_FIELDS, "starts_on", "ends_on", "region_id", "people_to_reach", "plan_id",
          "language")
REQUIRED = ("title", "summary", "problem", "objectives", "activities", "starts_on", "ends_on")
MAX_FILES = 10

MESSAGES = {
    "not-eligible": _l("You cannot apply to this call."),
    "stale": _l("This application was changed in another window or tab since you opened this "
                "page. Your text is still below: copy what you need, reload the page and save "
                "again."),
    "frozen": _l("This application was submitted and can no longer be changed."),
    "required": _l("This is needed before you submit."),
    "no-budget": _l("Add at least one budget line."),
    "zero-budget": _l("The budget adds up to nothing."),
    "over-ceiling": _l("The budget adds up to %(total)s, more than the ceiling of %(ceiling)s "
                       "per grant."),
    "dates": _l("The activities must end after they start."),
    "team-size": _l("This call asks for a team of at least %(size)s people: %(confirmed)s "
                    "confirmed so far, you included."),
    "deadline": _l("The call closed on %(closed)s: applications can no longer be submitted."),
    "closed-early": _l("The office closed this call early: applications can no longer be "
                       "submitted."),
    "not-open-yet": _l("The call opens on %(opens)s: submit your application then."),
    "team-unknown": _l("No alumnus with a linked record has this e-mail address."),
    "team-self": _l("You are the applicant already."),
    "team-other-office": _l("Co-applicants must be alumni of the same country as the call."),
    "team-not-verified": _l("The office has not verified this alumnus's record yet: they can "
                            "join the team once it has."),
    "team-member-ineligible": _l("%(name)s can no longer be a co-applicant: their record is "
                                 "not a verified record of this country. Remove them from the "
                                 "team, or ask the office."),
    "record-not-eligible": _l("Your record is no longer a verified record of this call's "
                              "country: ask the office before you submit."),
    "overdue-report": _l("A report on an earlier grant is overdue: send it before you submit "
                         "this application."),
    "team-twice": _l("This person is in the team already."),
    "too-many-files": _l("At most %(count)s files can be attached."),
    "already-submitted": _l("This application was already submitted."),
    "fix-first": _l("Your proposal is saved together with this, and it cannot be saved as it "
                    "is: correct the marked fields, then try again."),
}
# A page's save that came after a newer one of the same page: the newer text stays (the
# autosave ignores this answer; a form posted by hand reads it as a stale form).
MESSAGES["superseded"] = MESSAGES["stale"]


class ApplicationError(GrantError):
    """A refused change to an application; `field` names the form field concerned."""

    MESSAGES = MESSAGES


class SubmissionRefused(DomainError):
    """The application is not ready: `problems` maps form fields to messages (the draft, saved
    before, is kept). Its status is the gravest of its problems'."""

    MESSAGES = {"incomplete": _l("Your draft was saved, but it cannot be submitted yet: see "
                                 "the marked fields.")}

    def __init__(self, problems: list[ApplicationError]):
        super().__init__("incomplete", status=max(p.status for p in problems))
        self.problems = problems


@dataclass
class BudgetRow:
    category: str
    description: str
    quantity: Decimal
    unit_cost: Decimal


def start(actor, call: GrantCall) -> GrantApplication:
    """Open a draft for an eligible alumnus (eligibility.check says who is)."""
    result = eligibility.check(actor, call)
    if not result.ok:
        raise ApplicationError("not-eligible", status=403)
    application = GrantApplication(call=call, applicant_id=actor.id, record_id=result.record.id,
                                   language=actor.preferred_language or "ru")
    db.session.add(application)
    db.session.flush()
    workflow.record_event(application, "created", actor=actor, to_state=application.state)
    return application


def _check_editable(application: GrantApplication, edit_version: int | None) -> None:
    if not application.is_editable:
        raise ApplicationError("frozen", status=409)
    if edit_version is not None and edit_version != application.edit_version:
        raise ApplicationError("stale", status=409)


@dataclass(frozen=True)
class EditStamp:
    """Where a posted form comes from: the version it rests on, the page (a random token per
    open tab) and the number of this save among that page's saves (0 without JavaScript)."""

    version: int | None
    tab: str | None = None
    seq: int = 0


def save_draft(actor, application: GrantApplication, values: dict, budget: list[BudgetRow],
               stamp: EditStamp | int | None) -> None:
    """Save what the applicant typed, complete or not; refuse a stale or frozen form, and a
    page's save older than one of its own already stored ("superseded")."""
    if not isinstance(stamp, EditStamp):
        stamp = EditStamp(stamp)
    if not application.is_editable:
        raise ApplicationError("frozen", status=409)
    _claim_version(application, stamp)
    for key in FIELDS:
        if key in values:
            setattr(application, key, values[key])
    _replace_budget(application, budget)
    db.session.flush()


def _claim_version(application: GrantApplication, stamp: EditStamp) -> None:
    """Bump the version only if the row is still editable and the form rests on its current
    version, or on one the same page's earlier save made (a save on leaving the page while an
    earlier one is on its way, or lost: the page cannot wait for the answer), provided this
    save is the newer of that page's two. Another tab's edits are never overwritten.

    A conditional UPDATE, first in the transaction: a save racing a submission (or another
    tab's save) waits for the row and then finds it changed, on SQLite and PostgreSQL alike.
    """
    expected = application.edit_version if stamp.version is None else stamp.version
    db.session.flush()
    rests_on = GrantApplication.edit_version == expected
    if stamp.tab:
        rests_on = sa.or_(rests_on, sa.and_(GrantApplication.edit_tab == stamp.tab,
                                            GrantApplication.edit_seq < stamp.seq))
    result = db.session.execute(
        sa.update(GrantApplication)
        .where(GrantApplication.id == application.id, rests_on,
               GrantApplication.state.in_(EDITABLE_STATES))
        .values(edit_version=GrantApplication.edit_version + 1, edit_tab=stamp.tab,
                edit_seq=stamp.seq).execution_options(synchronize_session=False))
    row = db.session.execute(sa.select(GrantApplication.edit_version, GrantApplication.edit_tab,
                                       GrantApplication.edit_seq, GrantApplication.state)
                             .where(GrantApplication.id == application.id)).one()
    if result.rowcount != 1:
        if row.state not in EDITABLE_STATES:
            raise ApplicationError("frozen", status=409)
        if stamp.tab and row.edit_tab == stamp.tab and row.edit_seq >= stamp.seq:
            raise ApplicationError("superseded", status=409)
        raise ApplicationError("stale", status=409)
    for key in ("edit_version", "edit_tab", "edit_seq"):
        set_committed_value(application, key, getattr(row, key))
    # The budget as it stands now that the row is ours (a save just before may have changed it).
    db.session.expire(application, ["budget_lines"])


def _replace_budget(application: GrantApplication, rows: list[BudgetRow]) -> None:
    lines = list(application.budget_lines)
    for position, row in enumerate(rows):
        line = lines[position] if position < len(lines) else BudgetLine()
        line.position, line.category, line.description = position, row.category, row.description
        line.quantity, line.unit_cost = row.quantity, row.unit_cost
        if line.id is None:
            application.budget_lines.append(line)
    for line in lines[len(rows):]:
        application.budget_lines.remove(line)


def add_team_member(actor, application: GrantApplication, email: str,
                    role: str = "") -> TeamMember:
    """Invite another alumnus as co-applicant; they confirm before they count."""
    _check_editable(application, None)
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower(),
                                                   User.role == Role.ALUMNUS.value,
                                                   User.is_active))
    record = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=user.id)) \
        if user else None
    if user is None or record is None:
        raise ApplicationError("team-unknown", "email")
    if user.id == application.applicant_id:
        raise ApplicationError("team-self", "email")
    problem = eligibility.teammate_problem(record, application.call)
    if problem == "not-verified":
        raise ApplicationError("team-not-verified", "email")
    if problem is not None:
        raise ApplicationError("team-other-office", "email")
    if any(m.user_id == user.id for m in application.team):
        raise ApplicationError("team-twice", "email")
    member = TeamMember(application=application, user_id=user.id, record_id=record.id,
                        role=role, user=user)
    db.session.add(member)
    db.session.flush()
    workflow.record_event(application, "team_invited", actor=actor,
                          message=user.display_name)
    notifications.team_invitation(member)
    return member


def remove_team_member(actor, application: GrantApplication, member: TeamMember) -> None:
    _check_editable(application, None)
    application.team.remove(member)
    db.session.delete(member)
    workflow.record_event(application, "team_removed", actor=actor,
                          message=member.user.display_name)


def answer_invitation(actor, member: TeamMember, accept: bool) -> None:
    """A co-applicant confirms or declines being part of the team."""
    member.state = (TeamState.CONFIRMED if accept else TeamState.DECLINED).value
    member.responded_at = utcnow()
    workflow.record_event(member.application, "team_confirmed" if accept else "team_declined",
                          actor=actor, message=actor.display_name)


def attach_file(actor, application: GrantApplication, upload) -> None:
    _check_editable(application, None)
    if len(application.files) >= MAX_FILES:
        raise ApplicationError("too-many-files", "attachment", count=MAX_FILES)
    application.files.append(save_upload(upload, actor=actor, field="attachment"))
    db.session.flush()


def remove_file(actor, application: GrantApplication, stored) -> None:
    _check_editable(application, None)
    application.files.remove(stored)
    db.session.flush()


def confirmed_team_size(application: GrantApplication) -> int:
    return 1 + sum(1 for m in application.team if m.state == TeamState.CONFIRMED.value)


def submission_problems(application: GrantApplication, now=None) -> list[ApplicationError]:
    """Everything that stops the application from being submitted now."""
    call, problems = application.call, []
    for name in REQUIRED:
        if getattr(application, name) in (None, ""):
            problems.append(ApplicationError("required", name))
    if application.starts_on and application.ends_on and \
            application.ends_on < application.starts_on:
        problems.append(ApplicationError("dates", "ends_on"))
    total = application.budget_total
    if not application.budget_lines:
        problems.append(ApplicationError("no-budget", "budget"))
    elif total <= 0:
        problems.append(ApplicationError("zero-budget", "budget"))
    elif total > call.ceiling:
        problems.append(ApplicationError("over-ceiling", "budget", total=total,
                                         ceiling=call.ceiling))
    problems += _team_problems(application)
    problems += [ApplicationError(code, status=403)
                 for code in eligibility.submission_reasons(application)]
    if application.state == AppState.DRAFT.value and not call.is_open(now):
        problems.append(_deadline_error(call))
    return problems


def _team_problems(application: GrantApplication) -> list[ApplicationError]:
    """Confirmed co-applicants still eligible, and enough of them."""
    from alumni_app.alumni.models import AlumnusRecord

    problems = []
    for member in application.team:
        if member.state == TeamState.CONFIRMED.value and (
                not member.user.is_active or eligibility.teammate_problem(  # account closed
                    db.session.get(AlumnusRecord, member.record_id), application.call)):
            problems.append(ApplicationError("team-member-ineligible", "team",
                                             name=member.user.display_name))
    size = confirmed_team_size(application)
    if size < application.call.min_team_size:
        problems.append(ApplicationError("team-size", "team", size=application.call.min_team_size,
                                         confirmed=size))
    return problems


def _deadline_error(call: GrantCall) -> ApplicationError:
    if call.state == CallState.CLOSED.value:
        return ApplicationError("closed-early", status=409)
    if call.phase() == "upcoming":
        return ApplicationError("not-open-yet", status=409, opens=at(call.opens_at, "short"))
    return ApplicationError("deadline", status=409, closed=at(call.closes_at, "short"))


def token_used(token: str) -> bool:
    return bool(token) and db.session.get(SubmissionToken, token) is not None


def submit(actor, application: GrantApplication, token: str) -> ApplicationVersion:
    """Submit (or resubmit after a revision request) once; freeze the text as a new version."""
    if token_used(token):
        raise ApplicationError("already-submitted", status=409)
    problems = submission_problems(application)
    if problems:
        raise SubmissionRefused(problems)
    action = "resubmit" if application.state == AppState.REVISION_REQUESTED.value else "submit"
    now = utcnow()
    db.session.add(SubmissionToken(token=token, application_id=application.id))
    workflow.apply_transition(application, action, actor=actor, submitted_at=now,
                              requested_amount=application.budget_total)
    version = keep_version(actor, application)
    notifications.submitted(application, version)
    return version


def withdraw(actor, application: GrantApplication, message: str = "") -> None:
    workflow.apply_transition(application, "withdraw", actor=actor, message=message)


def move_to_kept_record(actor, keep: AlumnusRecord, duplicate: AlumnusRecord) -> None:
    """A merge (alumni.services.merge_records): the duplicate's applications and team places
    belong to `keep`, so their eligibility, plans and record links follow the person."""
    for model in (GrantApplication, TeamMember):
        db.session.execute(sa.update(model).where(model.record_id == duplicate.id)
                           .values(record_id=keep.id))
