"""Staff import spreadsheets of ex-participants: upload, dry run, column mapping, commit."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, SelectField

from alumni_app.alumni import importer
from alumni_app.alumni.import_files import (
    FIELD_LABELS,
    MAX_COLUMNS,
    ImportFileError,
    UploadStore,
    column_letter,
    extension_of,
)
from alumni_app.alumni.import_report import (
    ImportReport,
    duplicate_text,
    field_label,
    issue_text,
    problem_text,
)
from alumni_app.auth.forms import ConfirmForm
from alumni_app.db import utcnow
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


def _store() -> UploadStore:
    folder = current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    return UploadStore(folder)


def _limit() -> int:
    """The largest file accepted: IMPORT_MAX_BYTES, within the app's MAX_CONTENT_LENGTH."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    return min(limit, current_app.config.get("MAX_CONTENT_LENGTH") or limit)


def _file_name(name: str | None) -> str:
    """The uploaded file's name for display only (never used as a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:120] or "upload"


def _load(token: str) -> dict:
    meta = _store().meta(token)
    if meta is None:
        abort(404)
    require(same_office(current_user, meta.get("office_id")))
    return meta


def _office(office_id: int | None) -> Office:
    office = db.session.get(Office, office_id) if office_id else None
    if office is None:
        abort(404)
    require(same_office(current_user, office.id))
    return office


def _run(token: str, meta: dict, **options) -> ImportReport:
    """Run the import of a kept upload into its office (ImportFileError if it is gone)."""
    path = _store().file(token, meta)
    if meta.get("committed_at") or not path.is_file():
        raise ImportFileError("expired")
    return importer.run_import(path, _office(meta["office_id"]), current_user,
                               file_name=meta["file_name"], **options)


def _dry_run(token: str, meta: dict, mapping: list[str] | None = None) -> ImportReport:
    """Run the import without keeping anything and remember its report with the upload."""
    report = _run(token, meta, commit=False, mapping=mapping)
    _store().write_meta(token, {**meta, "report": report.to_dict()})
    return report


def _receive(form: UploadForm) -> str:
    """Keep the uploaded file under a random token, then dry-run it; return the token."""
    office_id = form.office_id.data if "office_id" in form else current_user.office_id
    office = _office(office_id)
    upload, store = form.file.data, _store()
    store.prune()
    meta = {"office_id": office.id, "user_id": current_user.id,
            "file_name": _file_name(upload.filename)}
    token = store.save(upload.stream, extension_of(meta["file_name"]), _limit(), meta)
    try:
        _dry_run(token, store.meta(token))
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
    report = ImportReport.from_dict(meta["report"])
    return render_template("imports/review.html", token=token, meta=meta, report=report,
                           office=db.session.get(Office, meta["office_id"]),
                           mapping_form=_mapping_form(report), commit_form=CommitForm(),
                           discard_form=ConfirmForm(), **TEMPLATE_HELPERS)


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
    try:
        _dry_run(token, meta, form.columns.data)
    except ImportFileError as exc:
        flash(exc.message(), "danger")
    return redirect(url_for("imports.review", token=token))


def _commit(token: str, meta: dict, skip_errors: bool) -> None:
    """Run the import for real and commit it once, unless it is refused; flash the outcome."""
    store = _store()
    with store.claim(token) as claimed:
        if not claimed or meta.get("committed_at"):
            flash(_("This file is already being imported, or was imported."), "info")
            return
        report = _run(token, meta, commit=True, mapping=meta["report"]["mapping"],
                      skip_errors=skip_errors)
        if not report.applied:
            store.write_meta(token, {**meta, "report": report.to_dict()})
            flash(_("Nothing was imported: correct the rows with errors, or choose to leave "
                    "them out."), "danger")
            return
        db.session.commit()
        store.file(token, meta).unlink(missing_ok=True)
        store.write_meta(token, {**meta, "report": report.to_dict(),
                                 "committed_at": utcnow().isoformat()})
    flash(_("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            created=report.created, updated=report.updated, unchanged=report.unchanged),
          "success")


@bp.post("/<token>/commit")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def commit(token: str):
    """Import the file in one transaction: every row, or nothing."""
    meta = _load(token)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        _commit(token, meta, form.skip_errors.data)
    except ImportFileError as exc:
        flash(exc.message(), "danger")
    return redirect(url_for("imports.review", token=token))


@bp.post("/<token>/discard")
@object_rule(*STAFF_ROLES, description=SAME_OFFICE)
def discard(token: str):
    """Forget an uploaded file without importing it."""
    _load(token)
    if ConfirmForm().validate_on_submit():
        _store().delete(token)
        flash(_("The file was discarded; nothing was imported."), "info")
    return redirect(url_for("imports.upload"))
