"""Jinja helpers of the grant pages and e-mails: amounts, state names, workflow buttons."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask

from alumni_app.grants import labels
from alumni_app.number_format import format_amount


def money(value, currency: str | None = None) -> str:
    """An amount with two decimals in the reader's locale, and its currency code."""
    if value is None:
        return ""
    text = format_amount(Decimal(value), 2)
    return f"{text} {currency}" if currency else text


def register(app: Flask) -> None:
    if "grant_state_label" in app.jinja_env.globals:
        return

    def pick(table):
        return lambda value: labels.label(table, value)

    app.jinja_env.filters["money"] = money
    app.jinja_env.globals.update(
        grant_state_label=labels.state_label,
        app_state_label=pick(labels.APP_STATE_LABELS),
        call_state_label=pick(labels.CALL_STATE_LABELS),
        team_state_label=pick(labels.TEAM_STATE_LABELS),
        category_label=pick(labels.CATEGORY_LABELS),
        recommendation_label=pick(labels.RECOMMENDATION_LABELS),
        review_state_label=pick(labels.REVIEW_STATE_LABELS),
        report_kind_label=pick(labels.REPORT_KIND_LABELS),
        report_state_label=pick(labels.REPORT_STATE_LABELS),
        tranche_state_label=pick(labels.TRANCHE_STATE_LABELS),
        move_state_label=pick(labels.MOVE_STATE_LABELS),
        proposal_language_label=pick(labels.PROPOSAL_LANGUAGE_LABELS),
        grant_event_label=labels.event_label,
    )
