"""Ids in URLs: a number no id column can hold is a page that does not exist, on every route."""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from alumni_app.routing import MAX_ID, IdConverter

# 2**31 is past PostgreSQL's INTEGER; 2**63 past SQLite's (its driver raises OverflowError).
OUT_OF_RANGE = [MAX_ID + 1, 2**63, 10**30]
PRINCIPALS = ["anonymous", "alumnus", "officer", "manager", "admin"]


@pytest.mark.parametrize("path", [
    "/plans/{id}", "/plans/{id}/edit", "/directory/{id}", "/me/photos/{id}",
    "/activities/{id}", "/grants/applications/{id}/edit", "/records/{id}"])
@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_an_id_past_the_integer_range_is_not_found(login, users, path, number):
    response = login(users["admin"]).get(path.format(id=number))
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/plans/{id}", "/directory/{id}"])
def test_the_largest_id_still_reaches_the_view(login, users, path):
    """MAX_ID itself is a possible id: the view looks it up (and finds nothing)."""
    response = login(users["admin"]).get(path.format(id=MAX_ID))
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/plans/١٢", "/directory/²", "/plans/+1", "/plans/-1"])
def test_an_id_in_other_digits_is_not_found(login, users, path):
    assert login(users["admin"]).get(path).status_code == 404


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        ids = [arg for arg, conv in rule._converters.items()
               if isinstance(conv, IntegerConverter)]
        if ids:
            yield rule, ids


def _url(rule, name: str, number: int) -> str:
    values = {arg: 1 if isinstance(conv, IntegerConverter) else "x"
              for arg, conv in rule._converters.items()}
    return url_for(rule.endpoint, **{**values, name: number})


def test_every_int_in_a_route_is_bounded(app):
    """One converter serves every `<int:...>`: a rule added later gets it too."""
    converters = [conv for rule, ids in _id_rules(app) for conv in map(rule._converters.get, ids)]
    assert len(converters) > 50
    assert {type(conv) for conv in converters} == {IdConverter}
    assert {conv.max for conv in converters} == {MAX_ID}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_route_with_an_id_answers_404_past_the_range(app, client, login, users,
                                                            principal):
    http = client if principal == "anonymous" else login(users[principal])
    wrong = []
    for rule, ids in _id_rules(app):
        method = "GET" if "GET" in rule.methods else "POST"
        for name in ids:
            for number in (MAX_ID + 1, 2**63):
                with app.test_request_context():
                    url = _url(rule, name, number)
                response = http.open(url, method=method)
                anonymous_redirect = (principal == "anonymous" and response.status_code == 302
                                      and "/login" in response.headers["Location"])
                if response.status_code != 404 and not anonymous_redirect:
                    wrong.append((method, url, response.status_code))
    assert wrong == []
