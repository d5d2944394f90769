"""Whole numbers and amounts in the reader's locale, quickly: a figures page shows about a
thousand.

Babel's format_decimal parses and applies the locale's pattern for every number (about 35 µs
each here: 35 ms of a figures page's 130). A whole number in a locale that groups by three
(English, Russian, Japanese: "#,##0.###") is Python's own grouping with the locale's group
and minus signs, so that is what this does, and the same for amounts with 0 or 2 decimals;
anything else (fractions, another grouping) is left to Babel. tests/test_number_format.py
holds the two to the same output.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from flask_babel import format_decimal, get_locale


@lru_cache(maxsize=32)
def _signs(locale: str) -> tuple[str, str, str] | None:
    """(group, minus, decimal) of the locale when its decimal pattern groups by three."""
    parsed = Locale.parse(locale)
    pattern = parsed.decimal_formats.get(None)
    plain = (pattern is not None and pattern.grouping == (3, 3) and pattern.int_prec[0] == 1
             and tuple(pattern.prefix) == ("", "-") and tuple(pattern.suffix) == ("", ""))
    if not plain:
        return None
    return get_group_symbol(parsed), get_minus_sign_symbol(parsed), get_decimal_symbol(parsed)


def format_number(value: int | Decimal | float) -> str:
    """`value` as flask_babel.format_decimal(value) writes it."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    signs = _signs(str(get_locale())) if whole else None
    if signs is None:
        return format_decimal(value)
    return _grouped(f"{abs(value):,}", value < 0, signs)


def format_amount(value: Decimal | int, places: int) -> str:
    """`value` as format_decimal(value, format="#,##0.00") writes it (places 2), or
    "#,##0" (places 0): rounded half to even, as Babel's quantize is."""
    signs = _signs(str(get_locale())) if isinstance(value, Decimal | int) else None
    if signs is None or isinstance(value, bool) or places not in (0, 2):
        return format_decimal(value, format="#,##0.00" if places else "#,##0")
    text = f"{abs(Decimal(value)):,.{places}f}"
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places))
    return _grouped(text, rounded < 0 or (rounded == 0 and rounded.is_signed()), signs)


def _grouped(text: str, negative: bool, signs: tuple[str, str, str]) -> str:
    """Python's "1,234.50" in the locale's signs: "1\xa0234,50" in Russian."""
    group, minus, point = signs
    text = text.replace(",", "\0").replace(".", point).replace("\0", group)
    return minus + text if negative else text
