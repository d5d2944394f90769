"""Whole numbers on the figures pages read exactly as Babel writes them, in every language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale, format_decimal

from alumni_app.number_format import format_amount, format_number

WHOLE = [0, 7, -7, 999, 1000, -1000, 1234567, -1234567, 10**15 + 1, 2505]


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_whole_numbers_match_babel(app, language):
    with app.test_request_context(), force_locale(language):
        for value in WHOLE:
            assert format_number(value) == format_decimal(value), value


def test_the_readers_grouping(app):
    with app.test_request_context():
        with force_locale("en"):
            assert format_number(2505) == "2,505"
            assert format_number(-1234567) == "-1,234,567"
        with force_locale("ru"):
            assert format_number(2505) == "2\xa0505"  # a no-break space between the groups
            assert format_number(1234567) == "1\xa0234\xa0567"


def test_fractions_are_left_to_babel(app):
    with app.test_request_context(), force_locale("ru"):
        assert format_number(Decimal("66.7")) == "66,7"
        assert format_number(1234.5) == "1\xa0234,5"


AMOUNTS = ["0", "0.005", "0.015", "-0.004", "-0.005", "2.675", "1234.5", "-1234.565",
           "1234567.891", "999999.995", "150000000", "12.3456789", "-0.5", "0.5", "1.5", "2.5"]


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
@pytest.mark.parametrize("places", [0, 2])
def test_amounts_match_babel(app, language, places):
    pattern = "#,##0.00" if places else "#,##0"
    with app.test_request_context(), force_locale(language):
        for text in AMOUNTS:
            value = Decimal(text)
            assert format_amount(value, places) == format_decimal(value, format=pattern), text
        assert format_amount(1500, places) == format_decimal(1500, format=pattern)


def test_an_amount_in_the_readers_signs(app):
    with app.test_request_context():
        with force_locale("ru"):
            assert format_amount(Decimal("1234567.5"), 2) == "1\xa0234\xa0567,50"
        with force_locale("en"):
            assert format_amount(Decimal("1234567.5"), 0) == "1,234,568"
            assert format_amount(Decimal("-2.5"), 0) == "-2"  # half to even, as Babel
