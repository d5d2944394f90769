"""The forms of announcements, e-mail sending and mail preferences."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from alumni_app.forms import BaseForm
from alumni_app.grants.forms import near_today
from alumni_app.messages.models import Scope

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
SCOPE_LABELS = {
    Scope.OFFICE.value: _l("All alumni of the office"),
    Scope.GROUP.value: _l("A group chosen with the filters below"),
    Scope.EVERYONE.value: _l("Everyone: the alumni of every office"),
}


def _title(label):
    return StringField(label, validators=[Length(max=200)], render_kw={"maxlength": 200})


def _body(label):
    return TextAreaField(label, validators=[Length(max=20000)], render_kw={"rows": 8},
                         description=_l("Formatting: **bold**, *italic*, ## heading, - list, "
                                        "[link text](https://example.org)."))


class AnnouncementForm(BaseForm):
    title_en = _title(_l("Title in English"))
    body_en = _body(_l("Text in English"))
    title_ru = _title(_l("Title in Russian"))
    body_ru = _body(_l("Text in Russian"))
    scope = SelectField(_l("Who reads it"), choices=[], default=Scope.OFFICE.value)
    office_id = SelectField(_l("Office"), choices=[], coerce=int, validate_choice=False,
                            default=0)
    publish_at = DateTimeLocalField(_l("Publish from (office time)"), format=DATETIME_FORMATS,
                                    validators=[Optional(), near_today],
                                    description=_l("Empty: now."))
    expires_at = DateTimeLocalField(_l("Show until (office time)"), format=DATETIME_FORMATS,
                                    validators=[Optional(), near_today],
                                    description=_l("Empty: no end."))
    is_pinned = BooleanField(_l("Pinned: shown above the others"))
    is_public = BooleanField(
        _l("Public: shown on the public news page (a success story)"),
        description=_l("Anyone can read it without logging in: name or show people only with "
                       "their consent."))
    public_consent = BooleanField(
        _l("The people it names or shows agreed to be on the public page"),
        description=_l("Required for a public item, each time it is saved; your name and the "
                       "time are recorded."))
    attachment = FileField(_l("Attachment (PDF, JPEG, PNG, DOCX or XLSX)"))
    picture = FileField(_l("Picture (JPEG or PNG)"))
    remove_attachment = BooleanField(_l("Remove the attachment"))
    remove_picture = BooleanField(_l("Remove the picture"))

    def set_choices(self, admin: bool, offices) -> None:
        scopes = [Scope.OFFICE.value, Scope.GROUP.value] + (
            [Scope.EVERYONE.value] if admin else [])
        self.scope.choices = [(value, SCOPE_LABELS[value]) for value in scopes]
        self.office_id.choices = [(o.id, o.name) for o in offices]

    def validate_scope(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose who reads it from the list."))


class SendForm(BaseForm):
    """Sending an announcement: CSRF only (replies go to the office's reply-to address)."""


class ConfirmForm(BaseForm):
    """A bare confirmation: CSRF only."""


class PreferencesForm(BaseForm):
    announcements = BooleanField(_l("Announcements and news from the office"))
    events = BooleanField(_l("Event invitations and reminders"))
    grant_calls = BooleanField(_l("Calls for mini-grant proposals"))
