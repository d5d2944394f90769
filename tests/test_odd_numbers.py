"""Numbers typed into URLs and forms: "²" passes str.isdigit() but int() refuses it."""

from __future__ import annotations

import pytest

from alumni_app.auth import totp
from alumni_app.forms import positive_int

ODD = ["²", "²²²²", "٣", "१२", "1_000", "-1", "0", " ", "x", "9" * 12]


@pytest.mark.parametrize("value", [*ODD, None, ""])
def test_positive_int_reads_odd_input_as_nothing(value):
    assert positive_int(value) is None


@pytest.mark.parametrize(("value", "expected"), [("7", 7), (" 42 ", 42), ("2024", 2024)])
def test_positive_int_reads_ascii_digits(value, expected):
    assert positive_int(value) == expected and positive_int("12345", max_digits=4) is None


@pytest.mark.parametrize("path", [
    "/directory?region=²&sector=٣&office=²&course=¹&fy=²²²²&per_page=²",
    "/courses?fy=²²²²", "/admin/users?office=²", "/records/new?office=²"])
def test_odd_numbers_in_other_pages_never_fail(app, login, users, path):
    response = login(users["admin"]).get(path)
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", "²²", "٣", "1_0", "-1", "9" * 12])
def test_an_odd_duplicate_number_on_the_merge_page_is_no_number(login, users, office, value):
    from tests.factories import make_record

    record = make_record(office)
    response = login(users["officer"]).get(f"/records/{record.id}/merge?duplicate={value}")
    assert response.status_code == 200
    assert 'name="duplicate_id"' in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["²²²²²²", "١٢٣٤٥٦"])
def test_a_second_factor_code_in_other_digits_is_just_wrong(code):
    assert totp.matching_counter("JBSWY3DPEHPK3PXP", code) is None
