"""Small builders for the figures' tests (direct rows), and the URL arguments of the routes."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord, record_sectors
from alumni_app.extensions import db
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.grants.money_models import Refund, Tranche
from alumni_app.plans.models import ActionPlan, Activity, ProgressUpdate, update_barriers
from alumni_app.reports.models import ExchangeRate
from alumni_app.training.models import Course, Participation, Region, Sector
from tests import factories

D = Decimal


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def sector(name: str, name_ru: str = "") -> Sector:
    item = Sector(name_en=name, name_ru=name_ru or name)
    db.session.add(item)
    db.session.flush()
    return item


def region(office, name: str, name_ru: str = "") -> Region:
    item = Region(office_id=office.id, name_en=name, name_ru=name_ru or name)
    db.session.add(item)
    db.session.flush()
    return item


def course(fiscal_year: int, sector_id=None, program_type="issue_based", host="Host A"):
    n = next(factories._seq)
    item = Course(code=f"R-{n}", title=f"Course {n}", program_type=program_type,
                  sector_id=sector_id, host_institution=host, host_city="Tokyo")
    item.set_dates(date(fiscal_year, 6, 1), date(fiscal_year, 6, 30))
    db.session.add(item)
    db.session.flush()
    return item


def person(office, *, gender="female", region_id=None, organization="Ministry of Health",
           sectors=()) -> AlumnusRecord:
    n = next(factories._seq)
    record = AlumnusRecord(office_id=office.id, given_name="Given", family_name=f"Person{n}",
                           gender=gender, region_id=region_id, organization=organization)
    db.session.add(record)
    db.session.flush()
    for sector_id in sectors:
        db.session.execute(record_sectors.insert().values(record_id=record.id,
                                                          sector_id=sector_id))
    return record


def took(record, course_, nominated_by: str | None = None) -> Participation:
    item = Participation(record_id=record.id, course_id=course_.id,
                         nominating_organization=(record.organization if nominated_by is None
                                                  else nominated_by))
    db.session.add(item)
    db.session.flush()
    return item


def plan(participation, status="in_progress", last_update_at=None) -> ActionPlan:
    item = ActionPlan(participation_id=participation.id, title="A plan", status=status,
                      last_update_at=last_update_at)
    db.session.add(item)
    db.session.flush()
    return item


def update(plan_, *, barriers=(), check_in_month=None, support="", posted_on=date(2024, 5, 1)):
    item = ProgressUpdate(plan_id=plan_.id, posted_at=at(posted_on),
                          check_in_month=check_in_month, done_text="Done",
                          support_needed=support)
    db.session.add(item)
    db.session.flush()
    for barrier_id in barriers:
        db.session.execute(update_barriers.insert().values(update_id=item.id,
                                                           barrier_id=barrier_id))
    return item


def activity(participation, *, total, women=0, men=0, held_on=date(2024, 5, 1), sector_id=None,
             region_id=None) -> Activity:
    item = Activity(record_id=participation.record_id, participation_id=participation.id,
                    kind="seminar", held_on=held_on, title="Seminar", total=total, women=women,
                    men=men, sector_id=sector_id, region_id=region_id)
    db.session.add(item)
    db.session.flush()
    return item


def call(office, *, currency="TJS", budget="100000.00", opens_on=date(2024, 5, 10),
         title="Mini-Grant Scheme") -> GrantCall:
    item = GrantCall(office_id=office.id, title=title, opens_at=at(opens_on),
                     closes_at=at(date(opens_on.year + 1, 1, 1)), currency=currency,
                     total_budget=D(budget), ceiling=D(budget), state="closed")
    db.session.add(item)
    db.session.flush()
    return item


def application(call_, record, user, *, state="approved", requested=None, approved=None,
                usd_rate=None, submitted_on=date(2024, 6, 3), decided_on=date(2024, 7, 20),
                decider=None) -> GrantApplication:
    decided = state in ("approved", "closed", "rejected")
    item = GrantApplication(
        call_id=call_.id, applicant_id=user.id, record_id=record.id, state=state,
        title="Project", submitted_at=at(submitted_on),
        requested_amount=D(requested) if requested else None,
        approved_amount=D(approved) if approved else None,
        usd_rate=D(usd_rate) if usd_rate else None,
        decided_at=at(decided_on) if decided else None,
        decided_by_id=decider.id if decided else None)
    db.session.add(item)
    db.session.flush()
    if approved:
        call_.committed += D(approved)
    return item


def paid(application_, amount: str, on: date, number: int = 1) -> Tranche:
    item = Tranche(application_id=application_.id, number=number, amount=D(amount),
                   planned_on=on, state="released", released_at=at(on))
    application_.disbursed += D(amount)
    application_.call.disbursed += D(amount)
    db.session.add(item)
    db.session.flush()
    return item


def refunded(application_, amount: str, on: date) -> Refund:
    item = Refund(application_id=application_.id, amount=D(amount), returned_on=on)
    application_.returned += D(amount)
    application_.call.returned += D(amount)
    db.session.add(item)
    db.session.flush()
    return item


def rate(currency: str, month: date, usd=None, jpy=None) -> ExchangeRate:
    item = ExchangeRate(currency=currency, month=month, usd=D(usd) if usd else None,
                        jpy=D(jpy) if jpy else None)
    db.session.add(item)
    db.session.flush()
    return item


def works_in(record, *sector_ids) -> None:
    """The person's sectors of work (the record's, not a course's)."""
    for sector_id in sector_ids:
        db.session.execute(record_sectors.insert().values(record_id=record.id,
                                                          sector_id=sector_id))


def event(office, kind: str, on: date | datetime, state: str = "finished"):
    from alumni_app.events.models import Event

    starts = on if isinstance(on, datetime) else at(on)
    item = Event(office_id=office.id, kind=kind, title_en=f"{kind} {starts:%Y-%m-%d}",
                 starts_at=starts, ends_at=starts + timedelta(hours=4), state=state)
    db.session.add(item)
    db.session.flush()
    return item


def guest(office, name: str):
    from alumni_app.events.models import Guest

    item = Guest(office_id=office.id, name=name, email=f"{name.lower()}@guests.example")
    db.session.add(item)
    db.session.flush()
    return item


def place(event_, person, *, source="invited", answer="yes", came=False):
    """A person's place at an event (`person` a record or a guest), checked in when `came`."""
    from alumni_app.events.models import Guest, Invitation

    who = {"guest_id" if isinstance(person, Guest) else "record_id": person.id}
    item = Invitation(event_id=event_.id, source=source, answer=answer, token=secrets.token_hex(8),
                      waiting_position=1 if answer == "waiting" else None,
                      checked_in_at=event_.starts_at if came else None, **who)
    db.session.add(item)
    db.session.flush()
    return item


def announcement(office, on: date | datetime, **values):
    from alumni_app.messages.models import Announcement

    item = Announcement(office_id=office.id if office else None, title_en="News",
                        publish_at=on if isinstance(on, datetime) else at(on), **values)
    db.session.add(item)
    db.session.flush()
    return item


def bulk_message(office, kind: str, on: date, outcomes: list[tuple[str, str, object]]):
    """A bulk message queued on `on` (office None: to every office); `outcomes` are (channel,
    state, record) of its log."""
    from alumni_app.messages.models import BulkMessage, MessageRecipient

    item = BulkMessage(office_id=office.id if office else None, kind=kind, subject_en="Subject",
                       created_at=at(on))
    db.session.add(item)
    db.session.flush()
    for channel, state, record in outcomes:
        db.session.add(MessageRecipient(message_id=item.id, channel=channel, state=state,
                                        record_id=record.id, address="someone@example.org"))
    db.session.flush()
    return item


def refresh() -> None:
    """Recount the figures (as the schedule or the page's button does) and commit."""
    from alumni_app.reports.refresh import refresh_figures

    refresh_figures()
    db.session.commit()


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """A rate for the rate pages (the office pages take the office's id)."""
    if endpoint and not endpoint.startswith("rates."):
        return {}
    item = db.session.scalar(sa.select(ExchangeRate).filter_by(currency="TJS"))
    item = item or rate("TJS", date(2024, 4, 1), usd="0.091", jpy="13.5")
    db.session.commit()
    return {"rate_id": item.id}


def sheet_table(sheet, title: str | None) -> dict[str, list]:
    """The rows under `title` (its header row included) up to the first empty row."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = 0 if title is None else next(i for i, r in enumerate(rows) if r[0] == title) + 1
    table = {}
    for row in rows[start:]:
        if row[0] is None:
            break
        table[str(row[0])] = [c for c in row[1:] if c is not None]
    return table
