"""Forms for ex-participant records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, NumberRange, Optional

from alumni_app.alumni.models import Gender
from alumni_app.forms import BaseForm

GENDER_LABELS = {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male"),
                 Gender.UNSPECIFIED: _l("Not specified")}


def _text(label, size, **kw):
    return StringField(label, validators=[Optional(), Length(max=size)],
                       render_kw={"maxlength": size}, **kw)


class ProfileFieldsMixin:
    organization = _text(_l("Organization"), 200)
    position = _text(_l("Position"), 200)
    phone = _text(_l("Phone"), 40)
    email_alt = StringField(_l("Other e-mail"), validators=[
        Optional(), Length(max=254),
        Email(message=_l("Enter a valid e-mail address, like name@example.org."),
              check_deliverability=False)])
    languages = _text(_l("Languages"), 200)
    bio = TextAreaField(_l("About"), validators=[Optional(), Length(max=4000)],
                        render_kw={"rows": 4, "maxlength": 4000})
    sector_ids = SelectMultipleField(_l("Sectors"), coerce=int, validate_choice=True)


class RecordForm(ProfileFieldsMixin, BaseForm):
    given_name = _text(_l("Given name (Latin)"), 100)
    family_name = _text(_l("Family name (Latin)"), 100)
    given_name_cyr = _text(_l("Given name (Cyrillic)"), 100)
    family_name_cyr = _text(_l("Family name (Cyrillic)"), 100)
    gender = SelectField(_l("Gender"), choices=[(g.value, label) for g, label in
                                                GENDER_LABELS.items()])
    birth_year = IntegerField(_l("Year of birth"), validators=[
        Optional(), NumberRange(min=1900, max=2100, message=_l("Enter a year like 1985."))])
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=True)
    email = StringField(_l("E-mail"), validators=[
        Optional(), Length(max=254),
        Email(message=_l("Enter a valid e-mail address, like name@example.org."),
              check_deliverability=False)])
    is_verified = BooleanField(_l("Record verified by the office"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any((self.given_name.data, self.family_name.data, self.given_name_cyr.data,
                    self.family_name_cyr.data)):
            self.family_name.errors = [
                *self.family_name.errors,
                _l("Enter the person's name in Latin or Cyrillic letters."),
            ]
            return False
        return valid

    def values(self) -> dict:
        names = ("given_name", "family_name", "given_name_cyr", "family_name_cyr", "gender",
                 "birth_year", "email", "organization", "position", "phone", "email_alt",
                 "languages", "bio", "is_verified")
        data = {name: getattr(self, name).data for name in names}
        data["email"] = (data["email"] or "").lower()
        data["region_id"] = self.region_id.data or None
        return {k: ("" if v is None and k not in ("birth_year", "region_id") else v)
                for k, v in data.items()}


class MergeForm(BaseForm):
    duplicate_id = IntegerField(_l("Number of the duplicate record"), validators=[
        NumberRange(min=1, message=_l("Enter the number shown on the duplicate's page."))])


class ParticipationForm(BaseForm):
    course_id = SelectField(_l("Course"), coerce=int, validate_choice=True)
    nominating_organization = _text(_l("Nominating organization"), 200)
    position = _text(_l("Position at nomination"), 200)
