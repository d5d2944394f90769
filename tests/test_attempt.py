"""attempt(): one service call, committed on success, rolled back and shown on the form on a
broken rule."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.forms import BaseForm, attempt
from alumni_app.offices.models import Office


class _Refused(DomainError):
    MESSAGES = {"taken": _l("The code %(value)s is taken."), "closed": _l("Closed for now.")}
    status = 409


class _Form(BaseForm):
    code = StringField("Code")


def _office_codes() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Office.code)))


def _add_office(code: str, refuse_with: DomainError | None = None) -> Office:
    office = Office(code=code, name=f"Office {code}", country="Tajikistan",
                    time_zone="Asia/Dushanbe", currency="TJS")
    db.session.add(office)
    db.session.flush()
    if refuse_with is not None:
        raise refuse_with
    return office


def test_success_commits_and_returns_the_value(app):
    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        outcome = attempt(form, _add_office, "AA")
        assert outcome and outcome.status == 200 and outcome.value.code == "AA"
        db.session.rollback()  # nothing left to roll back: it was committed
        assert _office_codes() == ["AA"]


def test_refusal_rolls_back_and_sits_next_to_its_field(app):
    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        outcome = attempt(form, _add_office, "BB", _Refused("taken", "code", value="BB"))
        assert not outcome and outcome.status == 409
        assert form.code.errors == ["The code BB is taken."]
        assert _office_codes() == []


def test_a_refusal_for_no_field_of_the_form_shows_above_it(app):
    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        outcome = attempt(form, _add_office, "CC", _Refused("closed", "no_such_field",
                                                             status=400))
        assert outcome.status == 400 and not form.code.errors
        assert 'role="alert">Closed for now.</div>' in str(form.hidden_tag())


def test_messages_escape_what_users_typed(app):
    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        attempt(form, _add_office, "DD", _Refused("taken", None, value="<b>x</b>"))
        html = str(form.hidden_tag())
        assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_several_refusals_make_one_alert_listing_what_to_fix(app):
    """A screen reader announces one alert, and the text says what to fix, escaped."""
    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        form.form_errors.extend(["It cannot be sent yet:", "Add a <team>.", "Add a budget."])
        html = str(form.hidden_tag())
        assert html.count('role="alert"') == 1
        assert "<li>Add a &lt;team&gt;.</li><li>Add a budget.</li>" in html
        assert html.index("It cannot be sent yet:") < html.index("<ul")
