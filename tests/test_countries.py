"""Countries are shown in the reader's language, whatever language an office was saved in."""

from __future__ import annotations

import re

import pytest

from alumni_app.alumni import services
from alumni_app.extensions import db
from alumni_app.offices.models import Office


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.mark.parametrize(("language", "shown", "not_shown"), [
    ("ru", ["Таджикистан", "Кыргызстан"], ["Tajikistan", "Kyrgyz Republic"]),
    ("en", ["Tajikistan", "Kyrgyz Republic"], ["Таджикистан", "Кыргызстан"]),
])
def test_the_office_list_names_countries_in_the_readers_language(
        login, make_user, office, other_office, language, shown, not_shown):
    admin = make_user(role="admin", second_factor=True, preferred_language=language)
    response = login(admin).get("/admin/offices")
    cells = re.findall(r"<td>([^<]*)</td>", response.text)
    assert all(name in cells for name in shown), cells
    assert not any(name in cells for name in not_shown)
    assert "Tajikistan Office" in _text(response)  # the names of offices are their own


@pytest.mark.parametrize(("language", "country"), [("ru", "Таджикистан"), ("en", "Tajikistan")])
def test_records_and_the_directory_show_the_country_in_the_readers_language(
        login, make_user, office, language, country):
    person = services.create_record(None, office.id, {"family_name": "Karimov",
                                                      "given_name": "Rustam"})
    db.session.commit()
    officer = login(make_user(role="officer", office=office, preferred_language=language))
    directory = officer.get("/directory", query_string={"q": "Karimov"}).text
    assert f"<td>{country}</td>" in directory
    record = _text(officer.get(f"/directory/{person.id}"))
    assert country in record


def test_a_country_typed_in_russian_is_stored_by_its_english_name(login, users):
    admin = login(users["admin"])
    data = {"code": "KG2", "name": "Bishkek Office", "country": "Кыргызстан", "city": "Bishkek",
            "time_zone": "Asia/Bishkek", "currency": "KGS", "is_active": "y"}
    assert admin.post("/admin/offices/new", data=data).status_code == 302
    assert db.session.query(Office).filter_by(code="KG2").one().country == "Kyrgyz Republic"
    refused = admin.post("/admin/offices/new", data={**data, "code": "XX", "country": "Atlantis"})
    assert refused.status_code == 400
    assert "Enter the name of a country" in refused.text
