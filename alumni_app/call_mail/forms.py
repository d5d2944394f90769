"""The form of a call's e-mail: its text in each language and who gets it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from alumni_app.call_mail.sending import Texts
from alumni_app.forms import BaseForm
from alumni_app.messages.forms import SCOPE_LABELS
from alumni_app.messages.models import Scope

SCOPES = (Scope.OFFICE.value, Scope.GROUP.value)  # a call is its office's: never everyone


def _subject(label):
    return StringField(label, validators=[Length(max=200)], render_kw={"maxlength": 200})


def _body(label):
    return TextAreaField(label, validators=[Length(max=20000)], render_kw={"rows": 10},
                         description=_l("Formatting: **bold**, *italic*, ## heading, - list, "
                                        "[link text](https://example.org)."))


class CallMailForm(BaseForm):
    subject_en = _subject(_l("Subject in English"))
    body_en = _body(_l("Text in English"))
    subject_ru = _subject(_l("Subject in Russian"))
    body_ru = _body(_l("Text in Russian"))
    scope = SelectField(_l("Who reads it"), default=Scope.OFFICE.value, validate_choice=False,
                        choices=[(value, SCOPE_LABELS[value]) for value in SCOPES])
    # A random key the preview puts in its form: the same form posted twice queues once.
    send_key = HiddenField(validators=[Length(max=64)])

    def validate_scope(self, field):
        if field.data not in SCOPES:
            raise ValidationError(_l("Choose who reads it from the list."))

    def texts(self) -> Texts:
        return Texts({"en": self.subject_en.data or "", "ru": self.subject_ru.data or ""},
                     {"en": self.body_en.data or "", "ru": self.body_ru.data or ""})
