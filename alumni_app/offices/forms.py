"""The office form."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from alumni_app.countries import country_code, country_name
from alumni_app.forms import BaseForm

FIELDS_ORDER = ("code", "name", "country", "city", "time_zone", "currency", "is_active",
                "reply_to")

CURRENCIES = ["TJS", "KGS", "KZT", "UZS", "TMT", "AFN", "MNT", "JPY", "USD", "EUR"]


def _time_zones() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if z.startswith(("Asia/", "Europe/", "UTC")))
    return [(z, z) for z in zones]


def _known_country(form, field) -> None:
    if country_code(field.data) is None:
        raise ValidationError(_l("Enter the name of a country, in English or Russian."))


def _english_country_name(value):
    return country_name(value, "en") if isinstance(value, str) and country_code(value) else value


class OfficeForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter a short code, like TJ.")),
            Length(min=2, max=10),
            Regexp(r"^[A-Z0-9-]+$", message=_l("Use capital Latin letters, digits and dashes.")),
        ],
        filters=[lambda v: v.upper() if isinstance(v, str) else v],
        render_kw={"maxlength": 10},
    )
    name = StringField(_l("Office name"), validators=[DataRequired(message=_l("Enter a name.")),
                                               Length(max=120)], render_kw={"maxlength": 120})
    # Stored by its English name (any English or Russian name is understood), so that every
    # page can show it in the reader's language.
    country = StringField(_l("Country"), validators=[DataRequired(message=_l("Enter a country.")),
                                                     Length(max=80), _known_country],
                          filters=[_english_country_name], render_kw={"maxlength": 80})
    city = StringField(_l("City"), validators=[Length(max=80)], render_kw={"maxlength": 80})
    time_zone = SelectField(_l("Time zone"), choices=_time_zones())
    currency = SelectField(_l("Default currency"), choices=[(c, c) for c in CURRENCIES])
    is_active = BooleanField(_l("Active"), default=True)
    reply_to = StringField(
        _l("Reply-to address for messages to alumni"),
        validators=[Optional(), Length(max=254),
                    Email(message=_l("Enter a valid e-mail address, like name@example.org."),
                          check_deliverability=False)],
        filters=[lambda v: v.strip() if isinstance(v, str) else ""],
        render_kw={"maxlength": 254, "autocomplete": "off"},
        description=_l("Alumni who answer an announcement or another bulk message write to "
                       "it. Empty: the messages carry no reply-to address."))
