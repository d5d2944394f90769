"""Staff import spreadsheets of ex-participants: upload, dry run, column mapping, commit."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alumni_app import audit
from alumni_app.auth.forms import ConfirmForm
from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.imports import runs, uploads
from alumni_app.imports.columns import column_letter
from alumni_app.imports.errors import ImportFileError
from alumni_app.imports.forms import (
    FIELD_CHOICES,
    HEADINGS,
    CommitForm,
    MappingForm,
    UploadForm,
    chosen_values,
    values_form,
)
from alumni_app.imports.models import ImportAlias, ImportUpload
from alumni_app.imports.policy import SAME_OFFICE, can_forget_alias, can_use_upload
from alumni_app.imports.reading import check_file, extension_of
from alumni_app.imports.report import (
    ImportReport,
    duplicate_text,
    field_label,
    issue_text,
    junk_text,
    merge_pairs,
    problem_text,
)
from alumni_app.jobs.models import JobState
from alumni_app.offices.models import Office
from alumni_app.permissions import (
    STAFF_ROLES,
    is_admin,
    object_rule,
    require,
    role_required,
    scope_to_office,
)

bp = Blueprint("imports", __name__, url_prefix="/records/import")
TEMPLATE_HELPERS = {"issue_text": issue_text, "duplicate_text": duplicate_text,
                    "problem_text": problem_text, "field_label": field_label,
                    "junk_text": junk_text, "merge_pairs": merge_pairs,
                    "column_letter": column_letter}


def _limit() -> int:
    """The largest file accepted: IMPORT_MAX_BYTES, within the app's MAX_CONTENT_LENGTH."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    return min(limit, current_app.config.get("MAX_CONTENT_LENGTH") or limit)


def _file_name(name: str | None) -> str:
    """The uploaded file's name for display only (never used as a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:120] or "upload"


def _load(token: str) -> ImportUpload:
    """The upload, if the user's office is its office (read from the database): else 404."""
    upload = uploads.find(token)
    if upload is None:
        abort(404)
    require(can_use_upload(current_user, upload.office_id), upload.office)
    return upload


def _office(office_id: int | None) -> Office:
    office = db.session.get(Office, office_id) if office_id else None
    if office is None:
        abort(404)
    require(can_use_upload(current_user, office.id), office)
    return office


def _receive(form: UploadForm) -> str:
    """Keep the uploaded file under a random token, check it, start its dry run."""
    office_id = form.office_id.data if "office_id" in form else current_user.office_id
    office = _office(office_id)
    uploads.prune()
    file_name = _file_name(form.file.data.filename)
    ext = extension_of(file_name)
    files = uploads.store()
    token, size = files.save(form.file.data.stream, ext, _limit())
    upload = ImportUpload(token=token, office_id=office.id, user_id=current_user.id,
                          file_name=file_name, ext=ext, size=size)
    try:
        check_file(files.file(token, ext), ext)
        db.session.add(upload)
        runs.start(upload, runs.DRY_RUN, current_user)
        outcome = upload.outcome_data  # known at once when the queue runs tasks inline
        if outcome.get("kind") == "failed":
            raise ImportFileError(outcome["code"], **outcome["params"])
    except ImportFileError:
        db.session.rollback()
        saved = db.session.get(ImportUpload, upload.id) if upload.id else None
        if saved is not None:
            uploads.forget(saved)
            db.session.commit()
        files.delete(token)
        raise
    return token


def _upload_form() -> UploadForm:
    """Admins choose the office; staff import into their own."""
    form = UploadForm()
    if is_admin(current_user):
        offices = scope_to_office(sa.select(Office).where(Office.is_active), Office.id,
                                  current_user)
        form.office_id.choices = [(o.id, o.name) for o in
                                  db.session.scalars(offices.order_by(Office.name))]
    else:
        del form.office_id
    return form


STATE_WORDS = {
    "imported": _l("Imported"),
    "running": _l("Being checked or imported"),
    "checked": _l("Checked: waiting for your review"),
    "interrupted": _l("Interrupted: run it again"),
    "failed": _l("Failed"),
}


def _upload_page(form: UploadForm, status: int):
    uploads_shown = runs.recent(current_user)
    return render_template("imports/upload.html", form=form,
                           limit_mb=_limit() // (1024 * 1024), uploads=uploads_shown,
                           words={u.id: STATE_WORDS[runs.progress_word(u)]
                                  for u in uploads_shown}), status


@bp.route("", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def upload():
    """Upload a CSV or XLSX list of ex-participants; a dry run follows."""
    form = _upload_form()
    if request.content_length and request.content_length > _limit() + 64 * 1024:
        form.file.errors = [ImportFileError("too-large", limit=_limit() // 2**20).message()]
        return _upload_page(form, 413)
    if form.validate_on_submit():
        try:
            token = _receive(form)
        except ImportFileError as exc:
            form.file.errors.append(exc.message())
        else:
            return redirect(url_for("imports.review", token=token))
    return _upload_page(form, form_status())


upload.accepts_uploads = True


def _mapping_form(report: ImportReport) -> MappingForm:
    form = MappingForm(data=None if request.method == "POST" else {"columns": report.mapping})
    for entry in form.columns:
        entry.choices = FIELD_CHOICES
    return form


@bp.get("/<token>")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def review(token: str):
    """Show the dry run: counts, row errors, probable duplicates, the column mapping."""
    upload = _load(token)
    if runs.is_active(upload):
        job, done = upload.job, runs.rows_done(upload.job)
        return render_template("imports/running.html", upload=upload, job=job, done=done,
                               state=runs.state_of(upload),
                               seconds_left=runs.seconds_left(job, done))
    data = upload.report_data
    report = ImportReport.from_dict(data) if data else None
    return render_template("imports/review.html", token=token, upload=upload, report=report,
                           office=upload.office, outcome=_outcome(upload),
                           stale=runs.can_run_again(upload), again_form=ConfirmForm(),
                           mapping_form=_mapping_form(report) if report else None,
                           values_form=report and values_form(report, upload.office_id),
                           value_headings=HEADINGS,
                           commit_form=CommitForm(), discard_form=ConfirmForm(),
                           **TEMPLATE_HELPERS)


def _outcome(upload: ImportUpload) -> tuple[str, str] | None:
    """The last job's result as (alert style, message), or None."""
    outcome = upload.outcome_data
    kind = outcome.get("kind")
    if kind == "imported":
        return "success", _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s "
                            "unchanged.", created=outcome["created"],
                            updated=outcome["updated"], unchanged=outcome["unchanged"])
    if kind == "not-imported":
        return "danger", _("Nothing was imported: correct the rows with errors, or choose to "
                           "leave them out.")
    if kind == "failed":
        return "danger", ImportFileError(outcome["code"], **outcome["params"]).message()
    if runs.state_of(upload) == JobState.FAILED:
        return "danger", _("The file could not be processed because of an error on our "
                           "side; nothing was imported. Try again, or ask an operator.")
    return None


@bp.post("/<token>/mapping")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def remap(token: str):
    """Repeat the dry run with the columns mapped by hand."""
    upload = _load(token)
    report = ImportReport.from_dict(upload.report_data or {})
    form = _mapping_form(report)
    if not form.validate_on_submit() or len(form.columns.data) != len(report.columns):
        flash(_("Choose a field, or “Ignore”, for every column."), "danger")
    elif upload.committed_at or not runs.start(upload, runs.DRY_RUN, current_user,
                                               mapping=form.columns.data):
        flash(_("This file is being checked or imported; wait until it is finished."), "info")
    return redirect(url_for("imports.review", token=token))


@bp.post("/<token>/values")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def choose_values(token: str):
    """Repeat the dry run with a region or sector chosen for each value nothing matched."""
    upload = _load(token)
    form = values_form(ImportReport.from_dict(upload.report_data or {}), upload.office_id)
    if form is None or not form.validate_on_submit():
        flash(_("Choose a region or sector, or “Leave empty”, for every value."), "danger")
    elif runs.is_active(upload) or upload.committed_at:
        flash(_("This file is being checked or imported; wait until it is finished."), "info")
    else:
        upload.chosen = json.dumps(chosen_values(form))
        runs.start(upload, runs.DRY_RUN, current_user, mapping=upload.report_data["mapping"])
    return redirect(url_for("imports.review", token=token, _anchor="values"))


@bp.post("/<token>/commit")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def commit(token: str):
    """Import the file in one transaction: every row, or nothing."""
    upload = _load(token)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    if (upload.committed_at or not upload.report
            or not runs.start(upload, runs.COMMIT, current_user,
                              skip_errors=form.skip_errors.data)):
        flash(_("This file is already being imported, or was imported."), "info")
    return redirect(url_for("imports.review", token=token))


@bp.post("/<token>/again")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def again(token: str):
    """Run again the dry run or import of this file that was interrupted or failed."""
    upload = _load(token)
    if ConfirmForm().validate_on_submit() and not runs.run_again(upload, current_user):
        flash(_("This file is already being imported, or was imported."), "info")
    return redirect(url_for("imports.review", token=token))


@bp.get("/names")
@role_required(*STAFF_ROLES)
def aliases():
    """The regions and sectors the office's files call otherwise, as chosen on dry runs."""
    query = scope_to_office(sa.select(ImportAlias), ImportAlias.office_id, current_user)
    items = db.session.scalars(query.order_by(ImportAlias.office_id, ImportAlias.field,
                                              ImportAlias.text)).all()
    return render_template("imports/aliases.html", items=items, form=ConfirmForm())


@bp.post("/names/<int:alias_id>/forget")
@object_rule(*STAFF_ROLES, description="imports.policy.can_forget_alias(user, alias)")
def forget_alias(alias_id: int):
    """Forget a remembered choice: later files ask for that value again."""
    alias = db.session.get(ImportAlias, alias_id)
    if alias is None:
        abort(404)
    require(can_forget_alias(current_user, alias), alias)
    if ConfirmForm().validate_on_submit():
        audit.record("import.alias.forgotten", actor=current_user, subject=alias,
                     office_id=alias.office_id, field=alias.field, text=alias.text)
        db.session.delete(alias)
        db.session.commit()
        flash(_("“%(text)s” is forgotten: the next file that has it asks again.",
                text=alias.text), "info")
    return redirect(url_for("imports.aliases"))


@bp.post("/<token>/discard")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def discard(token: str):
    """Forget an uploaded file without importing it."""
    upload = _load(token)
    if runs.is_active(upload):
        flash(_("This file is being checked or imported; wait until it is finished."), "info")
        return redirect(url_for("imports.review", token=token))
    if ConfirmForm().validate_on_submit():
        uploads.forget(upload)
        db.session.commit()
        flash(_("The file was discarded; nothing was imported."), "info")
    return redirect(url_for("imports.upload"))
