"""Forms of the office: calls, screening, reviewers, reviews, decisions and the grant's money."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from alumni_app.amounts import AmountField, positive_amount
from alumni_app.forms import BaseForm, WholeNumberField
from alumni_app.grants.calls import CriterionRow
from alumni_app.grants.decisions import TrancheRow
from alumni_app.grants.forms import near_today, not_in_future, one_time_token
from alumni_app.grants.labels import RECOMMENDATION_LABELS
from alumni_app.plans.forms import ListsMeta, Row

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
EXTRA_CRITERIA, EXTRA_TRANCHES = 2, 3


def _needed(message) -> DataRequired:
    return DataRequired(message=message)


class CriterionForm(Row):
    name = StringField(_l("Criterion"), validators=[Length(max=200)],
                       render_kw={"maxlength": 200})
    weight = AmountField(_l("Weight"))
    scale_max = WholeNumberField(_l("Scored from 1 to"), default=5, validators=[
        Optional(), NumberRange(min=2, max=10,
                                message=_l("The top of the scale is a number from 2 to 10."))])

    def validate_weight(self, field):
        if self.name.data and field.data is None and not field.errors:
            raise ValidationError(_l("Give the criterion a weight."))
        if field.data is not None and not 0 < field.data <= 100:
            raise ValidationError(_l("A weight from 0.01 to 100."))


class CallForm(BaseForm):
    class Meta(ListsMeta):
        pass

    title = StringField(_l("Title"), validators=[_needed(_l("Give the call a title.")),
                                                 Length(max=200)], render_kw={"maxlength": 200})
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)],
                                render_kw={"rows": 6})
    opens_at = DateTimeLocalField(_l("Opens (office time)"), format=DATETIME_FORMATS,
                                  validators=[_needed(_l("Enter a date and time.")),
                                              near_today])
    closes_at = DateTimeLocalField(_l("Closes (office time)"), format=DATETIME_FORMATS,
                                   validators=[_needed(_l("Enter a date and time.")),
                                               near_today])
    currency = StringField(_l("Currency"), validators=[Optional(), Regexp(
        r"^[A-Za-z]{3}$", message=_l("A three-letter code, like TJS or USD."))],
        filters=[lambda v: v.upper() if isinstance(v, str) else v],
        render_kw={"maxlength": 3, "autocapitalize": "characters"},
        description=_l("The office's currency unless you choose another (USD, JPY ...)."))
    total_budget = AmountField(_l("Total budget"), validators=[positive_amount])
    ceiling = AmountField(_l("Ceiling per grant"), validators=[positive_amount])
    min_months_since_training = WholeNumberField(
        _l("Minimum months since the training ended"), default=0,
        validators=[InputRequired(message=_l("Enter a number (0 for none).")),
                    NumberRange(min=0, max=600)])
    min_team_size = WholeNumberField(
        _l("Minimum team size, applicant included"), default=1,
        validators=[InputRequired(message=_l("Enter a number (1: no co-applicants needed).")),
                    NumberRange(min=1, max=10)])
    reviews_required = WholeNumberField(
        _l("Reviews required per application"), default=2,
        validators=[InputRequired(message=_l("Enter a number from 1 to 10.")),
                    NumberRange(min=1, max=10)])
    criteria = FieldList(FormField(CriterionForm), max_entries=20)

    def criterion_rows(self) -> list[CriterionRow]:
        return [CriterionRow(r.form.name.data, r.form.weight.data, r.form.scale_max.data or 5)
                for r in self.criteria if r.form.name.data]

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "title", "description", "opens_at", "closes_at", "currency", "total_budget", "ceiling",
            "min_months_since_training", "min_team_size", "reviews_required")}

    def own_errors(self, name: str) -> list:
        return [e for e in self[name].errors if not isinstance(e, dict | list)]


def call_form(call=None, *, local_times=None, currency: str = "", **kwargs) -> CallForm:
    criteria = [{"name": c.name, "weight": c.weight, "scale_max": c.scale_max}
                for c in call.criteria] if call else []
    form = CallForm(obj=call, criteria=criteria, **kwargs)
    if not form.is_submitted():
        if local_times:
            form.opens_at.data, form.closes_at.data = local_times
        form.currency.data = form.currency.data or currency
        for _ in range(EXTRA_CRITERIA if criteria else 3):
            form.criteria.append_entry()
    return form


class ExtendForm(BaseForm):
    closes_at = DateTimeLocalField(_l("New closing date and time (office time)"),
                                   format=DATETIME_FORMATS,
                                   validators=[_needed(_l("Enter a date and time.")),
                                               near_today])
    message = TextAreaField(_l("Note"), validators=[Length(max=2000)], render_kw={"rows": 2})


class ScreenForm(BaseForm):
    decision = RadioField(_l("Eligibility"), choices=[
        ("eligible", _l("Eligible: send to review")), ("ineligible", _l("Not eligible"))],
        validators=[InputRequired(message=_l("Choose one."))])
    note = TextAreaField(_l("Reason or note (the applicant reads it when not eligible)"),
                         validators=[Length(max=2000)], render_kw={"rows": 2})

    def validate_note(self, field):
        if self.decision.data == "ineligible" and not field.data:
            raise ValidationError(_l("Say why the application is not eligible."))


class AssignForm(BaseForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validate_choice=True)


class ConflictForm(BaseForm):
    note = TextAreaField(_l("The conflict of interest"), validators=[
        _needed(_l("Describe the conflict in a few words.")), Length(max=1000)],
        render_kw={"rows": 2})


class RevisionForm(BaseForm):
    message = TextAreaField(_l("What should the applicant change?"), validators=[
        _needed(_l("Write what should change: the applicant reads it.")), Length(max=5000)],
        render_kw={"rows": 4})


class TrancheForm(Row):
    amount = AmountField(_l("Amount"))
    planned_on = DateField(_l("Paid on (planned)"), validators=[Optional(), near_today])
    report_due_on = DateField(_l("Report due on"), validators=[Optional(), near_today])

    def validate_amount(self, field):
        given = any((field.data is not None, self.planned_on.data, self.report_due_on.data))
        if given and (field.data is None or field.data <= 0) and not field.errors:
            raise ValidationError(_l("Enter an amount above zero."))
        if given and not (self.planned_on.data and self.report_due_on.data):
            raise ValidationError(_l("Enter both dates of this tranche."))

    def validate_report_due_on(self, field):
        if field.data and self.planned_on.data and field.data <= self.planned_on.data:
            raise ValidationError(_l("The report falls due after the payment."))


class ApproveForm(BaseForm):
    class Meta(ListsMeta):
        pass

    amount = AmountField(_l("Amount approved"), validators=[positive_amount])
    usd_rate = AmountField(_l("Exchange rate: 1 unit of the currency in US dollars"), places=6,
                           validators=[positive_amount])
    conditions = TextAreaField(_l("Conditions"), validators=[Length(max=5000)],
                               render_kw={"rows": 3})
    tranches = FieldList(FormField(TrancheForm), max_entries=12)
    confirm_earlier = BooleanField(_l("Decide on reviews of an earlier version"))

    def tranche_rows(self) -> list[TrancheRow]:
        return [TrancheRow(r.form.amount.data, r.form.planned_on.data, r.form.report_due_on.data)
                for r in self.tranches if r.form.amount.data is not None]

    def own_errors(self, name: str) -> list:
        return [e for e in self[name].errors if not isinstance(e, dict | list)]


def approve_form(application, **kwargs) -> ApproveForm:
    form = ApproveForm(**kwargs)
    if not form.is_submitted():
        form.amount.data = application.requested_amount
        for _ in range(EXTRA_TRANCHES):
            form.tranches.append_entry()
    return form


class RejectForm(BaseForm):
    reason = TextAreaField(_l("Reason (the applicant reads it)"), validators=[
        _needed(_l("Say why: the applicant reads it.")), Length(max=5000)],
        render_kw={"rows": 3})
    confirm_earlier = BooleanField(_l("Decide on reviews of an earlier version"))


class ReleaseForm(BaseForm):
    reference = StringField(_l("Payment reference"), validators=[Length(max=100)],
                            render_kw={"maxlength": 100})


class ReportReviewForm(BaseForm):
    decision = RadioField(_l("The report"), choices=[
        ("accept", _l("Accept")), ("return", _l("Send back for corrections"))],
        validators=[InputRequired(message=_l("Choose one."))])
    message = TextAreaField(_l("Message to the grantee"), validators=[Length(max=5000)],
                            render_kw={"rows": 3})

    def validate_message(self, field):
        if self.decision.data == "return" and not field.data:
            raise ValidationError(_l("Say what to correct."))


class MoveDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[
        ("approve", _l("Approve the move")), ("refuse", _l("Refuse the move"))],
        validators=[InputRequired(message=_l("Choose one."))])


class RefundForm(BaseForm):
    amount = AmountField(_l("Amount returned"), validators=[positive_amount])
    returned_on = DateField(_l("Returned on"), validators=[
        _needed(_l("Enter the date, like 2025-06-30.")), near_today, not_in_future])
    reference = StringField(_l("Payment reference"), validators=[Length(max=100)],
                            render_kw={"maxlength": 100})
    form_token = HiddenField()  # one refund per form shown: a double click records it once

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        one_time_token(self.form_token)


def review_form(criteria, review, version: int | None, **kwargs):
    """A review form with a score and a comment field per criterion of the call, and the
    version of the application the reviewer reads (the current one when the form opens)."""

    class CriteriaReviewForm(BaseForm):
        version = HiddenField()
        recommendation = RadioField(_l("Recommendation"), choices=list(
            RECOMMENDATION_LABELS.items()), validators=[Optional()])
        comment = TextAreaField(_l("Overall comment"), validators=[Length(max=10000)],
                                render_kw={"rows": 4})

    scores = {s.criterion_id: s for s in review.scores}
    for criterion in criteria:
        choices = [("", "—")] + [(str(n), str(n)) for n in range(1, criterion.scale_max + 1)]
        # The service checks the range (a missing score is allowed in a saved draft).
        setattr(CriteriaReviewForm, f"score_{criterion.id}", SelectField(
            criterion.name, choices=choices, description=criterion.description,
            validate_choice=False))
        setattr(CriteriaReviewForm, f"note_{criterion.id}", TextAreaField(
            _l("Comment on “%(name)s”", name=criterion.name),
            validators=[Length(max=5000)], render_kw={"rows": 2}))
    form = CriteriaReviewForm(**kwargs)
    if not form.is_submitted() or kwargs.get("formdata", True) is None:
        form.version.data = str(version or "")
    if not form.is_submitted():
        form.recommendation.data = review.recommendation
        form.comment.data = review.comment
        for criterion in criteria:
            saved = scores.get(criterion.id)
            form[f"score_{criterion.id}"].data = str(saved.score) if saved else ""
            form[f"note_{criterion.id}"].data = saved.comment if saved else ""
    return form
