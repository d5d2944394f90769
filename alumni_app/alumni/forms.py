"""Forms for ex-participant records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from alumni_app.alumni.models import Gender
from alumni_app.alumni.services import PostChange
from alumni_app.db import utcnow
from alumni_app.forms import MAX_ID, BaseForm, WholeNumberField

GENDER_LABELS = {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male"),
                 Gender.UNSPECIFIED: _l("Not specified")}


def _text(label, size, **kw):
    return StringField(label, validators=[Optional(), Length(max=size)],
                       render_kw={"maxlength": size}, **kw)


POST_CHANGE_LABELS = {
    PostChange.MOVED: _l("A new post: the person moved (the current one is kept as an earlier "
                         "post)"),
    PostChange.CORRECTED: _l("A correction of the current entry (a typo, a new name of the same "
                             "post)"),
}
POST_DATE_MESSAGES = {
    "future": _l("The date cannot be in the future."),
    "before-current": _l("The new post cannot begin before the current one (%(date)s)."),
    "end-before-start": _l("A post cannot end before it begins."),
}

MERGE_MESSAGES = {
    "merge-same": _l("A record cannot be merged into itself."),
    "merge-other-office": _l("Only records of the same office can be merged."),
    "merge-merged-away": _l("One of the records was already merged into another record: merge "
                            "into the record it lives on in."),
    "merge-erased": _l("One of the records was erased at the person's request; it cannot be "
                       "merged."),
    "merge-inactive": _l("One of the records is deactivated: reactivate it before merging."),
    "both-claimed": _l("Both records belong to accounts; they cannot be merged."),
}


class PostChangeMixin:
    """Whether a changed organization or position is a move to a new post, or a correction.

    The view of an edit sets `current_post` to the record's (organization, position) before
    the edit; a new record has no post to move from.
    """

    post_change = RadioField(_l("If the organization or position changed, this is"),
                             choices=[(c.value, label) for c, label in POST_CHANGE_LABELS.items()],
                             validators=[Optional()])
    moved_on = DateField(_l("In the new post since"), validators=[Optional()],
                         description=_l("Only for a new post."))
    current_post: tuple[str, str] | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.current_post is None:
            return valid
        org, position = self.current_post
        changed = ((self.organization.data or "") != (org or "")
                   or (self.position.data or "") != (position or ""))
        if not changed:
            return valid
        if self.post_change.data not in {c.value for c in PostChange}:
            self.post_change.errors = [_l("Say whether this is a new post or a correction.")]
            return False
        if self.post_change.data == PostChange.MOVED:
            if self.moved_on.data is None and not self.moved_on.errors:
                self.moved_on.errors = [_l("Enter the date the new post began.")]
                return False
            if self.moved_on.data and self.moved_on.data > utcnow().date():
                self.moved_on.errors = [POST_DATE_MESSAGES["future"]]
                return False
        return valid

    def post_values(self) -> dict:
        return {"post_change": self.post_change.data or None,
                "moved_on": self.moved_on.data
                if self.post_change.data == PostChange.MOVED else None}


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


class RecordForm(PostChangeMixin, ProfileFieldsMixin, BaseForm):
    given_name = _text(_l("Given name (Latin)"), 100)
    family_name = _text(_l("Family name (Latin)"), 100)
    given_name_cyr = _text(_l("Given name (Cyrillic)"), 100)
    family_name_cyr = _text(_l("Family name (Cyrillic)"), 100)
    gender = SelectField(_l("Gender"), choices=[(g.value, label) for g, label in
                                                GENDER_LABELS.items()])
    birth_year = WholeNumberField(_l("Year of birth"), validators=[
        Optional(), NumberRange(min=1900, max=2100, message=_l("Enter a year like 1985."))])
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=True)
    email = StringField(_l("E-mail"), validators=[
        Optional(), Length(max=254),
        Email(message=_l("Enter a valid e-mail address, like name@example.org."),
              check_deliverability=False)])
    is_verified = BooleanField(_l("Record verified by the office"))
    post_started_on = DateField(_l("In the current post since"), validators=[Optional()])

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
                 "languages", "bio", "is_verified", "post_started_on")
        data = {name: getattr(self, name).data for name in names}
        data["email"] = (data["email"] or "").lower()
        data["region_id"] = self.region_id.data or None
        return {k: ("" if v is None and k not in ("birth_year", "region_id", "post_started_on")
                    else v) for k, v in data.items()}


class MergeForm(BaseForm):
    duplicate_id = WholeNumberField(_l("Number of the duplicate record"), validators=[
        NumberRange(min=1, max=MAX_ID,
                    message=_l("Enter the number shown on the duplicate's page."))])


class PostForm(BaseForm):
    """An earlier post, with its dates."""

    organization = StringField(_l("Organization"), validators=[
        DataRequired(message=_l("Enter the organization.")), Length(max=200)],
        render_kw={"maxlength": 200})
    position = _text(_l("Position"), 200)
    started_on = DateField(_l("From"), validators=[Optional()])
    ended_on = DateField(_l("Until"), validators=[Optional()])

    def validate_ended_on(self, field):
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(str(POST_DATE_MESSAGES["end-before-start"]))

    def values(self) -> dict:
        return {"organization": self.organization.data, "position": self.position.data or "",
                "started_on": self.started_on.data, "ended_on": self.ended_on.data}


class ParticipationForm(BaseForm):
    course_id = SelectField(_l("Course"), coerce=int, validate_choice=True)
    nominating_organization = _text(_l("Nominating organization"), 200)
    position = _text(_l("Position at nomination"), 200)


class NominationForm(BaseForm):
    """Who nominated the person for a course, and their position then."""

    nominating_organization = _text(_l("Nominating organization"), 200)
    position_at_nomination = _text(_l("Position at nomination"), 200)

    def values(self) -> dict:
        return {"nominating_organization": self.nominating_organization.data or "",
                "position_at_nomination": self.position_at_nomination.data or ""}
