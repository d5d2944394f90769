"""Staff import spreadsheets of ex-participants: upload, dry run, column mapping, commit."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, SelectField

from alumni_app import audit
from alumni_app.alumni import import_jobs as jobs
from alumni_app.alumni.import_aliases import ImportAlias
from alumni_app.alumni.import_files import (
    FIELD_LABELS,
    MAX_COLUMNS,
    ImportFileError,
    check_file,
    column_letter,
    extension_of,
)
from alumni_app.alumni.import_report import (
    ImportReport,
    duplicate_text,
    field_label,
    issue_text,
    junk_text,
    merge_pairs,
    problem_text,
)
from alumni_app.alumni.import_values import HEADINGS, chosen_values, values_form
from alumni_app.auth.forms import ConfirmForm
from alumni_app.extensions import db
from alumni_app.forms import BaseForm, form_status
from alumni_app.offices.models import Office
from alumni_app.permissions import (
    STAFF_ROLES,
    is_admin,
    object_rule,
    require,
    role_required,
    same_office,
    scope_to_office,
)

bp = Blueprint("imports", __name__, url_prefix="/records/import")
SAME_OFFICE = "permissions.same_office(user, import.office_id)"
TEMPLATE_HELPERS = {"issue_text": issue_text, "duplicate_text": duplicate_text,
                    "problem_text": problem_text, "field_label": field_label,
                    "junk_text": junk_text, "merge_pairs": merge_pairs,
                    "column_letter": column_letter}
FIELD_CHOICES = [("", _l("— Ignore —")), *FIELD_LABELS.items()]


class UploadForm(BaseForm):
    file = FileField(_l("CSV or XLSX file"),
                     validators=[FileRequired(message=_l("Choose a file to import."))])
    office_id = SelectField(_l("Office"), coerce=int, validate_choice=True)


class MappingForm(BaseForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            # BaseForm adds a strip filter to every field; FieldList refuses filters.
            if issubclass(unbound_field.field_class, FieldList):
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)

    columns = FieldList(SelectField(_l("Field"), validate_choice=True), max_entries=MAX_COLUMNS)


class CommitForm(BaseForm):
    skip_errors = BooleanField(_l("Import the other rows and leave out the rows with errors"))


def _limit() -> int:
    """The largest file accepted: IMPORT_MAX_BYTES, within the app's MAX_CONTENT_LENGTH."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    return min(limit, current_app.config.get("MAX_CONTENT_LENGTH") or limit)


def _file_name(name: str | None) -> str:
    """The uploaded file's name for display only (never used as a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:120] or "upload"


def _load(token: str) -> dict:
    meta = jobs.store().meta(token)
    if meta is None:
        abort(404)
    office_id = meta.get("office_id")
    require(same_office(current_user, office_id),
            db.session.get(Office, office_id) if office_id else None)
    return meta


def _office(office_id: int | None) -> Office:
    office = db.session.get(Office, office_id) if office_id else None
    if office is None:
        abort(404)
    require(same_office(current_user, office.id), office)
    return office


def _receive(form: UploadForm) -> str:
    """Keep the uploaded file under a random token, check it, start its dry run."""
    office_id = form.office_id.data if "office_id" in form else current_user.office_id
    office = _office(office_id)
    upload, store = form.file.data, jobs.store()
    store.prune()
    meta = {"office_id": office.id, "user_id": current_user.id,
            "file_name": _file_name(upload.filename)}
    ext = extension_of(meta["file_name"])
    token = store.save(upload.stream, ext, _limit(), meta)
    try:
        check_file(store.file(token, store.meta(token)), ext)
        outcome = jobs.launch(token, jobs.DRY_RUN, actor=current_user).get("outcome") or {}
        if outcome.get("kind") == "failed":
            raise ImportFileError(outcome["code"], **outcome["params"])
    except ImportFileError:
        store.delete(token)
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


def _upload_page(form: UploadForm, status: int):
    return render_template("imports/upload.html", form=form,
                           limit_mb=_limit() // (1024 * 1024)), status


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
    meta = _load(token)
    job = meta.get("job") or {}
    if jobs.is_running(meta):
        return render_template("imports/running.html", meta=meta, job=job,
                               seconds=int(time.time() - job["started"]))
    report = ImportReport.from_dict(meta["report"]) if meta.get("report") else None
    return render_template("imports/review.html", token=token, meta=meta, report=report,
                           office=db.session.get(Office, meta["office_id"]),
                           outcome=_outcome(meta), stale=jobs.is_stale(job),
                           mapping_form=_mapping_form(report) if report else None,
                           values_form=report and values_form(report, meta["office_id"]),
                           value_headings=HEADINGS,
                           commit_form=CommitForm(), discard_form=ConfirmForm(),
                           **TEMPLATE_HELPERS)


def _outcome(meta: dict) -> tuple[str, str] | None:
    """The last job's result as (alert style, message), or None."""
    outcome = meta.get("outcome") or {}
    kind = outcome.get("kind")
    if kind == "imported":
        return "success", _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s "
                            "unchanged.", created=outcome["created"],
                            updated=outcome["updated"], unchanged=outcome["unchanged"])
    if kind == "not-imported":
        return "danger", _("Nothing was imported: correct the rows with errors, or choose to "
                           "leave them out.")
    if kind == "busy":
        return "info", _("This file is already being imported, or was imported.")
    if kind == "failed":
        if outcome["code"] == "internal":
            return "danger", _("The file could not be processed because of an error on our "
                               "side; nothing was imported. Try again, or ask an operator.")
        return "danger", ImportFileError(outcome["code"], **outcome["params"]).message()
    return None


@bp.post("/<token>/mapping")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def remap(token: str):
    """Repeat the dry run with the columns mapped by hand."""
    meta = _load(token)
    report = ImportReport.from_dict(meta["report"])
    form = _mapping_form(report)
    if not form.validate_on_submit() or len(form.columns.data) != len(report.columns):
        flash(_("Choose a field, or “Ignore”, for every column."), "danger")
        return redirect(url_for("imports.review", token=token))
    if jobs.is_running(meta):
        flash(_("This file is being checked or imported; wait until it is finished."), "info")
    else:
        jobs.launch(token, jobs.DRY_RUN, actor=current_user, mapping=form.columns.data)
    return redirect(url_for("imports.review", token=token))


@bp.post("/<token>/values")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def choose_values(token: str):
    """Repeat the dry run with a region or sector chosen for each value nothing matched."""
    meta = _load(token)
    form = values_form(ImportReport.from_dict(meta.get("report") or {}), meta["office_id"])
    if form is None or not form.validate_on_submit():
        flash(_("Choose a region or sector, or “Leave empty”, for every value."), "danger")
    elif jobs.is_running(meta) or meta.get("committed_at"):
        flash(_("This file is being checked or imported; wait until it is finished."), "info")
    else:
        jobs.store().write_meta(token, {**meta, "values": chosen_values(form)})
        jobs.launch(token, jobs.DRY_RUN, actor=current_user, mapping=meta["report"]["mapping"])
    return redirect(url_for("imports.review", token=token, _anchor="values"))


@bp.post("/<token>/commit")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def commit(token: str):
    """Import the file in one transaction: every row, or nothing."""
    meta = _load(token)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    if jobs.is_running(meta) or meta.get("committed_at") or not meta.get("report"):
        flash(_("This file is already being imported, or was imported."), "info")
    else:
        jobs.launch(token, jobs.COMMIT, actor=current_user, skip_errors=form.skip_errors.data,
                    mapping=meta["report"]["mapping"])
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
@object_rule(*STAFF_ROLES, description="permissions.same_office(user, alias.office_id)")
def forget_alias(alias_id: int):
    """Forget a remembered choice: later files ask for that value again."""
    alias = db.session.get(ImportAlias, alias_id)
    if alias is None or not same_office(current_user, alias.office_id):
        abort(404)
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
    _load(token)
    if ConfirmForm().validate_on_submit():
        jobs.store().delete(token)
        flash(_("The file was discarded; nothing was imported."), "info")
    return redirect(url_for("imports.upload"))
