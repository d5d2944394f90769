"""A grant's money: the grantee's reports, receipts and moves; the office's payments and checks.

Each workflow route's rule is the transition table's (`workflow.takes_part`: who is not the
table's actor for the action gets a 403, or a 404 outside their reach); the state and the guards
are the service's (`apply_transition`), a refusal shown with its message and status (409 for a
state, a guard's own status otherwise).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from alumni_app import storage
from alumni_app.extensions import db
from alumni_app.forms import Outcome, attempt, form_status
from alumni_app.grants import money, policy, screens, workflow
from alumni_app.grants.forms import (
    ConfirmForm,
    FileForm,
    MessageForm,
    MoveForm,
    ReceiptForm,
    ReportForm,
    line_choices,
)
from alumni_app.grants.models import AppState, GrantApplication
from alumni_app.grants.money import MoneyError
from alumni_app.grants.money_models import GrantReport, Reallocation, Receipt, Tranche
from alumni_app.grants.staff_forms import (
    MoveDecisionForm,
    RefundForm,
    ReleaseForm,
    ReportReviewForm,
)
from alumni_app.permissions import STAFF_ROLES, Role, object_rule, require

bp = Blueprint("grant_reports", __name__, url_prefix="/grants")
staff_bp = Blueprint("grant_money", __name__, url_prefix="/staff/grants")
MANAGERS = (Role.MANAGER, Role.ADMIN)
GRANTEE = ("grants.workflow: the table's actor for a report's 'submit' (the grantee); a report "
           "or grant no longer open is refused with a 409")


def _report(report_id: int) -> tuple[GrantReport, GrantApplication]:
    report = db.session.get(GrantReport, report_id) or abort(404)
    return report, db.session.get(GrantApplication, report.application_id)


def _receipt_form(application, **kwargs) -> ReceiptForm:
    form = ReceiptForm(**kwargs)
    form.budget_line.choices = line_choices(application)
    return form


def _report_page(report, application, status=200, **forms):
    forms.setdefault("form", ReportForm(obj=report, formdata=None))
    forms.setdefault("receipt_form", _receipt_form(application, formdata=None))
    forms.setdefault("evidence_form", FileForm(formdata=None))
    return render_template(
        "grants/report.html", report=report, application=application,
        tranche=next((t for t in money.tranches(application)
                      if t.number == report.tranche_number), None),
        spending=money.spending_table(application), confirm=ConfirmForm(formdata=None),
        can_write=application.state == AppState.APPROVED.value,
        **forms), status


def _grantee_report(report_id: int):
    report, application = _report(report_id)
    require(workflow.takes_part(current_user, report, "submit"), application)
    return report, application


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description=GRANTEE)
def report(report_id: int):
    """Write a report: what was done and the people reached; save it or submit it."""
    report, application = _grantee_report(report_id)
    form, outcome = ReportForm(obj=report), None
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        outcome = attempt(form, money.submit_report if submit else money.save_report,
                          current_user, report, form.values())
        if outcome:
            flash(_("Your report was submitted to the office.") if submit
                  else _("Your report was saved."), "success")
            return redirect(url_for("grant_reports.report", report_id=report.id))
    return _report_page(report, application, outcome.status if outcome is not None
                        else form_status(), form=form)


@bp.post("/reports/<int:report_id>/receipts")
@object_rule(Role.ALUMNUS, description=GRANTEE)
def add_receipt(report_id: int):
    """Add a receipt matched to a budget line, with its scan."""
    report, application = _grantee_report(report_id)
    form, status = _receipt_form(application), 400
    if form.validate_on_submit():
        outcome = attempt(form, money.add_receipt, current_user, report, form.budget_line.data,
                          form.paid_on.data, form.amount.data, form.description.data,
                          form.scan.data)
        if outcome:
            flash(_("The receipt was added."), "success")
            return redirect(url_for("grant_reports.report", report_id=report.id,
                                    _anchor="receipts"))
        status = outcome.status
    return _report_page(report, application, status, receipt_form=form)


add_receipt.accepts_uploads = True


@bp.post("/reports/<int:report_id>/receipts/<int:receipt_id>/remove")
@object_rule(Role.ALUMNUS, description=GRANTEE)
def remove_receipt(report_id: int, receipt_id: int):
    report, application = _grantee_report(report_id)
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or receipt.report_id != report.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = attempt(form, money.remove_receipt, current_user, receipt)
        # Back to the report either way (its page has no form of this one to show it on).
        flash(_("The receipt was removed.") if outcome else outcome.error.message,
              "success" if outcome else "danger")
    return redirect(url_for("grant_reports.report", report_id=report.id, _anchor="receipts"))


@bp.post("/reports/<int:report_id>/evidence")
@object_rule(Role.ALUMNUS, description=GRANTEE)
def add_evidence(report_id: int):
    """Attach evidence of the work (photos, lists of participants, publications)."""
    report, application = _grantee_report(report_id)
    form, status = FileForm(), 400
    if form.validate_on_submit():
        outcome = attempt(form, money.attach_evidence, current_user, report,
                          form.attachment.data)
        if outcome:
            flash(_("The file was attached."), "success")
            return redirect(url_for("grant_reports.report", report_id=report.id))
        status = outcome.status
    return _report_page(report, application, status, evidence_form=form)


add_evidence.accepts_uploads = True


@bp.get("/reports/<int:report_id>/files/<int:file_id>")
@object_rule(description="grants.policy.can_view_application")
def report_file(report_id: int, file_id: int):
    """Download a receipt's scan or a piece of evidence."""
    report, application = _report(report_id)
    require(policy.can_view_application(current_user, application), application)
    files = [*report.evidence, *(r.file for r in report.receipts if r.file)]
    stored = next((f for f in files if f.id == file_id), None) or abort(404)
    return storage.send_stored_file(stored)


@bp.post("/applications/<int:application_id>/moves")
@object_rule(Role.ALUMNUS, description="grants.workflow: the table's actor for a move's "
             "'apply' (the grantee); a grant no longer running is refused with a 409")
def request_move(application_id: int):
    """Move money between budget lines (large moves wait for a manager)."""
    application = db.session.get(GrantApplication, application_id) or abort(404)
    require(workflow.takes_part(current_user, screens.new_move(application), "apply"),
            application)
    form, status = MoveForm(), 400
    form.from_line.choices = form.to_line.choices = line_choices(application)
    if form.validate_on_submit():
        outcome = attempt(form, money.request_move, current_user, application,
                          form.from_line.data, form.to_line.data, form.amount.data,
                          form.reason.data)
        if outcome:
            flash(_("The money was moved.") if outcome.value.state == "approved" else
                  _("This move is larger than you may make alone: a manager was asked to "
                    "approve it."), "success")
            return redirect(url_for("grants.application", application_id=application.id,
                                    _anchor="budget"))
        status = outcome.status
    return screens.applicant_page(application, status, move_form=form)


# The office's side
def _staff_application(application_id: int) -> GrantApplication:
    application = db.session.get(GrantApplication, application_id) or abort(404)
    require(policy.can_handle_application(current_user, application), application)
    return application


def _takes_part(obj, application, *actions) -> None:
    """The route's rule: the table names this user for one of `actions` on `obj`."""
    require(any(workflow.takes_part(current_user, obj, a) for a in actions), application)


def _back(application, anchor="grant"):
    return redirect(url_for("grant_staff.application", application_id=application.id,
                            _anchor=anchor))


@staff_bp.get("/reports/<int:report_id>")
@object_rule(*STAFF_ROLES, description="grants.policy.is_office_staff")
def staff_report(report_id: int):
    """A report with its receipts, for the office to accept or send back."""
    report, application = _report(report_id)
    require(policy.is_office_staff(current_user, application), application)
    return _staff_report_page(report, application)


def _staff_report_page(report, application, status=200, form=None):
    return render_template(
        "grants/staff/report.html", report=report, application=application,
        spending=money.spending_table(application),
        form=form or ReportReviewForm(formdata=None),
        actions=workflow.allowed_actions(report, current_user)), status


@staff_bp.post("/reports/<int:report_id>/review")
@object_rule(*STAFF_ROLES, description="grants.workflow: the table's actor for a report's "
             "'accept' and 'return' (staff of the office); a report not submitted, or a grant "
             "no longer running, is refused with a 409")
def review_report(report_id: int):
    report, application = _report(report_id)
    _takes_part(report, application, "accept", "return")
    form = ReportReviewForm()
    if not form.validate_on_submit():
        return _staff_report_page(report, application, 400, form)
    outcome = attempt(form, money.review_report, current_user, report,
                      form.decision.data == "accept", form.message.data or "")
    if not outcome:
        return _staff_report_page(report, application, outcome.status, form)
    flash(_("The report was accepted.") if form.decision.data == "accept"
          else _("The report was sent back to the grantee."), "success")
    return _back(application)


@staff_bp.post("/tranches/<int:tranche_id>/release")
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for a tranche's "
             "'release' (a manager of the office); its state and guards are refused with "
             "their message")
def release(tranche_id: int):
    """Record that a tranche was paid."""
    tranche = db.session.get(Tranche, tranche_id) or abort(404)
    application = _staff_application(tranche.application_id)
    _takes_part(tranche, application, "release")
    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, money.release, current_user, tranche, form.reference.data or "")
    if not outcome:
        return screens.staff_page(application, outcome.status, release_form=form)
    flash(_("Tranche %(number)s was released.", number=tranche.number), "success")
    return _back(application)


@staff_bp.post("/moves/<int:move_id>/decide")
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for a move's "
             "'approve' and 'refuse' (a manager of the office); its state and guards are "
             "refused with their message")
def decide_move(move_id: int):
    move = db.session.get(Reallocation, move_id) or abort(404)
    application = _staff_application(move.application_id)
    _takes_part(move, application, "approve", "refuse")
    form = MoveDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, money.decide_move, current_user, move,
                      form.decision.data == "approve")
    if not outcome:
        return screens.staff_page(application, outcome.status, move_form=form)
    flash(_("The move was approved.") if form.decision.data == "approve"
          else _("The move was refused."), "success")
    return _back(application)


@staff_bp.post("/applications/<int:application_id>/refunds")
@object_rule(*STAFF_ROLES, description="grants.policy.can_record_refund")
def refund(application_id: int):
    """Record unspent money the grantee returned."""
    application = _staff_application(application_id)
    require(policy.can_record_refund(current_user, application), application)
    form = RefundForm()
    if not form.validate_on_submit():
        return screens.staff_page(application, 400, refund_form=form)
    try:
        outcome = attempt(form, money.record_refund, current_user, application,
                          form.amount.data, form.returned_on.data, form.reference.data or "",
                          form.form_token.data)
    except IntegrityError:
        # Not a DomainError, so attempt() lets it through: the same form posted twice at the
        # same moment, the second stopped by the unique key on its token (the first counts).
        db.session.rollback()
        if not money.refund_recorded(form.form_token.data):
            raise
        outcome = Outcome(error=MoneyError("refund-recorded", status=409))
    if outcome:
        flash(_("The refund was recorded."), "success")
        return _back(application)
    if outcome.error.code == "refund-recorded":  # a double click: the first one counts
        flash(outcome.error.message, "info")
        return _back(application)
    return screens.staff_page(application, outcome.status, refund_form=form)


@staff_bp.route("/applications/<int:application_id>/close", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="grants.workflow: the table's actor for 'close' (a manager "
             "of the office); an unsettled grant is refused with the reason")
def close(application_id: int):
    """Confirm, then close a grant whose final report is accepted and money settled."""
    application = _staff_application(application_id)
    _takes_part(application, application, "close")
    form, outcome = MessageForm(), None
    if form.validate_on_submit():
        outcome = attempt(form, money.close, current_user, application, form.message.data or "")
        if outcome:
            flash(_("The grant was closed."), "success")
            return _back(application)
    return render_template("grants/staff/close.html", application=application, form=form,
                           unsettled=money.unsettled(application)
                           ), outcome.status if outcome is not None else form_status()
