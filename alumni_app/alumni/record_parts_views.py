"""Staff pages for the parts of a record: its earlier posts and its course participations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.alumni import policy, services
from alumni_app.alumni.forms import POST_DATE_MESSAGES, NominationForm, PostForm
from alumni_app.alumni.models import AlumnusRecord, RecordPosition
from alumni_app.auth.forms import ConfirmForm
from alumni_app.extensions import db
from alumni_app.forms import form_status
from alumni_app.permissions import STAFF_ROLES, object_rule, require
from alumni_app.training.models import Participation

bp = Blueprint("record_parts", __name__, url_prefix="/records")
CAN_EDIT = "alumni.policy.can_edit_record"


def _load(record_id: int) -> AlumnusRecord:
    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    require(policy.can_edit_record(current_user, record), record)
    return record


def _load_post(record: AlumnusRecord, post_id: int) -> RecordPosition:
    post = db.session.get(RecordPosition, post_id)
    if post is None or post.record_id != record.id:
        abort(404)
    return post


def _load_participation(record: AlumnusRecord, participation_id: int) -> Participation:
    participation = db.session.get(Participation, participation_id)
    if participation is None or participation.record_id != record.id:
        abort(404)
    return participation


@bp.get("/<int:record_id>/posts")
@object_rule(*STAFF_ROLES, description=CAN_EDIT)
def posts(record_id: int):
    """List the record's current and earlier posts, with their dates."""
    record = _load(record_id)
    return render_template("records/posts.html", record=record)


@bp.route("/<int:record_id>/posts/new", methods=["GET", "POST"], defaults={"post_id": None})
@bp.route("/<int:record_id>/posts/<int:post_id>", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description=CAN_EDIT)
def post_form(record_id: int, post_id: int | None):
    """Add an earlier post, or correct one and its dates."""
    record = _load(record_id)
    post = _load_post(record, post_id) if post_id else None
    form = PostForm(obj=post)
    if form.validate_on_submit():
        try:
            services.save_post(current_user, record, post, form.values())
        except services.PostDateError as exc:
            form.ended_on.errors.append(str(POST_DATE_MESSAGES[exc.code]) % {
                k: format_date(v) for k, v in exc.params.items()})
        else:
            db.session.commit()
            flash(_("The post was saved."), "success")
            return redirect(url_for("record_parts.posts", record_id=record.id))
    return render_template("records/post_form.html", record=record, post=post,
                           form=form), form_status()


@bp.route("/<int:record_id>/posts/<int:post_id>/delete", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description=CAN_EDIT)
def delete_post(record_id: int, post_id: int):
    """Confirm, then delete an earlier post entered by mistake (the history keeps it)."""
    record = _load(record_id)
    post = _load_post(record, post_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("records/confirm_delete_post.html", record=record, post=post,
                               form=form)
    services.delete_post(current_user, record, post)
    db.session.commit()
    flash(_("The post was deleted."), "info")
    return redirect(url_for("record_parts.posts", record_id=record.id))


@bp.route("/<int:record_id>/participations/<int:participation_id>", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description=CAN_EDIT)
def participation_form(record_id: int, participation_id: int):
    """Correct the nominating organization and the position at nomination of a course."""
    record = _load(record_id)
    participation = _load_participation(record, participation_id)
    form = NominationForm(obj=participation)
    if form.validate_on_submit():
        services.update_participation(current_user, record, participation, form.values())
        db.session.commit()
        flash(_("The course's nomination was saved."), "success")
        return redirect(url_for("records.edit", record_id=record.id))
    return render_template("records/participation_form.html", record=record,
                           participation=participation, form=form), form_status()


@bp.route("/<int:record_id>/participations/<int:participation_id>/remove",
          methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description=CAN_EDIT)
def remove_participation(record_id: int, participation_id: int):
    """Confirm, then remove a wrongly linked course (not while a plan or a grant needs it)."""
    record = _load(record_id)
    participation = _load_participation(record, participation_id)
    form, in_use = ConfirmForm(), services.participation_in_use(participation)
    if in_use or not form.validate_on_submit():
        status = 409 if in_use and form.is_submitted() else 200
        return render_template("records/confirm_remove_participation.html", record=record,
                               participation=participation, form=form, in_use=in_use), status
    services.remove_participation(current_user, record, participation)
    db.session.commit()
    flash(_("The course was removed from the record."), "info")
    return redirect(url_for("records.edit", record_id=record.id))
