"""Forms for the course catalog, sectors and regions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from alumni_app.forms import BaseForm
from alumni_app.training.labels import PROGRAM_TYPE_LABELS


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

    def validate_end_on(self, field):
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError(_l("The course cannot end before it starts."))


class SectorForm(BaseForm):
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=80)])
    name_ru = StringField(_l("Name in Russian"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=80)])
    is_active = BooleanField(_l("In use"), default=True)


class RegionForm(SectorForm):
    office_id = SelectField(_l("Office"), coerce=int, validate_choice=True)
