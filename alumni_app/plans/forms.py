"""Forms for action plans, progress updates, check-ins, comments, barriers and reminders."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from alumni_app.amounts import AmountError, parse_amount
from alumni_app.forms import BaseForm, positive_int, strip_filter
from alumni_app.plans.models import MilestoneState, PlanStatus
from alumni_app.plans.services import IndicatorRow, MilestoneRow, UpdateValues
from alumni_app.widgets import DecimalInput

STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Draft"),
    PlanStatus.IN_PROGRESS: _l("In progress"),
    PlanStatus.COMPLETED: _l("Completed"),
    PlanStatus.STALLED: _l("Stalled"),
    PlanStatus.ABANDONED: _l("Abandoned"),
}
MILESTONE_STATE_LABELS = {
    MilestoneState.PLANNED: _l("Planned"),
    MilestoneState.IN_PROGRESS: _l("Under way"),
    MilestoneState.DONE: _l("Done"),
    MilestoneState.DROPPED: _l("Dropped"),
}
EXTRA_ROWS = 3  # blank rows offered for new milestones and indicators (no JavaScript needed)
LIMIT = Decimal("999999999999")
READ_LIMIT = Decimal("1e30")


def within_limit(form, field) -> None:
    """Refuse a number too large for the column (a value that is no number has its message)."""
    if field.data is not None and abs(field.data) > LIMIT:
        raise ValidationError(_l("Enter a smaller number."))


def _row_id(value) -> int | None:
    """The id of a row being edited; a garbled id reads 0, which no row has (so it is refused)."""
    return positive_int(value) or 0 if value else None


class FiniteDecimalField(DecimalField):
    """A number as people type it ("12,5", "3 000", "1 250,5"): read like money by
    alumni_app.amounts, so "NaN", "1e1000000" and misplaced separators are refused, and
    negative values (a change in a rate) are allowed. A text box: see DecimalInput."""

    widget = DecimalInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            # A number too large gets within_limit's message; this bound only keeps it a number.
            self.data = parse_amount(valuelist[0], places=self.places, allow_negative=True,
                                     maximum=READ_LIMIT)
        except AmountError as exc:
            self.data = None
            raise ValueError(str(exc.message)) from exc


class Row(Form):
    """A row inside a FieldList: strings stripped like BaseForm, no CSRF of its own."""

    class Meta:
        # A row has its own meta: without this, WTForms' messages in it stay in English.
        get_translations = BaseForm.Meta.get_translations

        def bind_field(self, form, unbound_field, options):
            filters = [strip_filter, *unbound_field.kwargs.get("filters", [])]
            return unbound_field.bind(form=form, filters=filters, **options)


class MilestoneForm(Row):
    id = HiddenField()
    description = StringField(_l("Activity planned"), validators=[Length(max=500)],
                              render_kw={"maxlength": 500})
    target_on = DateField(_l("Target date"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops the date's own validators when it is empty, so check the pair here.
        if self.description.data and not self.target_on.data and not self.target_on.errors:
            self.target_on.errors = [_l("Enter the date it should be done by, like 2025-06-30.")]
            return False
        if self.target_on.data and not self.description.data and not self.id.data:
            self.description.errors = [_l("Say what will be done by this date.")]
            return False
        return valid

    def validate_description(self, field):
        if self.id.data and not field.data:
            raise ValidationError(_l("A milestone cannot be removed; mark it dropped in a "
                                     "progress update instead."))


class IndicatorForm(Row):
    id = HiddenField()
    name = StringField(_l("Indicator"), validators=[Length(max=300)],
                       render_kw={"maxlength": 300})
    unit = StringField(_l("Unit"), validators=[Length(max=40)], render_kw={"maxlength": 40})
    baseline = FiniteDecimalField(_l("Baseline"), places=2,
                                  validators=[Optional(), within_limit])
    target = FiniteDecimalField(_l("Target"), places=2, validators=[Optional(), within_limit])

    def validate_name(self, field):
        if not field.data and (self.baseline.data is not None or self.target.data is not None):
            raise ValidationError(_l("Name the indicator these values measure."))
        if self.id.data and not field.data:
            raise ValidationError(_l("An indicator cannot be removed once written."))


class ListsMeta:
    """BaseForm adds a strip filter to every field; FieldList and FormField refuse filters."""

    def bind_field(self, form, unbound_field, options):
        if issubclass(unbound_field.field_class, (FieldList, FormField)):
            return unbound_field.bind(form=form, **options)
        return BaseForm.Meta.bind_field(self, form, unbound_field, options)


class PlanForm(BaseForm):
    class Meta(ListsMeta):
        pass

    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Give the plan a title.")), Length(max=200)],
        render_kw={"maxlength": 200})
    problem = TextAreaField(_l("The problem"), validators=[Length(max=5000)],
                            render_kw={"rows": 3})
    objectives = TextAreaField(_l("Objectives"), validators=[Length(max=5000)],
                               render_kw={"rows": 3})
    stakeholders = TextAreaField(_l("Stakeholders to involve"), validators=[Length(max=2000)],
                                 render_kw={"rows": 2})
    support_needed = TextAreaField(_l("Support needed from the office"),
                                   validators=[Length(max=2000)], render_kw={"rows": 2})
    status = SelectField(_l("Status"), choices=[(s.value, label) for s, label in
                                                STATUS_LABELS.items()])
    milestones = FieldList(FormField(MilestoneForm), max_entries=60)
    indicators = FieldList(FormField(IndicatorForm), max_entries=40)
    paper_copy = FileField(_l("Scanned paper copy (PDF, JPEG, PNG, DOCX or XLSX)"))
    edit_version = HiddenField()  # the plan's version when the form was opened

    def opened_at(self) -> int | None:
        return positive_int(self.edit_version.data)

    def validate_milestones(self, field):
        if not any(row.form.description.data for row in field):
            raise ValidationError(_l("Add at least one milestone: an activity with its date."))

    def own_errors(self, name: str) -> list:
        """A FieldList's own messages, without its rows' error dictionaries."""
        return [e for e in self[name].errors if not isinstance(e, dict | list)]

    def _filled_milestones(self) -> list[MilestoneForm]:
        return [row.form for row in self.milestones if row.form.description.data]

    def milestone_rows(self) -> list[MilestoneRow]:
        """The milestones written (rows left empty are skipped)."""
        return [MilestoneRow(f.description.data, f.target_on.data, _row_id(f.id.data))
                for f in self._filled_milestones()]

    def milestone_error(self, index: int, message: str) -> None:
        """Show a message next to the date of milestone_rows()[index], in the row it came from."""
        self._filled_milestones()[index].target_on.errors.append(message)

    def indicator_rows(self) -> list[IndicatorRow]:
        return [IndicatorRow(r.form.name.data, r.form.unit.data or "", r.form.baseline.data,
                             r.form.target.data, positive_int(r.form.id.data))
                for r in self.indicators if r.form.name.data]

    def values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in (
            "title", "problem", "objectives", "stakeholders", "support_needed", "status")}


def plan_form(plan=None, **kwargs) -> PlanForm:
    """A plan form with the plan's rows and a few blank ones for new milestones and indicators."""
    form = PlanForm(obj=plan, **kwargs)  # edit_version too: the plan's, when the form opens
    if not form.is_submitted():
        for _ in range(EXTRA_ROWS):
            form.milestones.append_entry()
        for _ in range(EXTRA_ROWS - 1):
            form.indicators.append_entry()
    return form


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UpdateForm(BaseForm):
    done_text = TextAreaField(_l("What was done"), validators=[
        DataRequired(message=_l("Say what was done since the last update.")),
        Length(max=5000)], render_kw={"rows": 4})
    barrier_ids = CheckboxesField(_l("Barriers met"), coerce=int, validate_choice=True)
    support_needed = TextAreaField(_l("Support needed from the office"),
                                   validators=[Length(max=2000)], render_kw={"rows": 2})

    def values(self) -> UpdateValues:
        milestones = {int(name.removeprefix("milestone_")): field.data
                      for name, field in self._fields.items() if name.startswith("milestone_")}
        indicators = {int(name.removeprefix("indicator_")): field.data
                      for name, field in self._fields.items()
                      if name.startswith("indicator_") and field.data is not None}
        return UpdateValues(self.done_text.data, self.support_needed.data or "", milestones,
                            indicators, list(self.barrier_ids.data or []))


def update_form(plan, barriers, locale: str, **kwargs) -> UpdateForm:
    """A progress update form with one field per milestone and per indicator of the plan."""

    class PlanUpdateForm(UpdateForm):
        pass

    states = [(s.value, label) for s, label in MILESTONE_STATE_LABELS.items()]
    for milestone in plan.milestones:
        setattr(PlanUpdateForm, f"milestone_{milestone.id}", SelectField(
            milestone.description, choices=states, default=milestone.state))
    for indicator in plan.indicators:
        setattr(PlanUpdateForm, f"indicator_{indicator.id}", FiniteDecimalField(
            indicator.name, places=2, validators=[Optional(), within_limit],
            description=indicator.unit))
    form = PlanUpdateForm(**kwargs)
    form.barrier_ids.choices = [(b.id, b.name(locale)) for b in barriers]
    return form


class VerifyForm(BaseForm):
    note = StringField(_l("How it was verified (visit, documents ...)"),
                       validators=[Length(max=500)], render_kw={"maxlength": 500})


class CommentForm(BaseForm):
    body = TextAreaField(_l("Comment"), validators=[
        DataRequired(message=_l("Write a comment first.")), Length(max=5000)],
        render_kw={"rows": 3})


class BarrierForm(BaseForm):
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=80)])
    name_ru = StringField(_l("Name in Russian"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=80)])
    is_active = BooleanField(_l("In use"), default=True)


class ReminderForm(BaseForm):
    reminders_enabled = BooleanField(_l("E-mail me when a check-in is due or a milestone is "
                                        "overdue"))
