"""A grant's money: the grantee's reports, receipts and moves; the office's payments and checks."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from alumni_app import storage
from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.grants import money, policy, screens
from alumni_app.grants.forms import (
    ConfirmForm,
    FileForm,
    MessageForm,
    MoveForm,
    ReceiptForm,
    ReportForm,
    line_choices,
)
from alumni_app.grants.models import GrantApplication
from alumni_app.grants.money import MoneyError
from alumni_app.grants.money_models import GrantReport, Reallocation, Receipt, Tranche
from alumni_app.grants.staff_forms import (
    MoveDecisionForm,
    RefundForm,
    ReleaseForm,
    ReportReviewForm,
)
from alumni_app.grants.workflow import WorkflowError, allowed_actions
from alumni_app.permissions import STAFF_ROLES, Role, object_rule, require
from alumni_app.storage import UploadRefused

bp = Blueprint("grant_reports", __name__, url_prefix="/grants")
staff_bp = Blueprint("grant_money", __name__, url_prefix="/staff/grants")
MANAGERS = (Role.MANAGER, Role.ADMIN)
GRANTEE = "grants.policy.can_write_report: the grantee, while the grant runs"


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
    forms.setdefault("error", None)
    return render_template(
        "grants/report.html", report=report, application=application,
        tranche=next((t for t in money.tranches(application)
                      if t.number == report.tranche_number), None),
        spending=money.spending_table(application), confirm=ConfirmForm(formdata=None),
        can_write=policy.can_write_report(current_user, application),
        **forms), status


def _grantee_report(report_id: int, *, write: bool = True):
    report, application = _report(report_id)
    require(policy.can_write_report(current_user, application) if write
            else policy.is_applicant(current_user, application), application)
    return report, application


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description="the grantee reads; writes while the grant runs")
def report(report_id: int):
    """Write a report: what was done and the people reached; save it or submit it."""
    report, application = _grantee_report(report_id, write=request.method == "POST")
    form, status, error = ReportForm(obj=report), form_status(), None
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        try:
            if submit:
                money.submit_report(current_user, report, form.values())
            else:
                money.save_report(current_user, report, form.values())
        except (MoneyError, WorkflowError) as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            flash(_("Your report was submitted to the office.") if submit
                  else _("Your report was saved."), "success")
            return redirect(url_for("grant_reports.report", report_id=report.id))
    return _report_page(report, application, status, form=form, error=error)


@bp.post("/reports/<int:report_id>/receipts")
@object_rule(Role.ALUMNUS, description=GRANTEE)
def add_receipt(report_id: int):
    """Add a receipt matched to a budget line, with its scan."""
    report, application = _grantee_report(report_id)
    form = _receipt_form(application)
    status, error = 400, None
    if form.validate_on_submit():
        try:
            money.add_receipt(current_user, report, form.budget_line.data, form.paid_on.data,
                              form.amount.data, form.description.data, form.scan.data)
        except (MoneyError, UploadRefused) as exc:
            db.session.rollback()
            if isinstance(exc, MoneyError) and exc.field is None:
                error = exc.message  # about the report, not a field (its form is not shown)
            else:
                target = form.scan if isinstance(exc, UploadRefused) else (
                    form[exc.field] if exc.field in form._fields else form.amount)
                target.errors = [*target.errors, exc.message]
            status = exc.status
        else:
            db.session.commit()
            flash(_("The receipt was added."), "success")
            return redirect(url_for("grant_reports.report", report_id=report.id,
                                    _anchor="receipts"))
    return _report_page(report, application, status, receipt_form=form, error=error)


add_receipt.accepts_uploads = True


@bp.post("/reports/<int:report_id>/receipts/<int:receipt_id>/remove")
@object_rule(Role.ALUMNUS, description=GRANTEE)
def remove_receipt(report_id: int, receipt_id: int):
    report, application = _grantee_report(report_id)
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or receipt.report_id != report.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            money.remove_receipt(current_user, receipt)
        except MoneyError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("The receipt was removed."), "success")
    return redirect(url_for("grant_reports.report", report_id=report.id, _anchor="receipts"))


@bp.post("/reports/<int:report_id>/evidence")
@object_rule(Role.ALUMNUS, description=GRANTEE)
def add_evidence(report_id: int):
    """Attach evidence of the work (photos, lists of participants, publications)."""
    report, application = _grantee_report(report_id)
    form, status = FileForm(), 400
    if form.validate_on_submit():
        try:
            money.attach_evidence(current_user, report, form.attachment.data)
        except (MoneyError, UploadRefused) as exc:
            db.session.rollback()
            form.attachment.errors = [*form.attachment.errors, exc.message]
            status = exc.status
        else:
            db.session.commit()
            flash(_("The file was attached."), "success")
            return redirect(url_for("grant_reports.report", report_id=report.id))
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
@object_rule(Role.ALUMNUS, description="grants.policy.can_request_move")
def request_move(application_id: int):
    """Move money between budget lines (large moves wait for a manager)."""
    application = db.session.get(GrantApplication, application_id) or abort(404)
    require(policy.can_request_move(current_user, application), application)
    form = MoveForm()
    form.from_line.choices = form.to_line.choices = line_choices(application)
    if form.validate_on_submit():
        try:
            move = money.request_move(current_user, application, form.from_line.data,
                                      form.to_line.data, form.amount.data, form.reason.data)
        except MoneyError as exc:
            db.session.rollback()
            target = form[exc.field] if exc.field in form._fields else form.amount
            target.errors = [*target.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The money was moved.") if move.state == "approved" else
                  _("This move is larger than you may make alone: a manager was asked to "
                    "approve it."), "success")
            return redirect(url_for("grants.application", application_id=application.id,
                                    _anchor="budget"))

    return screens.applicant_page(application, 400, move_form=form)


# The office's side
def _staff_application(application_id: int) -> GrantApplication:
    application = db.session.get(GrantApplication, application_id) or abort(404)
    require(policy.can_handle_application(current_user, application), application)
    return application


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


def _staff_report_page(report, application, status=200, form=None, error=None):
    return render_template(
        "grants/staff/report.html", report=report, application=application,
        spending=money.spending_table(application), error=error,
        form=form or ReportReviewForm(formdata=None),
        actions=allowed_actions(report, current_user)), status


@staff_bp.post("/reports/<int:report_id>/review")
@object_rule(*STAFF_ROLES, description="workflow: staff of the office accept or return")
def review_report(report_id: int):
    report, application = _report(report_id)
    require(policy.can_review_report(current_user, application), application)
    form = ReportReviewForm()
    if not form.validate_on_submit():
        return _staff_report_page(report, application, 400, form)
    try:
        money.review_report(current_user, report, form.decision.data == "accept",
                            form.message.data or "")
    except WorkflowError as exc:
        db.session.rollback()
        return _staff_report_page(report, application, exc.status, form, exc.message)
    db.session.commit()
    flash(_("The report was accepted.") if form.decision.data == "accept"
          else _("The report was sent back to the grantee."), "success")
    return _back(application)


@staff_bp.post("/tranches/<int:tranche_id>/release")
@object_rule(*MANAGERS, description="grants.policy.can_release_tranche")
def release(tranche_id: int):
    """Record that a tranche was paid."""
    tranche = db.session.get(Tranche, tranche_id) or abort(404)
    application = _staff_application(tranche.application_id)
    require(policy.can_release_tranche(current_user, application), application)
    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        money.release(current_user, tranche, form.reference.data or "")
    except (WorkflowError, MoneyError) as exc:
        db.session.rollback()
        return _refused(application, exc)
    db.session.commit()
    flash(_("Tranche %(number)s was released.", number=tranche.number), "success")
    return _back(application)


def _refused(application, exc):

    flash(exc.message, "danger")
    return screens.staff_page(application, exc.status)


@staff_bp.post("/moves/<int:move_id>/decide")
@object_rule(*MANAGERS, description="grants.policy.can_decide_move")
def decide_move(move_id: int):
    move = db.session.get(Reallocation, move_id) or abort(404)
    application = _staff_application(move.application_id)
    require(policy.can_decide_move(current_user, application), application)
    form = MoveDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        money.decide_move(current_user, move, form.decision.data == "approve")
    except (WorkflowError, MoneyError) as exc:
        db.session.rollback()
        return _refused(application, exc)
    db.session.commit()
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
    if form.validate_on_submit():
        try:
            money.record_refund(current_user, application, form.amount.data,
                                form.returned_on.data, form.reference.data or "",
                                form.form_token.data)
            db.session.commit()
        except IntegrityError:  # the same form posted at the same moment: recorded once
            db.session.rollback()
            if not money.refund_recorded(form.form_token.data):
                raise
            flash(str(money.MESSAGES["refund-recorded"]), "info")
            return _back(application)
        except MoneyError as exc:
            db.session.rollback()
            if exc.code == "refund-recorded":  # a double click: the first one counts
                flash(exc.message, "info")
                return _back(application)
            form.amount.errors = [*form.amount.errors, exc.message]
            return screens.staff_page(application, exc.status, refund_form=form)
        flash(_("The refund was recorded."), "success")
        return _back(application)
    return screens.staff_page(application, 400, refund_form=form)


@staff_bp.route("/applications/<int:application_id>/close", methods=["GET", "POST"])
@object_rule(*MANAGERS, description="workflow: a manager closes a settled grant")
def close(application_id: int):
    """Confirm, then close a grant whose final report is accepted and money settled."""
    application = _staff_application(application_id)
    require(policy.is_office_manager(current_user, application), application)
    form, status, error = MessageForm(), form_status(), None
    if form.validate_on_submit():
        try:
            money.close(current_user, application, form.message.data or "")
        except WorkflowError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            flash(_("The grant was closed."), "success")
            return _back(application)
    return render_template("grants/staff/close.html", application=application, form=form,
                           error=error, unsettled=money.unsettled(application)), status
