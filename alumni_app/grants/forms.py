"""Forms the applicant fills in: the proposal with its budget, the team, files, reports."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from alumni_app.amounts import AmountField, positive_amount
from alumni_app.forms import BaseForm, WholeNumberField, email_field
from alumni_app.grants import dates
from alumni_app.grants.applications import BudgetRow, EditStamp
from alumni_app.grants.labels import CATEGORY_LABELS, PROPOSAL_LANGUAGE_LABELS
from alumni_app.plans.forms import ListsMeta, Row

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
EXTRA_BUDGET_ROWS = 3
MAX_BUDGET_ROWS = 40
PEOPLE = NumberRange(min=0, max=10_000_000, message=_l("Enter a number from 0 up."))


def near_today(form, field) -> None:
    """A validator: a date (or time) within HORIZON_YEARS of today (0202 is a typo)."""
    if field.data is not None and not dates.within_horizon(field.data):
        raise ValidationError(_l("Enter a date within %(years)s years from today.",
                                 years=dates.HORIZON_YEARS))


def not_in_future(form, field) -> None:
    """A validator: money paid or returned on a day that has come (a day's grace for zones)."""
    if field.data is not None and dates.day_of(field.data) > dates.today() + timedelta(days=1):
        raise ValidationError(_l("This date is in the future."))


def _text(label, limit: int, rows: int = 4, **kwargs) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=limit)], render_kw={"rows": rows},
                         **kwargs)


class BudgetRowForm(Row):
    category = SelectField(_l("Category"), choices=[
        (c.value, label) for c, label in CATEGORY_LABELS.items()])
    description = StringField(_l("What it pays for"), validators=[Length(max=300)],
                              render_kw={"maxlength": 300})
    quantity = AmountField(_l("Quantity"), maximum=Decimal("9999999999.99"))
    unit_cost = AmountField(_l("Unit cost"))

    def validate_description(self, field):
        filled = self.quantity.data is not None or self.unit_cost.data is not None
        if filled and not field.data:
            raise ValidationError(_l("Say what this line pays for."))

    def validate_quantity(self, field):
        if self.description.data and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the quantity."))
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("The quantity must be more than zero."))

    def validate_unit_cost(self, field):
        if self.description.data and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the cost of one unit."))


class ApplicationForm(BaseForm):
    class Meta(ListsMeta):
        pass

    edit_version = HiddenField()
    edit_tab = HiddenField()  # this page's token (the autosave makes its own)
    edit_seq = HiddenField()  # the number of this save among the page's saves
    submit_token = HiddenField()
    title = StringField(_l("Title of the project"), validators=[Length(max=200)],
                        render_kw={"maxlength": 200})
    summary = _text(_l("Summary"), 2000, 3, description=_l("Two or three sentences."))
    problem = _text(_l("The problem it addresses"), 5000)
    objectives = _text(_l("Objectives"), 5000)
    activities = _text(_l("Activities and timeline"), 10000, 6)
    starts_on = DateField(_l("Activities start on"), validators=[Optional(), near_today])
    ends_on = DateField(_l("Activities end on"), validators=[Optional(), near_today])
    region_id = SelectField(_l("Target region"), coerce=int, validate_choice=True)
    target_group = StringField(_l("People to reach"), validators=[Length(max=500)],
                               render_kw={"maxlength": 500},
                               description=_l("Who: civil servants, teachers, farmers ..."))
    people_to_reach = WholeNumberField(_l("How many people"), validators=[Optional(), PEOPLE])
    plan_id = SelectField(_l("The action plan it carries forward"), coerce=int,
                          validate_choice=True)
    language = SelectField(_l("Language of the proposal"), choices=list(
        PROPOSAL_LANGUAGE_LABELS.items()))
    budget = FieldList(FormField(BudgetRowForm), max_entries=MAX_BUDGET_ROWS)

    def budget_rows(self) -> list[BudgetRow]:
        return [BudgetRow(r.form.category.data, r.form.description.data, r.form.quantity.data,
                          r.form.unit_cost.data)
                for r in self.budget if r.form.description.data]

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in (
            "title", "summary", "problem", "objectives", "activities", "starts_on", "ends_on",
            "target_group", "people_to_reach", "language")}
        values = {k: ("" if v is None and k not in ("starts_on", "ends_on", "people_to_reach")
                      else v) for k, v in values.items()}
        values["region_id"] = self.region_id.data or None
        values["plan_id"] = self.plan_id.data or None
        return values

    def stamp(self) -> EditStamp:
        """Where this form comes from: its version, page and save number (garbage reads as
        none, which only ever matches the current version)."""
        tab = self.edit_tab.data or ""
        return EditStamp(parse_version(self.edit_version.data),
                         tab if TOKEN.fullmatch(tab) else None,
                         small_number(self.edit_seq.data) or 0)

    def own_errors(self, name: str) -> list:
        return [e for e in self[name].errors if not isinstance(e, dict | list)]


def application_form(application, regions, plans, **kwargs) -> ApplicationForm:
    """The proposal form, with the application's budget lines and a few blank ones."""
    fresh = "formdata" in kwargs and kwargs["formdata"] is None
    budget = [{"category": line.category, "description": line.description,
               "quantity": line.quantity, "unit_cost": line.unit_cost}
              for line in application.budget_lines]
    form = ApplicationForm(obj=application, budget=budget, **kwargs)
    form.region_id.choices = [(0, _l("— none —")), *regions]
    form.plan_id.choices = [(0, _l("— none —")), *plans]
    if fresh or not form.is_submitted():
        form.edit_version.data = str(application.edit_version)
        form.edit_tab.data, form.edit_seq.data = secrets.token_urlsafe(16), "0"
        form.region_id.data = application.region_id or 0
        form.plan_id.data = application.plan_id or 0
        for _ in range(EXTRA_BUDGET_ROWS):
            form.budget.append_entry()
    one_time_token(form.submit_token)
    return form


def one_time_token(field) -> None:
    """Give a form's hidden one-time token field a fresh token unless it posted one of ours
    (the same form posted again keeps its token: the unique key then refuses the second)."""
    if not TOKEN.fullmatch(field.data or ""):
        field.data = secrets.token_urlsafe(24)  # missing or not one of ours


def small_number(value, digits: int = 9) -> int | None:
    """A whole number typed in ASCII digits (not "²" or "٣"), or None."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else None


def parse_version(value) -> int:
    """The version a form was opened at; garbage reads 0, which no application has."""
    return small_number(value) or 0


class TeamForm(BaseForm):
    email = email_field(_l("Co-applicant's e-mail address"))
    role = StringField(_l("Their part in the project"), validators=[Length(max=200)],
                       render_kw={"maxlength": 200})


class AnswerForm(BaseForm):
    accept = HiddenField()


class FileForm(BaseForm):
    attachment = FileField(_l("Attach a file (PDF, JPEG, PNG, DOCX or XLSX)"))

    def validate_attachment(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file first."))


class MessageForm(BaseForm):
    message = TextAreaField(_l("Message"), validators=[Length(max=5000)], render_kw={"rows": 3})


class ConfirmForm(BaseForm):
    """A bare confirmation: CSRF only."""


class CommentForm(BaseForm):
    body = TextAreaField(_l("Comment"), validators=[
        DataRequired(message=_l("Write a comment first.")), Length(max=5000)],
        render_kw={"rows": 3})
    shared = BooleanField(_l("Shared with the applicant"))


class ReportForm(BaseForm):
    narrative = TextAreaField(_l("What was done"), validators=[Length(max=20000)],
                              render_kw={"rows": 8})
    people_reached = WholeNumberField(_l("People reached"), validators=[Optional(), PEOPLE])
    women = WholeNumberField(_l("of whom women"), validators=[Optional(), PEOPLE])
    men = WholeNumberField(_l("of whom men"), validators=[Optional(), PEOPLE])

    def validate_people_reached(self, field):
        together = (self.women.data or 0) + (self.men.data or 0)
        if together and (field.data is None or together > field.data):
            raise ValidationError(_l("Women and men together cannot be more than the people "
                                     "reached."))

    def values(self) -> dict:
        return {"narrative": self.narrative.data or "", "people_reached":
                self.people_reached.data, "women": self.women.data, "men": self.men.data}


class ReceiptForm(BaseForm):
    budget_line = SelectField(_l("Budget line"), coerce=int, validate_choice=True)
    paid_on = DateField(_l("Paid on"), validators=[DataRequired(
        message=_l("Enter the date, like 2025-06-30.")), near_today, not_in_future])
    amount = AmountField(_l("Amount"), validators=[positive_amount])
    description = StringField(_l("What was bought"), validators=[
        DataRequired(message=_l("Say what was bought.")), Length(max=300)],
        render_kw={"maxlength": 300})
    scan = FileField(_l("Scan of the receipt (PDF, JPEG or PNG)"))

    def validate_scan(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Attach the scanned receipt."))


class MoveForm(BaseForm):
    from_line = SelectField(_l("Move money from"), coerce=int, validate_choice=True)
    to_line = SelectField(_l("to"), coerce=int, validate_choice=True)
    amount = AmountField(_l("Amount"), validators=[positive_amount])
    reason = TextAreaField(_l("Why"), validators=[
        DataRequired(message=_l("Say why the money is needed elsewhere.")), Length(max=1000)],
        render_kw={"rows": 2})


def line_choices(application) -> list[tuple[int, str]]:
    return [(line.id, line.description) for line in application.budget_lines]
