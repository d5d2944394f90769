"""Every route declares its access rule, and the route x role matrix holds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from alumni_app import create_app
from alumni_app.extensions import db
from alumni_app.permissions import Access, Role, rule_for_endpoint
from tests import factories

PRINCIPALS = ["anonymous", *[r.value for r in Role]]
SKIP_ENDPOINTS = {"static"}


def _endpoints(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIP_ENDPOINTS),
        key=lambda r: (r.endpoint, r.rule),
    )


def test_every_route_declares_a_rule(app):
    missing = [r.endpoint for r in _endpoints(app) if rule_for_endpoint(r.endpoint) is None]
    assert missing == [], f"routes without an access rule: {missing}"


def test_a_route_without_a_rule_is_denied(app, login, users):
    """Fail closed: a view that forgot its rule answers 403 even to an administrator."""
    app.add_url_rule("/forgotten-rule", "forgotten", lambda: "secret")
    response = login(users["admin"]).get("/forgotten-rule")
    assert response.status_code == 403
    assert b"secret" not in response.data


def _url_args(rule, users, office, principal: str | None = None) -> dict:
    if principal == "anonymous" and _any_id_will_do(rule):
        # Sent to the login page before any object is loaded: no need to build real ones.
        return dict.fromkeys(rule.arguments, 1)
    values = factories.route_args(users, office, rule.endpoint)
    return {arg: values[arg] for arg in rule.arguments}


def _any_id_will_do(rule) -> bool:
    declared = rule_for_endpoint(rule.endpoint)
    return (declared.access is not Access.PUBLIC and all(
        isinstance(rule._converters.get(arg), IntegerConverter) for arg in rule.arguments))


def _matrix_cases():
    app = create_app(factories.TEST_SETTINGS)
    with app.app_context():
        for rule in _endpoints(app):
            method = "GET" if "GET" in rule.methods else "POST"
            for principal in PRINCIPALS:
                yield pytest.param(rule.endpoint, rule.rule, method, principal,
                                   id=f"{principal}-{method}-{rule.rule}")


@pytest.mark.parametrize(("endpoint", "path", "method", "principal"), list(_matrix_cases()))
def test_route_role_matrix(app, client, login, users, office, endpoint, path, method, principal):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == path)
    declared = rule_for_endpoint(endpoint)
    with app.test_request_context():
        url = _build(app, endpoint, _url_args(rule, users, office, principal))
    http = client if principal == "anonymous" else login(users[principal])
    response = http.open(url, method=method)
    assert response.status_code < 500, response.data[:500]
    if declared.access is Access.PUBLIC:
        assert response.status_code != 403
        return
    if principal == "anonymous":
        assert response.status_code == 302 and _sent_to_login(response)
        return
    if declared.admits_role(Role(principal)):
        assert response.status_code != 403, f"{principal} refused on {path}"
        if endpoint != "auth.logout":  # logging out ends at the login page by design
            assert not _sent_to_login(response)
    else:
        assert response.status_code == 403, f"{principal} reached {path}: {response.status_code}"


def _build(app, endpoint, args):
    from flask import url_for

    with app.test_request_context():
        return url_for(endpoint, **args)


def _sent_to_login(response) -> bool:
    return response.status_code in (301, 302, 303) and "/login" in response.headers["Location"]


def _snapshot() -> dict:
    """Every row of every table, except the session bookkeeping a page view may refresh."""
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name == "user_sessions":
            continue
        rows = db.session.execute(sa.select(table)).all()
        tables[table.name] = sorted(map(repr, rows))
    db.session.rollback()
    return tables


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_get_requests_never_write(app, client, login, users, office, principal):
    http = client if principal == "anonymous" else login(users[principal])
    urls = [_build(app, rule.endpoint, _url_args(rule, users, office))
            for rule in _endpoints(app) if "GET" in rule.methods]
    before = _snapshot()
    for url in urls:
        http.get(url)
    assert _snapshot() == before


# Objects of one office, asked for by people of another (or another alumnus): not found, as if
# the id did not exist (a 403 would tell them it does). A role the route does not admit is
# refused whatever the id (403). The course catalog is shared by every office.
SHARED_OBJECT_ENDPOINTS = {"courses.detail", "courses.edit"}


def _foreign(who, make_user, other_office):
    """A principal of `other_office`: staff there, or an alumnus whose record is there."""
    if who != "alumnus":
        return make_user(role=who, office=other_office, second_factor=who == "manager")
    from tests.plans.factories import claimed_record

    alumnus = make_user(role="alumnus")
    claimed_record(other_office, alumnus)
    return alumnus


@pytest.mark.parametrize("who", ["alumnus", "officer", "manager"])
def test_objects_of_another_office_are_not_found(app, login, users, office, other_office,
                                                 make_user, who):
    values = factories.route_args(users, office)
    http = login(_foreign(who, make_user, other_office))
    before, wrong, checked = _snapshot(), [], 0
    for rule in _endpoints(app):
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        if not rule_for_endpoint(rule.endpoint).admits_role(Role(who)):
            expected = 403
        else:
            expected = 200 if rule.endpoint in SHARED_OBJECT_ENDPOINTS else 404
        method = "GET" if "GET" in rule.methods else "POST"
        url = _build(app, rule.endpoint, {arg: values[arg] for arg in rule.arguments})
        status = http.open(url, method=method).status_code
        checked += 1
        if status != expected:
            wrong.append((method, rule.rule, status, expected))
    assert wrong == [] and checked > 50
    assert _snapshot() == before  # and nothing changed
