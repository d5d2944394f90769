"""Mini-grant calls and their money, in each call's currency and converted to USD and JPY.

An amount is converted at the rate of its own month (exchange_rates): a budget at the month
the call opened, a request at its submission, a payment at its release, a refund at its
return. An approved amount is converted to USD at the rate the manager recorded at approval
(GrantApplication.usd_rate), which stays as recorded; to yen at the month of the decision.
A USD amount is never converted to USD (nor yen to yen), whatever rate was typed. Sums never
mix currencies: a figure in a call's currency is summed per currency, and a converted sum
with an amount whose month has no rate is shown as missing, not as a smaller number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.extensions import db
from alumni_app.grants.labels import APP_STATE_LABELS
from alumni_app.grants.models import APP_STATES, GrantApplication, GrantCall
from alumni_app.grants.money_models import Refund, Tranche
from alumni_app.offices.models import Office
from alumni_app.reports import queries
from alumni_app.reports.models import HQ_CURRENCIES, ExchangeRate
from alumni_app.reports.people import Row
from alumni_app.reports.queries import month_of

MEASURES = ("budget", "requested", "approved", "disbursed", "returned")
MEASURE_LABELS = {"budget": _l("Call budget"), "requested": _l("Requested"),
                  "approved": _l("Approved"), "disbursed": _l("Disbursed"),
                  "returned": _l("Returned")}
PLACES = {"USD": Decimal("0.01"), "JPY": Decimal("1")}
ZERO = Decimal("0.00")


@dataclass
class Converted:
    """A sum in USD or JPY; `missing` amounts had no rate for their month (value then None)."""

    value: Decimal | None = None
    missing: int = 0
    first: date | None = None  # the months of the rates used
    last: date | None = None

    def add(self, other: Converted) -> None:
        self.missing += other.missing
        self.value = None if self.missing else (self.value or ZERO) + (other.value or ZERO)
        months = [m for m in (self.first, other.first, self.last, other.last) if m]
        self.first, self.last = (min(months), max(months)) if months else (None, None)


@dataclass
class CallMoney:
    id: int
    title: str
    office: str
    currency: str
    opens_at: object
    amounts: dict[str, Decimal] = field(default_factory=dict)  # in the call's currency
    states: dict[str, int] = field(default_factory=dict)
    converted: dict[tuple[str, str], Converted] = field(default_factory=dict)

    @property
    def applications(self) -> int:
        return sum(self.states.values())

    @property
    def grants(self) -> int:
        return self.states.get("approved", 0) + self.states.get("closed", 0)


@dataclass
class Money:
    calls: list[CallMoney] = field(default_factory=list)
    # Per currency: amounts summed over the calls in that currency (never across currencies).
    by_currency: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    converted: dict[tuple[str, str], Converted] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)

    @property
    def grants(self) -> int:
        return self.states.get("approved", 0) + self.states.get("closed", 0)

    def state_rows(self) -> list[Row]:
        return [Row(s, str(APP_STATE_LABELS.get(s, s)), n) for s, n in self.states.items()]

    @staticmethod
    def measures() -> list[tuple[str, str]]:
        return [(m, str(MEASURE_LABELS[m])) for m in MEASURES]


def _factor(rate_column, hq: str):
    """1 for an amount already in `hq`, else the month's rate (NULL when none is recorded)."""
    return sa.case((GrantCall.currency == hq, sa.literal(Decimal(1), queries.RATE_TYPE)),
                   else_=rate_column)


def _rate_join(query: sa.Select, moment) -> sa.Select:
    return query.outerjoin(ExchangeRate, sa.and_(ExchangeRate.currency == GrantCall.currency,
                                                 ExchangeRate.month == month_of(moment)))


def _rate_month(moment, hq: str):
    """The month whose rate converted an amount to `hq` (none when already in `hq`)."""
    return sa.case((GrantCall.currency == hq, sa.null()), else_=month_of(moment))


def _converted(measure: str, query: sa.Select, amount, moment, usd=None) -> sa.Select:
    """One measure's sums per call: USD, JPY, amounts without a rate, the months used."""
    usd_factor = _factor(usd if usd is not None else ExchangeRate.usd, "USD")
    jpy_factor = _factor(ExchangeRate.jpy, "JPY")
    columns = [sa.literal(measure).label("measure"), GrantCall.id,
               sa.type_coerce(sa.func.sum(amount * usd_factor), queries.RATE_TYPE),
               sa.type_coerce(sa.func.sum(amount * jpy_factor), queries.RATE_TYPE),
               sa.func.count() - sa.func.count(usd_factor),
               sa.func.count() - sa.func.count(jpy_factor)]
    for hq in HQ_CURRENCIES:
        columns += [sa.func.min(_rate_month(moment, hq)), sa.func.max(_rate_month(moment, hq))]
    return _rate_join(query.with_only_columns(*columns), moment).group_by(GrantCall.id)


def _conversions(scope, filters) -> sa.CompoundSelect:
    apps = queries.applications(scope, filters, GrantCall.id)
    released = apps.join(Tranche, Tranche.application_id == GrantApplication.id).where(
        Tranche.state == "released")
    refunds = apps.join(Refund, Refund.application_id == GrantApplication.id)
    decided = apps.where(GrantApplication.approved_amount.is_not(None))
    return sa.union_all(
        _converted("budget", queries.calls(scope, filters, GrantCall.id),
                   GrantCall.total_budget, GrantCall.opens_at),
        _converted("requested", apps.where(GrantApplication.requested_amount.is_not(None)),
                   GrantApplication.requested_amount, GrantApplication.submitted_at),
        _converted("approved", decided, GrantApplication.approved_amount,
                   GrantApplication.decided_at, usd=GrantApplication.usd_rate),
        _converted("disbursed", released, Tranche.amount, Tranche.released_at),
        _converted("returned", refunds, Refund.amount, Refund.returned_on))


def money(scope, filters) -> Money:
    """Every call in scope with its applications by state and its money (three queries)."""
    call_rows = db.session.execute(queries.calls(
        scope, filters, GrantCall.id, GrantCall.title, Office.code, GrantCall.currency,
        GrantCall.opens_at, GrantCall.total_budget).join(Office, Office.id == GrantCall.office_id)
        .order_by(GrantCall.opens_at.desc(), GrantCall.id.desc())).all()
    calls = {row[0]: CallMoney(*row[:5], amounts={"budget": row[5]}) for row in call_rows}
    states = queries.applications(
        scope, filters, GrantCall.id, GrantApplication.state, sa.func.count(),
        *[sa.func.coalesce(sa.func.sum(getattr(GrantApplication, c)), 0) for c in (
            "requested_amount", "approved_amount", "disbursed", "returned")]
    ).group_by(GrantCall.id, GrantApplication.state)
    for call_id, state, n, *sums in db.session.execute(states):
        call = calls[call_id]
        call.states[state] = n
        for measure, value in zip(MEASURES[1:], sums, strict=True):
            call.amounts[measure] = call.amounts.get(measure, ZERO) + _cents(value)
    for measure, call_id, usd, jpy, no_usd, no_jpy, *months in db.session.execute(
            _conversions(scope, filters)):
        for index, (hq, value, missing) in enumerate((("USD", usd, no_usd),
                                                      ("JPY", jpy, no_jpy))):
            first, last = months[2 * index:2 * index + 2]
            calls[call_id].converted[(measure, hq)] = Converted(
                None if missing else _round(value, hq), missing, _day(first), _day(last))
    return _summed(list(calls.values()))


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(ZERO, ROUND_HALF_UP)


def _round(value, hq: str) -> Decimal:
    return Decimal(str(value or 0)).quantize(PLACES[hq], ROUND_HALF_UP)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _summed(calls: list[CallMoney]) -> Money:
    result = Money(calls=calls, converted={(m, hq): Converted(ZERO) for m in MEASURES
                                           for hq in HQ_CURRENCIES})
    for call in calls:
        for measure in MEASURES:
            call.amounts.setdefault(measure, ZERO)
            for hq in HQ_CURRENCIES:
                mine = call.converted.setdefault((measure, hq), Converted(ZERO))
                result.converted[(measure, hq)].add(mine)
        per_currency = result.by_currency.setdefault(call.currency, dict.fromkeys(MEASURES,
                                                                                  ZERO))
        for measure in MEASURES:
            per_currency[measure] += call.amounts[measure]
        for state, n in call.states.items():
            result.states[state] = result.states.get(state, 0) + n
    result.states = {s: result.states.get(s, 0) for s in APP_STATES if s != "draft"}
    return result
