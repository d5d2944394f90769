"""Reports built on request or by a task, and the exchange rates administrators keep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app import audit
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.reports import factsheet, needs_cache, sections, sheets, workbook
from alumni_app.reports import filters as report_filters
from alumni_app.reports.models import ExchangeRate
from alumni_app.reports.queries import Scope
from alumni_app.reports.rules import month_start

NEEDS_SHEET_POSITION = 2  # after the trained and the plans sheets


def figures_workbook(ctx, title: str) -> bytes:
    """The workbook of a page: its sections, and the barriers and needs, as the page counts."""
    locale = str(get_locale())
    shown = sections.build(ctx)
    found = needs_cache.needs_and_hosts(ctx.scope, ctx.filters, ctx.choices, locale)[0]
    extra = [(NEEDS_SHEET_POSITION, _("Barriers and needs"), sheets.needs_writer(found, locale))]
    return workbook.build(ctx, shown, title, extra)


def build_yearly_workbook(office_id: int, fiscal_year: int, filters, *, actor=None,
                          locale: str | None = None, today: date | None = None) -> bytes:
    """The yearly report of an office for a fiscal year (April to March), as XLSX bytes.

    One call for the request and, later, for a queued task: it takes ids and plain values.
    `actor` None means the caller already checked that the requester may see the office.
    `filters` (sector, region, program type) narrow it like the page; its period is the year.
    """
    office = db.session.get(Office, office_id)
    with force_locale(locale or str(get_locale())):
        ctx = sections.Context(Scope(actor, office_id), filters.for_year(fiscal_year),
                               report_filters.choices(office_id), today or date.today())
        title = _("Yearly report for fiscal year %(year)s: %(office)s", year=fiscal_year,
                  office=office.name)
        return figures_workbook(ctx, title)


class RateError(DomainError):
    MESSAGES = {
        "no-rate": _l("Enter the rate in US dollars, in yen or both."),
        "month-taken": _l("This month already has a rate for %(currency)s: correct that one."),
    }
    status = 400


def save_rate(actor, rate: ExchangeRate | None, currency: str, month: date,
              usd: Decimal | None, jpy: Decimal | None) -> ExchangeRate:
    """Add or correct a month's rate; a currency's own column stays empty (1 is 1)."""
    currency, month = currency.upper(), month_start(month)
    usd = None if currency == "USD" else usd
    jpy = None if currency == "JPY" else jpy
    if usd is None and jpy is None:
        raise RateError("no-rate", "usd")
    clash = db.session.scalar(sa.select(ExchangeRate.id).where(
        ExchangeRate.currency == currency, ExchangeRate.month == month))
    if clash is not None and (rate is None or clash != rate.id):
        raise RateError("month-taken", "month", currency=currency)
    created = rate is None
    if created:
        rate = ExchangeRate(currency=currency, month=month)
        db.session.add(rate)
    before = {"usd": rate.usd, "jpy": rate.jpy, "month": rate.month}
    rate.currency, rate.month, rate.usd, rate.jpy = currency, month, usd, jpy
    rate.recorded_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("rate.added" if created else "rate.changed", actor=actor, subject=rate,
                 currency=currency, month=month.isoformat(), usd=usd, jpy=jpy,
                 before=None if created else before)
    return rate


def needs_workbook(ctx, title: str) -> bytes:
    """Barriers and needs by sector and organization, and the host institutions' feedback."""
    from alumni_app.plans.forms import STATUS_LABELS

    locale = str(get_locale())
    found, institutions, _counted = needs_cache.needs_and_hosts(ctx.scope, ctx.filters,
                                                               ctx.choices, locale)
    return workbook.build(ctx, [], title, [
        (0, _("Barriers and needs"), sheets.needs_writer(found, locale)),
        (1, _("Host institutions"), sheets.hosts_writer(institutions, locale, STATUS_LABELS))])


def build_fact_sheet(office_id: int, fiscal_year: int, filters, *, actor=None,
                     locale: str = "en", today: date | None = None) -> bytes:
    """The two-page fact sheet (PDF) of an office's fiscal year, in `locale`."""
    office = db.session.get(Office, office_id)
    with force_locale(locale):
        ctx = sections.Context(Scope(actor, office_id), filters.for_year(fiscal_year),
                               report_filters.choices(office_id), today or date.today())
        shown = sections.build(ctx)
        return factsheet.build(ctx, shown, office.name, fiscal_year,
                               factsheet.charts_for(ctx, shown))
