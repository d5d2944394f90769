"""Amounts of money as people type them: "1 234,50", "1,234.50", "1234.5" all read 1234.50.

A single comma is a decimal comma (Russian and Central Asian usage): "1,5" is one and a half,
and "1,500" is refused as ambiguous (three decimal places) instead of read as 1500.

Only the digits 0-9 are read: Decimal() and int() also read full-width digits ("１２３", from a
Japanese keyboard) and other scripts' ("١٢٣"), which then showed as typed but stored as
another string of characters; they are refused with a message saying which digits to use.

Money is Decimal end to end; a float never touches it. A value with more decimal places than
allowed is refused, never rounded silently.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from alumni_app.widgets import DecimalInput

SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]")
PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
MAX_AMOUNT = Decimal("999999999999.99")


class AmountError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


NOT_A_NUMBER = _l("Enter a number, like 1 250,50 or 1250.50.")
OTHER_DIGITS = _l("Type the number with the digits 0-9: full-width digits or another script's "
                  "digits are not read.")


def has_other_digits(text: str) -> bool:
    """Whether `text` holds a digit other than 0-9 ("１", "٣", "²")."""
    return any(char.isdigit() and not char.isascii() for char in text)


def _grouped(integer: str, separator: str) -> bool:
    """Thousands separators only between groups of three digits: 1,234,567 but not 1,234,5."""
    pattern = r"-?[0-9]{1,3}(" + re.escape(separator) + r"[0-9]{3})+"
    return re.fullmatch(pattern, integer) is not None


def _normalise_separators(text: str) -> str:
    """Keep one '.' as the decimal point and drop the thousands separators around it.

    Separators in other places ("1,234,5", "1.2,5") are refused, never guessed: read as
    thousands they would make an amount ten or a thousand times what was meant.
    """
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        integer, _, fraction = text.rpartition(decimal_mark)
        if decimal_mark in integer or not _grouped(integer, thousands):
            raise AmountError(NOT_A_NUMBER)
        return integer.replace(thousands, "") + "." + fraction
    if commas > 1 or dots > 1:  # 1,234,567 or 1.234.567: thousands
        separator = "," if commas > 1 else "."
        if not _grouped(text, separator):
            raise AmountError(NOT_A_NUMBER)
        return text.replace(separator, "")
    # One comma is a decimal comma, as in Russian ("1234,5"); "1,500" is then refused for its
    # three decimals rather than silently read as one thousand five hundred.
    return text.replace(",", ".")


def parse_amount(raw: str | None, *, places: int = 2, allow_negative: bool = False,
                 allow_zero: bool = True, maximum: Decimal = MAX_AMOUNT) -> Decimal | None:
    """Read a typed amount; None when blank; AmountError with a message when it is not one."""
    text = SPACES.sub("", raw or "")
    if not text:
        return None
    if has_other_digits(text):
        raise AmountError(OTHER_DIGITS)
    text = _normalise_separators(text)
    if not PLAIN.fullmatch(text):
        raise AmountError(NOT_A_NUMBER)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise AmountError(NOT_A_NUMBER) from exc
    if -value.as_tuple().exponent > places:
        raise AmountError(_l("Use at most %(places)s decimal places.", places=places))
    if value < 0 and not allow_negative:
        raise AmountError(_l("This cannot be negative."))
    if value == 0 and not allow_zero:
        raise AmountError(_l("The amount must be more than zero."))
    if abs(value) > maximum:
        raise AmountError(_l("This amount is too large."))
    return value.quantize(Decimal(1).scaleb(-places))


class AmountField(StringField):
    """A text box for money (or a quantity) read with parse_amount(); `data` is a Decimal."""

    widget = DecimalInput()

    def __init__(self, label=None, validators=None, places: int = 2, allow_zero: bool = True,
                 maximum: Decimal = MAX_AMOUNT, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places, self.allow_zero, self.maximum = places, allow_zero, maximum
        self.raw_text = ""

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0] if valuelist else ""
        try:
            self.data = parse_amount(self.raw_text, places=self.places,
                                     allow_zero=self.allow_zero, maximum=self.maximum)
        except AmountError as exc:
            self.data = None
            raise ValueError(str(exc.message)) from exc

    def _value(self):
        if self.raw_text:
            return self.raw_text
        return "" if self.data is None else f"{self.data:f}"


def positive_amount(form, field) -> None:
    """A validator: the amount must be given and above zero."""
    if field.data is None and not field.errors:
        raise ValidationError(_l("Enter an amount."))
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("The amount must be more than zero."))
