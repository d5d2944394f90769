"""List searches ignore case in any alphabet and take % and _ literally, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alumni_app.accounts.models import User
from alumni_app.extensions import db
from alumni_app.search_text import contains_ci
from tests.auth.helpers import text
from tests.factories import make_course

NAMES = ["Азамат Бекболотов", "Ömer Şahin", "Jane Doe", "100% Done", "Under_Score", r"Back\Slash",
         "Straße Worker"]


@pytest.fixture
def named(make_user):
    return {name: make_user(display_name=name) for name in NAMES}


@pytest.mark.parametrize("q, expected", [
    ("Азамат", ["Азамат Бекболотов"]),
    ("азамат", ["Азамат Бекболотов"]),
    ("АЗАМАТ БЕК", ["Азамат Бекболотов"]),
    ("бекболотов", ["Азамат Бекболотов"]),
    ("ömer", ["Ömer Şahin"]),
    ("JANE", ["Jane Doe"]),
    ("%", ["100% Done"]),
    ("0%", ["100% Done"]),
    ("_", ["Under_Score"]),
    ("r_s", ["Under_Score"]),
    ("e_", []),  # "_" is not "any one letter"
    ("%e%", []),  # nor "%" any letters
    ("\\", [r"Back\Slash"]),
    ("k\\s", [r"Back\Slash"]),
])
def test_contains_ci(app, named, q, expected):
    found = db.session.scalars(
        sa.select(User.display_name).where(contains_ci(User.display_name, q))).all()
    assert sorted(found) == sorted(expected)


def test_straße_finds_itself_in_either_case(app, named):
    for q in ("straße", "STRAßE"):
        found = db.session.scalars(
            sa.select(User.display_name).where(contains_ci(User.display_name, q))).all()
        assert found == ["Straße Worker"], q


@pytest.mark.parametrize("q", ["азамат", "АЗАМАТ", "Бекболотов"])
def test_admin_user_list_finds_cyrillic_names_in_any_case(login, users, named, q):
    page = text(login(users["admin"]).get("/admin/users", query_string={"q": q}))
    assert "Азамат Бекболотов" in page
    assert "Jane Doe" not in page


def test_admin_user_list_takes_wildcards_literally(login, users, named):
    admin = login(users["admin"])
    page = text(admin.get("/admin/users", query_string={"q": "%"}))
    assert "100% Done" in page and "Jane Doe" not in page
    page = text(admin.get("/admin/users", query_string={"q": "_"}))
    assert "Under_Score" in page and "Jane Doe" not in page


@pytest.mark.parametrize("q", ["таджик", "ТАДЖИКИСТАН", "душанбе"])
def test_office_list_finds_cyrillic_in_any_case(login, users, make_office, q):
    make_office(code="DU", name="Офис в Душанбе", country="Таджикистан")
    make_office(code="BI", name="Bishkek", country="Kyrgyz Republic")
    page = text(login(users["admin"]).get("/admin/offices", query_string={"q": q}))
    assert "Офис в Душанбе" in page and "Bishkek" not in page


@pytest.mark.parametrize("q", ["здоровье", "ЗДОРОВЬЕ матери"])
def test_course_list_finds_cyrillic_titles_in_any_case(login, users, q):
    make_course(title="Здоровье матери и ребёнка")
    make_course(title="Water supply")
    page = text(login(users["officer"]).get("/courses", query_string={"q": q}))
    assert "Здоровье матери и ребёнка" in page and "Water supply" not in page
