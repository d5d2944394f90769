"""Post-training activities: alumni record their own, staff record them on their behalf."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired

from alumni_app import storage
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.alumni.policy import own_record
from alumni_app.extensions import db
from alumni_app.forms import BaseForm, form_status, positive_int
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import STAFF_ROLES, authenticated, object_rule, require, role_required
from alumni_app.plans import activities, policy
from alumni_app.plans.activities import KIND_LABELS, REACH_LABELS, ActivityError
from alumni_app.plans.models import ACTIVITY_KINDS, Activity, activity_evidence
from alumni_app.storage import StoredFile, UploadRefused

bp = Blueprint("activities", __name__, url_prefix="/activities")


class EvidenceForm(BaseForm):
    file = FileField(_l("Evidence (PDF, JPEG, PNG, DOCX or XLSX)"),
                     validators=[FileRequired(message=_l("Choose a file to attach."))])


def _activity(activity_id: int) -> Activity:
    return db.session.get(Activity, activity_id) or abort(404)


@bp.get("")
@authenticated
def index():
    """List activities: one's own (alumni) or the office's (staff), newest first."""
    query = (sa.select(Activity, AlumnusRecord).join(
        AlumnusRecord, AlumnusRecord.id == Activity.record_id)
        .order_by(Activity.held_on.desc(), Activity.id.desc()))
    if (kind := request.args.get("kind")) in ACTIVITY_KINDS:
        query = query.where(Activity.kind == kind)
    if year := positive_int(request.args.get("year"), max_digits=4):
        query = query.where(sa.extract("year", Activity.held_on) == year)
    page = paginate(policy.visible_to(query, current_user), parse_page(request.args.get("page")),
                    current_app.config["PAGE_SIZE"], rows=True)
    return render_template("plans/activities.html", page=page, args=request.args,
                           kinds=KIND_LABELS, record=own_record(current_user),
                           can_choose=policy.can_enter_for_others(current_user))


def _save(record: AlumnusRecord, activity: Activity | None):
    form = activities.activity_form(record, str(get_locale()), activity,
                                    plan_id=positive_int(request.args.get("plan")))
    status = form_status()
    if form.validate_on_submit():
        try:
            activity = activities.save_activity(current_user, record, activity, form.values(),
                                                upload=form.evidence.data or None)
        except ActivityError as exc:
            form[exc.field].errors.append(exc.message)
        except UploadRefused as exc:
            form.evidence.errors.append(exc.message)
            status = exc.status
        else:
            db.session.commit()
            flash(_("The activity was saved."), "success")
            return redirect(url_for("activities.detail", activity_id=activity.id))
        db.session.rollback()
    return render_template("plans/activity_form.html", form=form, record=record,
                           activity=activity, reach_labels=REACH_LABELS), status


@bp.get("/new")
@role_required(*STAFF_ROLES)
def choose_person():
    """Find the person of the office to record an activity for."""
    require(policy.can_enter_for_others(current_user))
    q = request.args.get("q", "").strip()[:100]
    people = activities.people_to_choose(current_user, q) if q else []
    return render_template("plans/choose_person.html", q=q, people=people)


@bp.route("/new/<int:record_id>", methods=["GET", "POST"])
@object_rule(description="plans.policy.can_record_activity")
def create(record_id: int):
    """Record an activity (an alumnus their own; staff on an alumnus's behalf)."""
    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    require(policy.can_record_activity(current_user, record), record)
    return _save(record, None)


create.accepts_uploads = True


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@object_rule(description="plans.policy.can_edit_activity")
def edit(activity_id: int):
    """Change an activity."""
    activity = _activity(activity_id)
    require(policy.can_edit_activity(current_user, activity), activity)
    return _save(policy.record_of(activity), activity)


edit.accepts_uploads = True


def _detail_page(activity: Activity, form: EvidenceForm, status: int = 200):
    return render_template("plans/activity.html", activity=activity, form=form,
                           record=policy.record_of(activity), kinds=KIND_LABELS,
                           reach_labels=REACH_LABELS), status


@bp.get("/<int:activity_id>")
@object_rule(description="plans.policy.can_view_activity")
def detail(activity_id: int):
    """Show an activity, the people it reached and its evidence."""
    activity = _activity(activity_id)
    require(policy.can_view_activity(current_user, activity), activity)
    return _detail_page(activity, EvidenceForm(formdata=None))


@bp.post("/<int:activity_id>/evidence")
@object_rule(description="plans.policy.can_edit_activity")
def add_evidence(activity_id: int):
    """Attach an evidence file to an activity."""
    activity = _activity(activity_id)
    require(policy.can_edit_activity(current_user, activity), activity)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _detail_page(activity, form, 400)
    try:
        activities.add_evidence(current_user, activity, form.file.data)
    except UploadRefused as exc:
        db.session.rollback()
        form.file.errors.append(exc.message)
        return _detail_page(activity, form, exc.status)
    db.session.commit()
    flash(_("The file was attached."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


add_evidence.accepts_uploads = True


@bp.get("/<int:activity_id>/evidence/<int:file_id>")
@object_rule(description="plans.policy.can_view_activity")
def evidence(activity_id: int, file_id: int):
    """Download one evidence file of an activity."""
    activity = _activity(activity_id)
    require(policy.can_view_activity(current_user, activity), activity)
    attached = db.session.scalar(sa.select(activity_evidence.c.file_id).where(
        activity_evidence.c.activity_id == activity.id, activity_evidence.c.file_id == file_id))
    if attached is None:
        abort(404)
    return storage.send_stored_file(db.session.get(StoredFile, file_id))
