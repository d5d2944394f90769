"""The audit log's words for the exchange rates administrators keep."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.permissions import is_admin
from alumni_app.reports.models import ExchangeRate

ACTIONS = {
    "rate.added": Wording(_l("Exchange rate added"),
                          _l("%(actor)s added the exchange rate %(subject)s")),
    "rate.changed": Wording(_l("Exchange rate changed"),
                            _l("%(actor)s changed the exchange rate %(subject)s")),
}


def _name(rate: ExchangeRate) -> str:
    return f"{rate.currency} {rate.month:%Y-%m}"


def _url(rate: ExchangeRate, reader) -> str | None:
    return url_for("rates.edit", rate_id=rate.id) if is_admin(reader) else None


def register(app) -> None:
    register_words(app, ACTIONS, {"ExchangeRate": Subject(ExchangeRate, _name, _url)})
