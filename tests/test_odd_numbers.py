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


# Full-width digits (a Japanese or Chinese keyboard) and other scripts' digits are refused in
# amounts and counts, with a message next to the field: int() and Decimal() would read them.
OTHER_DIGITS = ["１２３", "１２,５", "١٢٣", "१२", "12３", "²"]
DIGITS_MESSAGE = "Type the number with the digits 0-9"


@pytest.mark.parametrize("typed", OTHER_DIGITS)
def test_an_amount_in_other_digits_is_refused_with_a_message(app, typed):
    from alumni_app.amounts import AmountError, parse_amount

    with app.test_request_context(), pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert DIGITS_MESSAGE in str(refused.value.message)


@pytest.mark.parametrize("typed", ["１２３", "١٢", "3０"])
def test_counts_of_people_in_other_digits_are_refused_next_to_the_field(login, users, office,
                                                                      typed):
    from alumni_app.plans import services
    from tests.plans import factories as plan_factories

    services.ensure_default_barriers()
    record = plan_factories.claimed_record(office, users["alumnus"])
    response = login(users["alumnus"]).post(f"/activities/new/{record.id}", data={
        "kind": "seminar", "held_on": "2024-05-10", "title": "Seminar", "region_id": "0",
        "sector_id": "0", "plan_id": "0", "participation_id": "0", "total": "30",
        "women": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and DIGITS_MESSAGE in page
    assert page.index(DIGITS_MESSAGE) > page.index('name="women"')  # beside the field


def test_an_indicator_in_full_width_digits_is_refused(login, users, office):
    from datetime import date

    from alumni_app.plans import services
    from alumni_app.plans.models import ActionPlan
    from tests.plans import factories as plan_factories

    services.ensure_default_barriers()
    record = plan_factories.claimed_record(office, users["alumnus"])
    participation = plan_factories.make_participation(record, start_on=date(2024, 1, 15),
                                                      end_on=date(2024, 2, 15))
    response = login(users["alumnus"]).post(f"/plans/new/{participation.id}", data={
        "title": "Roads", "status": "draft", "milestones-0-description": "Seminar",
        "milestones-0-target_on": "2024-06-01", "indicators-0-name": "Roads inspected",
        "indicators-0-baseline": "１０", "indicators-0-target": "120"})
    assert response.status_code == 400
    assert DIGITS_MESSAGE in response.get_data(as_text=True)
    from alumni_app.extensions import db

    assert db.session.query(ActionPlan).count() == 0


def test_a_grant_budget_in_full_width_digits_is_refused(login, users, office):
    from tests.grants import factories as grant_factories
    from tests.grants.test_views import edit_form, form_data

    applicant = grant_factories.eligible_alumnus(office, users["alumnus"])
    application = grant_factories.draft(grant_factories.make_call(office, users["manager"]),
                                        applicant)
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/edit", data={
        **form_data(**{"budget-0-unit_cost": "１ ２５０,５０"}), **edit_form(http, application),
        "action": "save"})
    assert response.status_code == 400
    assert DIGITS_MESSAGE in response.get_data(as_text=True)


def test_every_whole_number_field_refuses_other_digits(app):
    """IntegerField reads "１２３" as 123: every form uses WholeNumberField instead."""
    from wtforms import IntegerField  # noqa: TID251 - looking for it

    from alumni_app.forms import BaseForm, WholeNumberField

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    plain = [f"{form.__module__}.{form.__name__}.{name}"
             for form in subclasses(BaseForm) for name, field in vars(form).items()
             if getattr(field, "field_class", None) is not None
             and issubclass(field.field_class, IntegerField)
             and not issubclass(field.field_class, WholeNumberField)]
    assert plain == []
