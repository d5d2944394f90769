"""The exchange rate form."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Regexp, ValidationError

from alumni_app.amounts import AmountField
from alumni_app.forms import BaseForm
from alumni_app.offices.forms import CURRENCIES

RATE_MAX = 10**9


def _month(text: str | None) -> date | None:
    """"2026-04" (what <input type="month"> sends), or a full date: its month's first day."""
    text = (text or "").strip()
    try:
        day = date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        return None
    return day.replace(day=1) if 1950 <= day.year <= 2100 else None


class RateForm(BaseForm):
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES])
    month = StringField(_l("Month"), validators=[
        DataRequired(message=_l("Enter the month, like 2026-04.")),
        Regexp(r"^\d{4}-\d{2}(-\d{2})?$", message=_l("Enter the month, like 2026-04."))],
        render_kw={"type": "month", "placeholder": "2026-04", "maxlength": 10})
    usd = AmountField(_l("1 unit of the currency in US dollars"), places=6, allow_zero=False,
                      description=_l("Leave empty for US dollars themselves."))
    jpy = AmountField(_l("1 unit of the currency in yen"), places=6, allow_zero=False,
                      description=_l("Leave empty for yen themselves."))

    @property
    def month_start(self) -> date | None:
        return _month(self.month.data)

    def validate_month(self, field) -> None:
        if not field.errors and self.month_start is None:
            raise ValidationError(_l("Enter the month, like 2026-04."))

    def validate_usd(self, field) -> None:
        if field.data is not None and self.currency.data == "USD" and field.data != 1:
            raise ValidationError(_l("A dollar is a dollar: leave this empty."))

    def validate_jpy(self, field) -> None:
        if field.data is not None and self.currency.data == "JPY" and field.data != 1:
            raise ValidationError(_l("A yen is a yen: leave this empty."))
