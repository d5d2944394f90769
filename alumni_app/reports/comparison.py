"""The offices side by side, with the region's totals: one grouped query per figure.

Counted per office in SQL (GROUP BY office), so the number of queries does not grow with the
number of offices; events and messages come from their sections' own statements, which group by
office too (no statement of their own here). Money is compared in USD and JPY only (each office
has its own currency); plans and retention follow the disclosure rule per office, and the total
shows them only if every office does; so do the alumni's event counts when a sector, region or
program type is chosen (event_figures: the events held and the guests are shown whatever). Rates
and shares of the total are worked out from the totals, never averaged over the offices.
Messages to every office count in no office's column, only in the total (as on every office's
page)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.reports import event_figures, message_figures, people, queries
from alumni_app.reports.models import ActivityCell, AuthorCell, PlanCell, TrainingCell
from alumni_app.reports.money import Converted, Money
from alumni_app.reports.reach import per_person
from alumni_app.reports.rules import month_start, withheld_keys

ROWS = (
    ("trained", _l("Ex-participants trained")),
    ("plans", _l("Action plans")),
    ("recent_share", _l("Share of plans with an update in the last six months (per cent)")),
    ("activities", _l("Activities")),
    ("reached", _l("People reached")),
    ("multiplier", _l("People reached per ex-participant")),
    ("grants", _l("Grants approved")),
    ("approved_usd", _l("Approved, in USD")),
    ("approved_jpy", _l("Approved, in JPY")),
    ("disbursed_usd", _l("Disbursed, in USD")),
    ("disbursed_jpy", _l("Disbursed, in JPY")),
    ("retained_share", _l("Still in the nominating organization (per cent)")),
    ("events_held", _l("Events held")),
    ("alumni_invited", _l("Alumni invited by the office")),
    ("alumni_registered", _l("Alumni registered ahead")),
    ("alumni_attended", _l("Alumni who attended")),
    ("attendance_rate", _l("Attendance rate of the alumni registered ahead (per cent)")),
    ("guests_attended", _l("Guests who attended")),
    ("announcements", _l("Announcements published")),
    ("bulk_sent", _l("Bulk messages sent")),
    ("recipients", _l("Recipients of bulk messages")),
    ("delivered", _l("Of them, sent (to the mail server or Telegram)")),
    ("unsubscribed", _l("Of them, skipped as unsubscribed")),
)
EVENT_KEYS = ("events_held", "alumni_invited", "alumni_registered", "alumni_attended",
              "guests_attended", "_came")
ALUMNI_KEYS = ("alumni_invited", "alumni_registered", "alumni_attended", "attendance_rate",
               "_came")
MESSAGE_KEYS = ("announcements", "bulk_sent", "recipients", "delivered", "unsubscribed")


@dataclass
class Column:
    name: str
    values: dict = field(default_factory=dict)


@dataclass
class Comparison:
    columns: list[Column] = field(default_factory=list)  # the offices, then the total

    def rows(self) -> list[tuple[str, str, list]]:
        return [(key, str(label), [c.values.get(key) for c in self.columns])
                for key, label in ROWS]


def _per_office(query: sa.Select, office_column) -> dict:
    return {row[0]: [int(v or 0) for v in row[1:]]
            for row in db.session.execute(query.group_by(office_column))}


def _plans(scope, filters, today) -> tuple[dict, set]:
    since = month_start(today - timedelta(days=people.RECENT_DAYS))
    counts = _per_office(queries.cells(
        PlanCell, scope, filters, PlanCell.office_id, sa.func.sum(PlanCell.plans),
        sa.func.coalesce(sa.func.sum(PlanCell.plans).filter(PlanCell.updated_month >= since),
                         0)), PlanCell.office_id)
    units = db.session.execute(queries.cell_units(AuthorCell, AuthorCell.people, scope,
                                                  filters, AuthorCell.office_id)).all()
    return counts, withheld_keys(units)


def _retention(scope, filters) -> tuple[dict, set]:
    cell = TrainingCell
    counts = _per_office(queries.cells(cell, scope, filters, cell.office_id,
                                       sa.func.sum(cell.known), sa.func.sum(cell.same_org)),
                         cell.office_id)
    units = db.session.execute(queries.cell_units(cell, cell.known, scope, filters,
                                                  cell.office_id)).all()
    return counts, withheld_keys(units)


def _trained(scope, filters) -> dict:
    return _per_office(queries.cells(TrainingCell, scope, filters, TrainingCell.office_id,
                                     sa.func.sum(TrainingCell.people)), TrainingCell.office_id)


def _money(figures: Money, office_codes: dict) -> dict:
    per: dict = {}
    for call in figures.calls:
        office_id = office_codes[call.office]
        values = per.setdefault(office_id, {"grants": 0})
        values["grants"] += call.grants
        for measure in ("approved", "disbursed"):
            for hq in ("USD", "JPY"):
                values.setdefault(f"{measure}_{hq.lower()}", Converted(Decimal(0))).add(
                    call.converted[(measure, hq)])
    return per


def compare(ctx, figures: dict) -> Comparison:
    """Every office in scope side by side, and the total of all of them.

    `figures`: the page's sections' figures by key; money, events and messages are taken from
    them (counted per office by the sections' own statements), the rest is counted here.
    """
    scope, filters = ctx.scope, ctx.filters
    offices = db.session.execute(scope.restrict(
        sa.select(Office.id, Office.code, Office.name), Office.id).order_by(Office.name)).all()
    trained, plans = _trained(scope, filters), _plans(scope, filters, ctx.today)
    until = trained if filters.fy_from is None else _trained(scope,
                                                              replace(filters, fy_from=None))
    activities = _per_office(queries.activity_cells(
        ActivityCell, scope, filters, ActivityCell.office_id,
        sa.func.sum(ActivityCell.activities), sa.func.sum(ActivityCell.reached)),
        ActivityCell.office_id)
    retention = _retention(scope, filters)
    grants = _money(figures["money"], {code: office_id for office_id, code, _n in offices})
    events: event_figures.Events = figures["events"]
    messages: message_figures.Messages = figures["messages"]
    result = Comparison()
    for office_id, code, _name in offices:
        values = _values(office_id, trained, plans, until, activities, retention, grants)
        values.update(_events(events.per_office.get(office_id),
                              office_id in events.withheld_offices))
        values.update(_messages(messages.per_office.get(office_id)))
        result.columns.append(Column(code, values))
    total = _total(result.columns, bool(plans[1]), bool(retention[1]))
    _events_total(total, result.columns, bool(events.withheld_offices))
    _messages_total(total, result.columns, messages.per_office.get(None))
    result.columns.append(total)
    return result


def _events(found, withheld: bool) -> dict:
    """An office's events row values (counts of places, as the events section counts)."""
    held, alumni, guests = found or (0, event_figures.Attendance(),
                                     event_figures.Attendance())
    values = {"events_held": held, "guests_attended": guests.attended,
              "alumni_invited": alumni.invited, "alumni_registered": alumni.registered,
              "alumni_attended": alumni.attended, "_came": alumni.came,
              "attendance_rate": alumni.rate}
    if withheld:
        values.update(dict.fromkeys(ALUMNI_KEYS))
    return values


def _events_total(total: Column, columns: list[Column], withheld: bool) -> None:
    if withheld:  # an office's few alumni would be the total minus the other offices'
        total.values.update(dict.fromkeys(ALUMNI_KEYS))
        keys = ("events_held", "guests_attended")
    else:
        keys = EVENT_KEYS
    for key in keys:
        total.values[key] = sum(c.values[key] for c in columns)
    if not withheld:  # the rate of the totals, not an average of the offices' rates
        total.values["attendance_rate"] = people.share(total.values["_came"],
                                                       total.values["alumni_registered"])


def _messages(found) -> dict:
    found = found or message_figures.OfficeMessages()
    return {"announcements": found.announcements, "bulk_sent": found.sent,
            "recipients": found.recipients, "delivered": found.delivered,
            "unsubscribed": found.unsubscribed}


def _messages_total(total: Column, columns: list[Column], to_everyone) -> None:
    """The offices' messages and those to every office (which no office's column counts)."""
    for key in MESSAGE_KEYS:
        total.values[key] = sum(c.values[key] for c in columns)
    if to_everyone is not None:
        for key, value in _messages(to_everyone).items():
            total.values[key] += value


def _values(office_id, trained, plans, until, activities, retention, grants) -> dict:
    (n_plans, recent), withheld = plans[0].get(office_id, (0, 0)), office_id in plans[1]
    known, same = retention[0].get(office_id, (0, 0))
    n_activities, reached = activities.get(office_id, (0, 0))
    values = {"trained": trained.get(office_id, (0,))[0], "plans": n_plans,
              "recent_share": None if withheld else people.share(recent, n_plans),
              "activities": n_activities, "reached": int(reached),
              "multiplier": per_person(int(reached), until.get(office_id, (0,))[0]),
              "retained_share": (None if office_id in retention[1]
                                 else people.share(same, known)),
              "_recent": recent, "_known": known, "_same": same, "_until":
                  until.get(office_id, (0,))[0]}
    money = grants.get(office_id, {})
    values["grants"] = money.get("grants", 0)
    for key in ("approved_usd", "approved_jpy", "disbursed_usd", "disbursed_jpy"):
        values[key] = money.get(key, Converted(Decimal(0)))
    return values


def _total(columns: list[Column], plans_withheld: bool, retention_withheld: bool) -> Column:
    total = Column(str(_l("All offices")))
    add = lambda key: sum(c.values[key] for c in columns)  # noqa: E731
    values = {key: add(key) for key in ("trained", "plans", "activities", "reached", "grants",
                                         "_recent", "_known", "_same", "_until")}
    values["recent_share"] = None if plans_withheld else people.share(values["_recent"],
                                                                 values["plans"])
    values["retained_share"] = None if retention_withheld else people.share(values["_same"],
                                                                   values["_known"])
    values["multiplier"] = per_person(values["reached"], values["_until"])
    for key in ("approved_usd", "approved_jpy", "disbursed_usd", "disbursed_jpy"):
        summed = Converted(Decimal(0))
        for column in columns:
            summed.add(column.values[key])
        values[key] = summed
    total.values = values
    return total
