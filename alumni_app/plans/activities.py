"""Post-training activities: the form, the rules about people reached, and the changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from alumni_app import audit, storage
from alumni_app.alumni.directory import search_condition
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.forms import BaseForm, WholeNumberField
from alumni_app.plans import policy
from alumni_app.plans.models import (
    AGE_BANDS,
    ORG_KINDS,
    REACH_FIELDS,
    ActionPlan,
    Activity,
    ActivityKind,
)
from alumni_app.training.models import Course, Participation, Region, Sector

KIND_LABELS = {
    ActivityKind.SEMINAR: _l("Seminar at own organization"),
    ActivityKind.FIELD_VISIT: _l("Field visit"),
    ActivityKind.WORKSHOP: _l("Workshop"),
    ActivityKind.TRAINING: _l("Training of others"),
    ActivityKind.PUBLICATION: _l("Publication or media"),
    ActivityKind.POLICY: _l("Policy proposal"),
    ActivityKind.OTHER: _l("Other"),
}
REACH_LABELS = {
    "women": _l("Women"), "men": _l("Men"), "total": _l("People reached in total"),
    "age_under_30": _l("Under 30"), "age_30_49": _l("30 to 49"), "age_50_plus": _l("50 and over"),
    "org_government": _l("Government"), "org_ngo": _l("NGOs"),
    "org_education": _l("Universities and schools"), "org_business": _l("Companies"),
    "org_other": _l("Other organizations"),
}
CHOICE_FIELDS = ("region_id", "sector_id", "participation_id", "plan_id")
FIELDS = ("kind", "held_on", "title", "description", *CHOICE_FIELDS, *REACH_FIELDS)
MESSAGES = {
    "women-men": _l("Women and men together (%(sum)s) cannot be more than the total."),
    "ages": _l("The age bands add up to %(sum)s, more than the total."),
    "organizations": _l("The kinds of organization add up to %(sum)s, more than the total."),
    "plan": _l("Choose one of this person's action plans."),
    "participation": _l("Choose one of this person's courses."),
    "plan-course": _l("The action plan chosen belongs to another course: choose its course "
                      "(%(course)s), or no plan."),
}
COUNT_MESSAGE = _l("Enter a whole number, 0 or more.")


class ActivityError(DomainError):
    """A broken rule; `field` names the form field the message belongs next to."""

    def __init__(self, code: str, field: str, **params):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params


def _count(name: str, required: bool = False) -> WholeNumberField:
    first = InputRequired(message=COUNT_MESSAGE) if required else Optional()
    return WholeNumberField(REACH_LABELS[name], validators=[
        first, NumberRange(min=0, max=10_000_000, message=COUNT_MESSAGE)])


class ActivityForm(BaseForm):
    kind = SelectField(_l("Type"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    held_on = DateField(_l("Date"), validators=[DataRequired(
        message=_l("Enter the date, like 2025-03-14."))])
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Give the activity a short title.")), Length(max=200)],
        render_kw={"maxlength": 200})
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)],
                                render_kw={"rows": 3})
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=True)
    sector_id = SelectField(_l("Sector"), coerce=int, validate_choice=True)
    participation_id = SelectField(_l("Course it follows from"), coerce=int, validate_choice=True,
                                   description=_l("Outcomes by course count the activity "
                                                  "there; with an action plan, the plan's "
                                                  "course."))
    plan_id = SelectField(_l("Action plan it belongs to"), coerce=int, validate_choice=True)
    total = _count("total", required=True)
    women, men = _count("women"), _count("men")
    age_under_30, age_30_49, age_50_plus = (_count(n) for n in AGE_BANDS)
    org_government, org_ngo, org_education, org_business, org_other = (
        _count(n) for n in ORG_KINDS)
    evidence = FileField(_l("Evidence (PDF, JPEG, PNG, DOCX or XLSX)"))

    def values(self) -> dict:
        values = {name: self[name].data for name in FIELDS}
        for name in CHOICE_FIELDS:
            values[name] = values[name] or None
        values["description"] = values["description"] or ""
        return values


def _defaults(activity, plans: list[ActionPlan], parts: list[Participation],
              plan_id: int | None) -> dict:
    """Choices shown first: the activity's; for a new one the plan's course, or the only one."""
    if activity is not None:
        return {n: getattr(activity, n) or 0 for n in CHOICE_FIELDS}
    defaults = dict.fromkeys(CHOICE_FIELDS, 0)
    plan = next((p for p in plans if p.id == plan_id), None)
    if plan is not None:
        defaults.update(plan_id=plan.id, participation_id=plan.participation_id)
    elif len(parts) == 1:
        defaults["participation_id"] = parts[0].id
    return defaults


def activity_form(record: AlumnusRecord, locale: str, activity=None, plan_id: int | None = None,
                  **kwargs) -> ActivityForm:
    """The form with the regions of the record's office, sectors, the record's courses and plans."""
    plans, parts = record_plans(record), record_participations(record)
    form = ActivityForm(obj=activity, data=_defaults(activity, plans, parts, plan_id), **kwargs)
    regions = db.session.scalars(sa.select(Region).where(
        Region.office_id == record.office_id, Region.is_active).order_by(Region.name_en))
    sectors = db.session.scalars(sa.select(Sector).where(Sector.is_active)
                                 .order_by(Sector.name_en))
    form.region_id.choices = [(0, "—")] + [(r.id, r.name(locale)) for r in regions]
    form.sector_id.choices = [(0, "—")] + [(s.id, s.name(locale)) for s in sectors]
    form.participation_id.choices = [(0, "—")] + [(p.id, course_name(p)) for p in parts]
    form.plan_id.choices = [(0, "—")] + [(p.id, p.title) for p in plans]
    return form


def course_name(participation: Participation) -> str:
    course = participation.course
    return f"{course.code} · {course.title}"


def record_plans(record: AlumnusRecord) -> list[ActionPlan]:
    return list(db.session.scalars(
        sa.select(ActionPlan).join(Participation, Participation.id == ActionPlan.participation_id)
        .where(Participation.record_id == record.id).order_by(ActionPlan.id)))


def record_participations(record: AlumnusRecord) -> list[Participation]:
    """The person's courses, newest first."""
    return list(db.session.scalars(
        sa.select(Participation).join(Course, Course.id == Participation.course_id)
        .where(Participation.record_id == record.id)
        .order_by(Course.start_on.desc().nulls_last(), Participation.id)))


def _attribute(record: AlumnusRecord, values: dict) -> None:
    """Check the plan and course chosen; an activity with a plan passes on the plan's course."""
    plan = None
    if values.get("plan_id"):
        plan = next((p for p in record_plans(record) if p.id == values["plan_id"]), None)
        if plan is None:
            raise ActivityError("plan", "plan_id")
    if values.get("participation_id") and values["participation_id"] not in {
            p.id for p in record_participations(record)}:
        raise ActivityError("participation", "participation_id")
    if plan is not None:
        if values.get("participation_id") not in (None, plan.participation_id):
            raise ActivityError("plan-course", "participation_id",
                                course=course_name(plan.participation))
        values["participation_id"] = plan.participation_id


def people_to_choose(user, q: str, limit: int = 20) -> list[AlumnusRecord]:
    """Current people of the user's office whose names match `q`, to record an activity for."""
    condition = search_condition(q)
    if condition is None:
        return []
    query = policy.people_for_entry(sa.select(AlumnusRecord).where(condition), user)
    return list(db.session.scalars(query.order_by(
        AlumnusRecord.family_name, AlumnusRecord.given_name, AlumnusRecord.id).limit(limit)))


def check_counts(values: dict) -> None:
    """Refuse breakdowns of the people reached that add up to more than the total."""
    total = values.get("total") or 0
    women_men = (values.get("women") or 0) + (values.get("men") or 0)
    if women_men > total:
        raise ActivityError("women-men", "total", sum=women_men)
    for code, names in (("ages", AGE_BANDS), ("organizations", ORG_KINDS)):
        subtotal = sum(values.get(name) or 0 for name in names)
        if subtotal > total:
            raise ActivityError(code, names[0], sum=subtotal)


def save_activity(actor, record: AlumnusRecord, activity: Activity | None, values: dict,
                  upload=None) -> Activity:
    """Record or change an activity (with a first evidence file); counts checked first."""
    check_counts(values)
    values = dict(values)
    _attribute(record, values)
    evidence = storage.save_upload(upload, actor=actor) if upload else None
    creating = activity is None
    activity = activity or Activity(record_id=record.id, created_by_id=actor.id)
    for name in FIELDS:
        setattr(activity, name, values.get(name))
    if evidence is not None:
        activity.evidence.append(evidence)
    db.session.add(activity)
    db.session.flush()
    audit.record("activity.created" if creating else "activity.updated", actor=actor,
                 subject=activity, office_id=record.office_id, kind=activity.kind,
                 total=activity.total, evidence=evidence.id if evidence else None)
    return activity


def add_evidence(actor, activity: Activity, upload) -> None:
    """Attach another evidence file to an activity."""
    stored = storage.save_upload(upload, actor=actor)
    activity.evidence.append(stored)
    db.session.flush()
    record = db.session.get(AlumnusRecord, activity.record_id)
    audit.record("activity.evidence_added", actor=actor, subject=activity,
                 office_id=record.office_id, file_id=stored.id)
