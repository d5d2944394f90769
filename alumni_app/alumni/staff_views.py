"""Staff pages for records: create, edit, participations, merge, deactivate, history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.alumni import policy, services
from alumni_app.alumni.forms import (
    MERGE_MESSAGES,
    POST_DATE_MESSAGES,
    MergeForm,
    ParticipationForm,
    RecordForm,
)
from alumni_app.alumni.history import record_history
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.auth.forms import ConfirmForm
from alumni_app.extensions import db
from alumni_app.forms import form_status, positive_int
from alumni_app.offices.models import Office
from alumni_app.permissions import (
    STAFF_ROLES,
    is_admin,
    object_rule,
    require,
    role_required,
    scope_to_office,
)
from alumni_app.training.labels import name_choices
from alumni_app.training.models import Course, Region, Sector

bp = Blueprint("records", __name__, url_prefix="/records")


def _load(record_id: int) -> AlumnusRecord:
    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    require(policy.can_edit_record(current_user, record), record)
    return record


def _dates(params: dict) -> dict:
    return {k: format_date(v) for k, v in params.items()}


def _form_choices(form: RecordForm, office_id: int | None) -> None:
    regions = sa.select(Region).where(Region.is_active)
    if office_id:
        regions = regions.where(Region.office_id == office_id)
    form.region_id.choices = [(0, "—"), *name_choices(db.session.scalars(regions))]
    form.sector_ids.choices = name_choices(
        db.session.scalars(sa.select(Sector).where(Sector.is_active)))


def _office_for_new_record() -> int | None:
    if not is_admin(current_user):
        return current_user.office_id
    return positive_int(request.values.get("office"))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def create():
    """Add an ex-participant record to the office."""
    office_id = _office_for_new_record()
    offices = db.session.scalars(scope_to_office(sa.select(Office), Office.id, current_user)).all()
    if office_id is None or office_id not in {o.id for o in offices}:
        return render_template("records/choose_office.html", offices=offices), form_status()
    form = RecordForm()
    _form_choices(form, office_id)
    if form.validate_on_submit():
        record = services.create_record(current_user, office_id, form.values(),
                                        form.sector_ids.data)
        db.session.commit()
        flash(_("The record was created."), "success")
        return redirect(url_for("directory.record", record_id=record.id))
    return render_template("records/form.html", form=form, record=None,
                           office_id=office_id), form_status()


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="alumni.policy.can_edit_record")
def edit(record_id: int):
    """Edit a record; a changed post is kept in the person's history."""
    record = _load(record_id)
    form = RecordForm(obj=record, data={"sector_ids": [s.id for s in record.sectors],
                                        "region_id": record.region_id or 0})
    form.current_post = (record.organization, record.position)
    _form_choices(form, record.office_id)
    if form.validate_on_submit():
        try:
            services.update_record(current_user, record, form.values(),
                                   sector_ids=form.sector_ids.data, **form.post_values())
        except services.PostDateError as exc:
            form.moved_on.errors.append(str(POST_DATE_MESSAGES[exc.code]) % _dates(exc.params))
        else:
            db.session.commit()
            flash(_("The record was saved."), "success")
            return redirect(url_for("directory.record", record_id=record.id))
    return render_template("records/form.html", form=form, record=record,
                           participation_form=_participation_form(),
                           confirm_form=ConfirmForm()), form_status()


def _participation_form() -> ParticipationForm:
    form = ParticipationForm()
    courses = db.session.scalars(sa.select(Course).order_by(Course.start_on.desc().nulls_last(),
                                                            Course.code).limit(2000))
    form.course_id.choices = [(c.id, f"{c.code} · {c.title}") for c in courses]
    return form


@bp.post("/<int:record_id>/participations")
@object_rule(*STAFF_ROLES, description="alumni.policy.can_edit_record")
def add_participation(record_id: int):
    """Link the record to a course."""
    record = _load(record_id)
    form = _participation_form()
    if form.validate_on_submit():
        try:
            services.add_participation(current_user, record, form.course_id.data,
                                       nominating_organization=form.nominating_organization.data,
                                       position=form.position.data)
        except services.RecordError:
            flash(_("This person is already recorded on that course."), "warning")
        else:
            db.session.commit()
            flash(_("The course was added."), "success")
    else:
        flash(_("Choose a course from the list."), "danger")
    return redirect(url_for("records.edit", record_id=record.id))


@bp.route("/<int:record_id>/active", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="alumni.policy.can_edit_record")
def toggle_active(record_id: int):
    """Confirm, then deactivate (or reactivate) a record; nothing is deleted."""
    record = _load(record_id)
    if record.merged_into_id is not None:  # the person lives on in the kept record
        flash(_("This record was merged into record no. %(id)s and stays inactive.",
                id=record.merged_into_id), "warning")
        return redirect(url_for("directory.record", record_id=record.id))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("records/confirm_active.html", record=record, form=form)
    services.set_active(current_user, record, not record.is_active)
    db.session.commit()
    flash(_("The record is active again.") if record.is_active
          else _("The record was deactivated."), "info")
    return redirect(url_for("directory.record", record_id=record.id))


def _duplicate_of(record: AlumnusRecord, duplicate_id: int | None) -> AlumnusRecord | None:
    """Another record of the same office that staff may fold into `record`, or None."""
    duplicate = db.session.get(AlumnusRecord, duplicate_id) if duplicate_id else None
    if duplicate is None or not policy.can_edit_record(current_user, duplicate) \
            or duplicate.id == record.id or duplicate.office_id != record.office_id:
        return None
    return duplicate


def _merge_refusal(record: AlumnusRecord, duplicate: AlumnusRecord | None) -> str | None:
    """Why the two records cannot be merged, in the user's language (None: they can)."""
    try:
        if duplicate is not None:
            services.check_mergeable(record, duplicate)
    except services.RecordError as exc:
        return str(MERGE_MESSAGES.get(str(exc), MERGE_MESSAGES["merge-same"]))
    return None


@bp.route("/<int:record_id>/merge", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="alumni.policy.can_edit_record")
def merge(record_id: int):
    """Fold a duplicate record into this one, after a confirmation showing both.

    `?duplicate=<id>` (the import's list of probable duplicates links here) shows both at once.
    """
    record = _load(record_id)
    asked = positive_int(request.args.get("duplicate"))
    form = MergeForm(data={"duplicate_id": asked} if asked else None)
    duplicate = _duplicate_of(record, form.duplicate_id.data) if request.method == "GET" \
        else None
    if form.validate_on_submit():
        duplicate = _duplicate_of(record, form.duplicate_id.data)
        if duplicate is None:
            form.duplicate_id.errors.append(_("No other record of this office has that number."))
        elif request.form.get("confirm") == "yes" and not _merge_refusal(record, duplicate):
            services.merge_records(current_user, record, duplicate)
            db.session.commit()
            flash(_("The records were merged."), "success")
            return redirect(url_for("directory.record", record_id=record.id))
    refusal = _merge_refusal(record, duplicate)
    status = 400 if form.errors else 409 if refusal and request.method == "POST" else 200
    return render_template("records/merge.html", record=record, duplicate=duplicate,
                           refusal=refusal, form=form), status


@bp.get("/<int:record_id>/history")
@object_rule(*STAFF_ROLES, description="alumni.policy.can_edit_record")
def history(record_id: int):
    """Show every recorded change to a record and its merged duplicates: who, when, what."""
    record = _load(record_id)
    return render_template("records/history.html", record=record,
                           entries=record_history(record))
