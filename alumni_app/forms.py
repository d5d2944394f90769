"""Form base class and shared fields: CSRF, whitespace stripping, bounded lengths."""

from __future__ import annotations

import re
from functools import cache

from babel import support
from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from wtforms import EmailField, FileField, IntegerField, PasswordField  # noqa: TID251
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length

from alumni_app.amounts import OTHER_DIGITS, has_other_digits
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.routing import MAX_ID  # noqa: F401 - the largest id, typed or in a URL
from alumni_app.widgets import DecimalInput, WholeNumberInput  # noqa: F401 - re-exported


def form_status() -> int:
    """Status for a page showing a form: 400 when a posted form came back with errors."""
    return 400 if request.method == "POST" else 200


def positive_int(value, max_digits: int = 9) -> int | None:
    """A whole number above 0 in ASCII digits, or None (for "", "x", "-1", "²", "٣" or "1_000").

    `str.isdigit()` alone lets "²" through to `int()`, which then fails: a 500 on odd input.
    """
    text = str(value or "").strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    try:
        number = int(text)
    except ValueError:
        return None
    return number or None


def strip_filter(value):
    """Trim the text; drop NUL characters (PostgreSQL refuses them in text: a 500 otherwise)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


@cache
def _wtforms_translations(locale: str):
    """WTForms' own messages for a locale, loaded once (Flask-WTF reloads them every request)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class BaseForm(FlaskForm):
    """Every form: CSRF-protected, strings stripped; binds only its own declared fields."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if not issubclass(unbound_field.field_class, PasswordField):
                filters = [strip_filter, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """Fill the form; a file input holds only a file posted with this request.

        A form made from an object (`obj=plan`) would otherwise take the object's stored file
        (or list of files) under the input's name as the input's value, and a save where the
        browser sent the input empty would treat that as a new upload.
        """
        super().process(formdata, obj, data, extra_filters, **kwargs)
        for field in self._fields.values():
            if isinstance(field, FileField):
                _keep_posted_files(field)

    def hidden_tag(self, *fields):
        """The hidden fields, then the errors that belong to no field (see `add_error`).

        Every form template starts with `form.hidden_tag()`, so a service's refusal that names
        no field of the form shows at the top of whichever form was sent.
        """
        tag = super().hidden_tag(*fields)
        if not self.form_errors:
            return tag
        return tag + errors_alert(self.form_errors)


def errors_alert(errors: list) -> Markup:
    """One alert for a form's errors: the first leads, the others (what to fix) listed under
    it, so a screen reader announces one alert, not one per problem."""
    if len(errors) == 1:
        return Markup('<div class="alert alert-danger" role="alert">%s</div>') % errors[0]
    items = Markup("").join(Markup("<li>%s</li>") % error for error in errors[1:])
    return Markup('<div class="alert alert-danger" role="alert"><p class="mb-1">%s</p>'
                  '<ul class="mb-0">%s</ul></div>') % (errors[0], items)


def _keep_posted_files(field: FileField) -> None:
    """Drop from a file field anything but non-empty uploads (none: the current file stays)."""
    if isinstance(field.data, list | tuple):
        field.data = [item for item in field.data if isinstance(item, FileStorage) and item]
    elif not (isinstance(field.data, FileStorage) and field.data):
        field.data = None


NOT_AN_INTEGER = "Not a valid integer value."  # WTForms' own message, in its own catalog


class WholeNumberField(IntegerField):
    """A whole number in the digits 0-9, in a text box.

    IntegerField's int() also reads "１２３" and "٣", and WTForms draws it as `type=number`.
    """

    widget = WholeNumberInput()

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        if text and not re.fullmatch(r"-?[0-9]+", text):
            self.data = None
            raise ValueError(str(OTHER_DIGITS) if has_other_digits(text)
                             else self.gettext(NOT_AN_INTEGER))
        super().process_formdata(valuelist)


def email_field(label=None, **kwargs) -> EmailField:
    return EmailField(
        label or _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(message=_l("Enter a valid e-mail address, like name@example.org."),
                  check_deliverability=False),
        ],
        render_kw={"autocomplete": "email", "maxlength": 254},
        **kwargs,
    )


class Outcome:
    """What `attempt()` did: truthy on success, with the service's `value`; else its `error`."""

    def __init__(self, value=None, error: DomainError | None = None):
        self.value, self.error = value, error

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The status a page re-showing the form answers with (200 after a success)."""
        return self.error.status if self.error is not None else 200


def add_error(form, error: DomainError) -> None:
    """Show `error` next to its field, or above the form when the field is not on it."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def attempt(form, action, *args, **kwargs) -> Outcome:
    """Run one service call: commit on success; on a DomainError roll back and show it on `form`.

    Views read: load -> rule -> form -> `attempt(form, service, ...)` -> redirect, or the page
    again with `outcome.status`. Services flush and never commit; this is the one commit.
    """
    try:
        value = action(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return Outcome(error=error)
    db.session.commit()
    return Outcome(value)
