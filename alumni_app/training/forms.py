"""Forms for the course catalog, sectors and regions."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from alumni_app.forms import BaseForm, WholeNumberField
from alumni_app.training.labels import PROGRAM_TYPE_LABELS
from alumni_app.training.models import fiscal_year

FISCAL_YEAR_MISMATCH = _l("A course starting on %(date)s is in fiscal year %(year)s (April to "
                          "March): correct the start date or the fiscal year.")


class CourseForm(BaseForm):
    code = StringField(_l("Course number or code"), validators=[
        DataRequired(message=_l("Enter the course number, e.g. 201984321-J001.")),
        Length(max=40)], render_kw={"maxlength": 40})
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter the title.")),
                                                 Length(max=300)], render_kw={"maxlength": 300})
    program_type = SelectField(_l("Program type"), choices=[
        (p.value, label) for p, label in PROGRAM_TYPE_LABELS.items()])
    sector_id = SelectField(_l("Sector"), coerce=int, validate_choice=True)
    host_institution = StringField(_l("Host institution in Japan"),
                                   validators=[Optional(), Length(max=200)])
    host_city = StringField(_l("City in Japan"), validators=[Optional(), Length(max=80)])
    start_on = DateField(_l("Start date"), validators=[Optional()],
                         render_kw={"placeholder": "2019-04-01"})
    end_on = DateField(_l("End date"), validators=[Optional()])
    fiscal_year = WholeNumberField(
        _l("Japanese fiscal year (April to March)"),
        validators=[Optional(), NumberRange(min=1950, max=2100,
                                            message=_l("Enter a year like 2019."))],
        description=_l("Follows the start date; enter it yourself when the dates are not known."),
        render_kw={"placeholder": "2019", "inputmode": "numeric"})

    def validate_start_on(self, field):
        _plausible(field.data)

    def validate_end_on(self, field):
        _plausible(field.data)
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError(_l("The course cannot end before it starts."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.start_on.data is None and self.fiscal_year.data is None:
            self.fiscal_year.errors = [_l("Enter the start date or the fiscal year.")]
            return False
        return valid

    def validate_fiscal_year(self, field):
        start = self.start_on.data
        if start is not None and field.data is not None and field.data != fiscal_year(start):
            raise ValidationError(str(FISCAL_YEAR_MISMATCH) % {
                "date": format_date(start), "year": fiscal_year(start)})


def _plausible(day) -> None:
    """Course dates lie between 1950 and 2100 (a "9999-12-31" for "not known" is refused:
    leave the date empty instead)."""
    if day is not None and not 1950 <= day.year <= 2100:
        raise ValidationError(_l("Enter a date between 1950 and 2100, or leave it empty."))


class SectorForm(BaseForm):
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=80)])
    name_ru = StringField(_l("Name in Russian"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=80)])
    is_active = BooleanField(_l("In use"), default=True)


class RegionForm(SectorForm):
    office_id = SelectField(_l("Office"), coerce=int, validate_choice=True)
