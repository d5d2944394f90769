"""Mini-grant pages for alumni: calls, the application form, the team, submission, versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from alumni_app import storage
from alumni_app.alumni.policy import own_record
from alumni_app.extensions import db
from alumni_app.forms import add_error, attempt, form_status
from alumni_app.grants import applications, diffs, eligibility, pages, policy, screens
from alumni_app.grants.applications import ApplicationError, SubmissionRefused
from alumni_app.grants.forms import (
    AnswerForm,
    ConfirmForm,
    FileForm,
    MessageForm,
    TeamForm,
    application_form,
)
from alumni_app.grants.models import GrantApplication, GrantCall, TeamMember
from alumni_app.pagination import parse_page
from alumni_app.permissions import Role, object_rule, require, role_required

bp = Blueprint("grants", __name__, url_prefix="/grants")
APPLICANT = "grants.policy.can_edit_application: the applicant, while a draft or sent back"
VIEWER = "grants.policy.can_view_application: the applicant, the team, the office's staff"
PROPOSAL_FORM = "proposal"  # the id of the edit page's form


@bp.record_once
def _register_hooks(state) -> None:
    from alumni_app.grants import hooks

    hooks.register(state.app)


def _application(application_id: int) -> GrantApplication:
    return db.session.get(GrantApplication, application_id) or abort(404)


def _own_office_id() -> int | None:
    record = own_record(current_user)
    return record.office_id if record is not None else None


@bp.get("")
@role_required(Role.ALUMNUS)
def index():
    """Calls of the alumnus's country, their applications, the teams they were asked to join."""
    calls = pages.calls_for(current_user, _own_office_id(), parse_page(request.args.get("page")),
                            10)
    return render_template("grants/index.html", calls=calls,
                           applications=pages.own_applications(current_user),
                           invitations=pages.own_invitations(current_user))


@bp.get("/calls/<int:call_id>")
@object_rule(Role.ALUMNUS, description="grants.policy.can_view_call")
def call(call_id: int):
    """A call's terms and whether the alumnus may apply."""
    grant_call = db.session.get(GrantCall, call_id) or abort(404)
    require(policy.can_view_call(current_user, grant_call, _own_office_id()), grant_call)
    return _call_page(grant_call)


def _call_page(grant_call: GrantCall, status: int = 200):
    return render_template("grants/call.html", call=grant_call, existing=_existing(grant_call),
                           eligibility=eligibility.check(current_user, grant_call),
                           form=ConfirmForm(formdata=None)), status


@bp.post("/calls/<int:call_id>/apply")
@object_rule(Role.ALUMNUS, description="grants.policy.can_view_call, then eligibility.check")
def start(call_id: int):
    """Start a draft application (only when eligible)."""
    grant_call = db.session.get(GrantCall, call_id) or abort(404)
    require(policy.can_view_call(current_user, grant_call, _own_office_id()), grant_call)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _call_page(grant_call, 400)
    try:
        outcome = attempt(form, applications.start, current_user, grant_call)
    except IntegrityError:
        # Not a DomainError, so attempt() lets it through: two clicks at the same moment, the
        # second stopped by the unique key on (call, applicant); the first one's draft counts.
        db.session.rollback()
        outcome = None
    if outcome:
        flash(_("Your draft was created. It is kept until you submit it: come back to it at "
                "any time."), "success")
        return redirect(url_for("grants.edit", application_id=outcome.value.id))
    existing = _existing(grant_call)  # a double click: the first click made the draft
    if existing is not None:
        return redirect(url_for("grants.edit", application_id=existing.id))
    return _call_page(grant_call, 403)  # the call page says why (eligibility, dates)


def _existing(grant_call: GrantCall) -> GrantApplication | None:
    return next((a for a in pages.own_applications(current_user)
                 if a.call_id == grant_call.id), None)


def _edit_page(application, form, status=200, team_form=None, file_form=None, refused=None):
    """The proposal's page; `refused`: a form posted from it whose refusal shows on top (as
    do the team's and the files' refusals that name no field of theirs)."""
    team_form = team_form or TeamForm(formdata=None)
    file_form = file_form or FileForm(formdata=None)
    # The team's and the files' fields belong to the proposal's form (HTML `form=`): inviting
    # or attaching posts, and so saves, what was typed in the proposal too.
    for field in (team_form.email, team_form.role, file_form.attachment):
        field.render_kw = {**(field.render_kw or {}), "form": PROPOSAL_FORM}
    return render_template("grants/edit.html", application=application, form=form,
                           refused=refused, team_form=team_form,
                           file_form=file_form, proposal_form_id=PROPOSAL_FORM,
                           cross_sector=pages.team_sectors(application)[0]), status


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description=APPLICANT)
def edit(application_id: int):
    """Write the proposal; save it as a draft, or submit it."""
    application = _application(application_id)
    require(policy.is_applicant(current_user, application), application)
    form = application_form(application, pages.region_choices(application.call.office_id),
                            pages.plan_choices(application))
    if request.method == "GET":
        if not application.is_editable:
            return redirect(url_for("grants.application", application_id=application.id))
        return _edit_page(application, form)
    if applications.token_used(form.submit_token.data):
        flash(_("Your application was submitted."), "success")  # a double click
        return redirect(url_for("grants.application", application_id=application.id))
    if not form.validate_on_submit():
        return _edit_page(application, form, form_status())
    return _save(application, form, request.form.get("action") == "submit")


def _save(application, form, submit: bool):
    """Save the draft (committed on its own: a submission refused keeps it), then submit."""
    outcome = attempt(form, applications.save_draft, current_user, application, form.values(),
                      form.budget_rows(), form.stamp())
    autosave = request.headers.get("X-Autosave")
    if not outcome:
        if outcome.error.code == "superseded" and autosave:
            return jsonify(version=application.edit_version, superseded=True)  # newer is in
        if applications.token_used(form.submit_token.data):  # a double click, submitted
            flash(_("Your application was submitted."), "success")
            return redirect(url_for("grants.application", application_id=application.id))
        return _edit_page(application, form, outcome.status)
    form.edit_version.data = str(application.edit_version)
    if autosave:
        return jsonify(version=application.edit_version)
    if not submit:
        flash(_("Your draft was saved."), "success")
        return redirect(url_for("grants.edit", application_id=application.id))
    return _submit(application, form)


def _submit(application, form):
    outcome = attempt(form, applications.submit, current_user, application,
                      form.submit_token.data)
    if not outcome:
        if isinstance(outcome.error, SubmissionRefused):  # each reason next to its field
            for problem in outcome.error.problems:
                add_error(form, problem)
        return _edit_page(application, form, outcome.status)
    flash(_("Your application was submitted. You will receive an e-mail confirming it."),
          "success")
    return redirect(url_for("grants.application", application_id=application.id))


@bp.get("/applications/<int:application_id>")
@object_rule(Role.ALUMNUS, description=VIEWER)
def application(application_id: int):
    """An application as its applicant and team see it: status, timeline, the grant."""
    application = _application(application_id)
    require(policy.can_view_application(current_user, application), application)
    return screens.applicant_page(application)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description="workflow: the applicant may withdraw")
def withdraw(application_id: int):
    """Ask for confirmation, then withdraw the application."""
    application = _application(application_id)
    require(policy.is_applicant(current_user, application), application)
    form = MessageForm()
    if form.validate_on_submit():
        outcome = attempt(form, applications.withdraw, current_user, application,
                          form.message.data or "")
        # Back to the application either way: its page says where things stand.
        flash(_("Your application was withdrawn.") if outcome else outcome.error.message,
              "success" if outcome else "danger")
        return redirect(url_for("grants.application", application_id=application.id))
    return render_template("grants/withdraw.html", application=application,
                           form=form), form_status()


def _posted_proposal(application):
    """The proposal form as posted along with another action (invite, attach, remove): their
    buttons belong to the proposal's form, so what was typed is saved first, never dropped."""
    if "edit_version" not in request.form:  # a client posting only the action
        return _blank_edit_form(application)
    return application_form(application, pages.region_choices(application.call.office_id),
                            pages.plan_choices(application))


def _blank_edit_form(application):
    return application_form(application, pages.region_choices(application.call.office_id),
                            pages.plan_choices(application), formdata=None)


def _save_first(application, proposal, action) -> None:
    """Save the posted proposal (when one was posted), then take `action`."""
    if "edit_version" in request.form:
        if not proposal.validate():
            raise ApplicationError("fix-first", status=400)
        applications.save_draft(current_user, application, proposal.values(),
                                proposal.budget_rows(), proposal.stamp())
    action()


def _side_action(application, proposal, form, action, done: str, anchor: str):
    """Save the posted proposal, then take `action`: both are committed, or neither, and the
    page comes back with everything as typed (a refusal next to its field of `form`, or on
    top of the page)."""
    outcome = attempt(form, _save_first, application, proposal, action)
    if not outcome:
        forms = {"team_form": form} if isinstance(form, TeamForm) else (
            {"file_form": form} if isinstance(form, FileForm) else {"refused": form})
        return _edit_page(application, proposal, outcome.status, **forms)
    flash(done, "success")
    return redirect(url_for("grants.edit", application_id=application.id, _anchor=anchor))


@bp.post("/applications/<int:application_id>/team")
@object_rule(Role.ALUMNUS, description=APPLICANT)
def add_member(application_id: int):
    """Save the proposal, then invite another alumnus as co-applicant."""
    application = _application(application_id)
    require(policy.can_edit_application(current_user, application), application)
    form, proposal = TeamForm(), _posted_proposal(application)
    if not form.validate_on_submit():
        return _edit_page(application, proposal, 400, team_form=form)
    return _side_action(application, proposal, form, lambda: applications.add_team_member(
        current_user, application, form.email.data, form.role.data or ""),
        _("%(email)s was asked to confirm.", email=form.email.data), "team")


@bp.post("/applications/<int:application_id>/team/<int:member_id>/remove")
@object_rule(Role.ALUMNUS, description=APPLICANT)
def remove_member(application_id: int, member_id: int):
    """Save the proposal, then take a co-applicant off the team."""
    application = _application(application_id)
    require(policy.can_edit_application(current_user, application), application)
    member = db.session.get(TeamMember, member_id)
    if member is None or member.application_id != application.id:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    return _side_action(application, _posted_proposal(application), form,
                        lambda: applications.remove_team_member(current_user, application,
                                                                member),
                        _("The co-applicant was removed."), "team")


@bp.post("/team/<int:member_id>/answer")
@object_rule(Role.ALUMNUS, description="grants.policy.can_answer_invitation")
def answer(member_id: int):
    """A co-applicant confirms or declines."""
    member = db.session.get(TeamMember, member_id) or abort(404)
    require(policy.can_answer_invitation(current_user, member), member)
    form = AnswerForm()
    if form.validate_on_submit() and form.accept.data in ("yes", "no"):
        applications.answer_invitation(current_user, member, form.accept.data == "yes")
        db.session.commit()
        flash(_("You joined the team.") if form.accept.data == "yes"
              else _("You declined to join."), "success")
    return redirect(url_for("grants.index"))


@bp.post("/applications/<int:application_id>/files")
@object_rule(Role.ALUMNUS, description=APPLICANT)
def upload(application_id: int):
    """Save the proposal, then attach a document to it."""
    application = _application(application_id)
    require(policy.can_edit_application(current_user, application), application)
    form, proposal = FileForm(), _posted_proposal(application)
    if not form.validate_on_submit():
        return _edit_page(application, proposal, 400, file_form=form)
    return _side_action(application, proposal, form, lambda: applications.attach_file(
        current_user, application, form.attachment.data), _("The file was attached."),
        "files")


upload.accepts_uploads = True


@bp.post("/applications/<int:application_id>/files/<int:file_id>/remove")
@object_rule(Role.ALUMNUS, description=APPLICANT)
def remove_file(application_id: int, file_id: int):
    """Save the proposal, then take a file off it."""
    application = _application(application_id)
    require(policy.can_edit_application(current_user, application), application)
    stored = next((f for f in application.files if f.id == file_id), None) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    return _side_action(application, _posted_proposal(application), form,
                        lambda: applications.remove_file(current_user, application, stored),
                        _("The file was removed."), "files")


@bp.get("/applications/<int:application_id>/files/<int:file_id>")
@object_rule(description=VIEWER)
def download(application_id: int, file_id: int):
    """Download a file attached to an application."""
    application = _application(application_id)
    require(policy.can_view_application(current_user, application), application)
    stored = next((f for f in application.files if f.id == file_id), None) or abort(404)
    return storage.send_stored_file(stored)


@bp.get("/applications/<int:application_id>/versions")
@object_rule(description=VIEWER)
def versions(application_id: int):
    """Every submitted version, and what changed between two of them."""
    application = _application(application_id)
    require(policy.can_view_application(current_user, application), application)
    kept = applications.versions(application)
    numbers = [v.number for v in kept]
    new = request.args.get("b", type=int) or (numbers[-1] if numbers else None)
    old = request.args.get("a", type=int) or (new - 1 if new else None)
    by_number = {v.number: v for v in kept}
    changes = None
    if old in by_number and new in by_number:
        changes = diffs.compare(pages.version_data(by_number[old]),
                                pages.version_data(by_number[new]))
    return render_template("grants/versions.html", application=application, versions=kept,
                           old=old, new=new, changes=changes)


@bp.post("/applications/<int:application_id>/comments")
@object_rule(Role.ALUMNUS, description="grants.policy.can_comment: the applicant (staff "
             "comment from the office's page)")
def comment(application_id: int):
    """The applicant answers the office (always shared)."""
    from alumni_app.grants import reviews

    application = _application(application_id)
    require(policy.can_comment(current_user, application), application)
    form = MessageForm()
    if not form.validate_on_submit() or not form.message.data:
        form.message.errors = [*form.message.errors, _("Write a message first.")]
        return screens.applicant_page(application, 400, comment_form=form)
    reviews.add_comment(current_user, application, form.message.data, shared=True)
    db.session.commit()
    flash(_("Your message was sent to the office."), "success")
    return redirect(url_for("grants.application", application_id=application.id,
                            _anchor="comments"))
