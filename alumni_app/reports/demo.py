"""Demo data for the figures: monthly rates, plans with check-ins, activities, moves, grants.

Called once by the demo seed after the records and the Tajikistan office's grants exist, so the
figures page shows real charts in every office: action plans in every status with check-ins
and barriers, activities with the people they reached, ex-participants who changed
organization (their earlier post kept), a closed call with paid grants in the Kyrgyz Republic
and Kazakhstan offices, and the exchange rates of every month the demo's money needs.
Written with bulk inserts (a few thousand rows), deterministic (a fixed seed).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.accounts import services as accounts
from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord, RecordPosition, record_sectors
from alumni_app.alumni.synthetic import ORGANIZATIONS
from alumni_app.extensions import db
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.grants.money_models import Tranche
from alumni_app.offices.models import Office
from alumni_app.permissions import Role
from alumni_app.plans.models import (
    ACTIVITY_KINDS,
    ActionPlan,
    Activity,
    Barrier,
    ProgressUpdate,
    update_barriers,
)
from alumni_app.reports.models import ExchangeRate
from alumni_app.reports.refresh import refresh_figures
from alumni_app.reports.rules import SMALL_GROUP
from alumni_app.training.models import Course, Participation

D = Decimal
# 1 unit in USD and in JPY, around the start of the demo's months; drifting a little each month.
RATES = {"TJS": (D("0.0915"), D("13.90")), "KGS": (D("0.0114"), D("1.69")),
         "KZT": (D("0.0020"), D("0.300")), "USD": (None, D("148.50"))}
MONTHS = 48
STATUS_WEIGHTS = (("in_progress", 40), ("completed", 25), ("stalled", 12), ("draft", 8),
                  ("abandoned", 5))
SUPPORT = ["A trainer for the second seminar", "Help to print the handbook",
           "Contacts in the regional administration", "Funding for travel to the districts"]


def seed() -> None:
    """Add the figures' demo data (once: the demo seed runs on an empty database)."""
    rng = random.Random(16)
    today = date.today()
    _rates(today)
    barriers = db.session.scalars(sa.select(Barrier.id).order_by(Barrier.id)).all()
    rows = db.session.execute(
        sa.select(Participation.id, Participation.record_id, Participation.course_id,
                  AlumnusRecord.office_id, Course.sector_id, Course.end_on,
                  AlumnusRecord.region_id)
        .join(Course, Course.id == Participation.course_id)
        .join(AlumnusRecord, AlumnusRecord.id == Participation.record_id)
        # The demo alumni's own records stay as their journeys need them (no plan written
        # for them, no post moved): the figures come from everyone else's.
        .where(Course.end_on < today, AlumnusRecord.user_id.is_(None))
        .order_by(Participation.id)).all()
    has_plan = set(db.session.scalars(sa.select(ActionPlan.participation_id)))
    for row in _with_plans(rng, rows):
        if row.id not in has_plan:
            _plan(rng, row, barriers, today)
    _sectors(rng, rows)
    _moves(rng, {row.record_id for row in rows}, today)
    for office in db.session.scalars(sa.select(Office).where(Office.code.in_(("KG", "KZ")))):
        _grants(rng, office, today)
    db.session.flush()
    refresh_figures()


def _months(today: date, count: int) -> list[date]:
    """The first days of the `count` months up to this one."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _rates(today: date) -> None:
    rows = []
    for currency, (usd, jpy) in RATES.items():
        for step, month in enumerate(_months(today, MONTHS)):
            drift = D(1) + D(step % 7 - 3) / D(200)  # within 1.5 % either way
            rows.append({"currency": currency, "month": month,
                         "usd": (usd * drift).quantize(D("0.000001")) if usd else None,
                         "jpy": (jpy * drift).quantize(D("0.000001"))})
    db.session.execute(sa.insert(ExchangeRate), rows)


def _with_plans(rng: random.Random, rows) -> list:
    """About 60 % of each course's people in an office write a plan, and never just one or
    two of them (the disclosure rule would then withhold every office-wide breakdown)."""
    groups: dict = {}
    for row in rows:
        groups.setdefault((row.course_id, row.office_id), []).append(row)
    chosen = []
    for members in groups.values():
        if len(members) < SMALL_GROUP:
            continue
        picked = [row for row in members if rng.random() < 0.6]
        while len(picked) < SMALL_GROUP:
            picked.append(next(row for row in members if row not in picked))
        chosen += picked
    return sorted(chosen, key=lambda row: row.id)


def _plan(rng: random.Random, row, barriers: list[int], today: date) -> None:
    status = rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS])[0]
    # Written at the end of the course, as participants do: its check-ins fall due from then.
    written = datetime.combine(min(row.end_on, today), datetime.min.time(), UTC)
    plan_id = db.session.execute(sa.insert(ActionPlan).returning(ActionPlan.id), {
        "participation_id": row.id, "title": "Passing on what the course taught",
        "problem": "", "status": status, "created_at": written,
        "updated_at": written}).scalar_one()
    last = None
    for month in (3, 6, 12, 24)[:rng.randint(0, 4)]:
        posted = row.end_on + timedelta(days=30 * month + rng.randint(0, 20))
        if posted > today:
            break
        last = datetime.combine(posted, datetime.min.time(), UTC)
        support = rng.choice(SUPPORT) if rng.random() < 0.2 else ""
        update_id = db.session.execute(sa.insert(ProgressUpdate).returning(ProgressUpdate.id), {
            "plan_id": plan_id, "posted_at": last, "check_in_month": month,
            "done_text": "Held a seminar for colleagues.", "support_needed": support
        }).scalar_one()
        chosen = rng.sample(barriers, k=min(len(barriers), rng.choice((0, 0, 1, 1, 2))))
        if chosen:
            db.session.execute(sa.insert(update_barriers), [
                {"update_id": update_id, "barrier_id": b} for b in chosen])
        if status in ("in_progress", "completed") and rng.random() < 0.7:
            _activity(rng, row, plan_id, posted)
    if last is not None:
        db.session.execute(sa.update(ActionPlan).where(ActionPlan.id == plan_id).values(
            last_update_at=last, needs_support=bool(support)))


def _activity(rng: random.Random, row, plan_id: int, held_on: date) -> None:
    total = rng.choice((12, 18, 25, 30, 40, 60, 120))
    women = rng.randint(0, total)
    db.session.execute(sa.insert(Activity), {
        "record_id": row.record_id, "plan_id": plan_id, "participation_id": row.id,
        "kind": rng.choice(ACTIVITY_KINDS), "held_on": held_on, "region_id": row.region_id,
        "sector_id": row.sector_id, "title": "Seminar on the course's methods",
        "total": total, "women": women, "men": total - women})


def _sectors(rng: random.Random, rows) -> None:
    """Most people still work in their course's sector: add it to their record's sectors."""
    present = {(record_id, sector_id) for record_id, sector_id in db.session.execute(
        sa.select(record_sectors.c.record_id, record_sectors.c.sector_id))}
    links = {(row.record_id, row.sector_id) for row in rows
             if row.sector_id and rng.random() < 0.6} - present
    if links:
        db.session.execute(sa.insert(record_sectors), [
            {"record_id": r, "sector_id": s} for r, s in sorted(links)])


def _moves(rng: random.Random, record_ids: set[int], today: date) -> None:
    """A quarter of the people moved on: a new organization, the earlier post kept."""
    moved = sorted(r for r in record_ids if rng.random() < 0.25)
    for record_id in moved:
        record = db.session.get(AlumnusRecord, record_id)
        new = rng.choice([o for o in ORGANIZATIONS if o != record.organization])
        db.session.add(RecordPosition(record_id=record_id, organization=record.organization,
                                      position=record.position,
                                      ended_on=today - timedelta(days=rng.randint(60, 1500))))
        record.organization = new


def _grants(rng: random.Random, office: Office, today: date) -> None:
    """A closed call with three grants paid in the office's currency (direct rows, as if run)."""
    now = datetime.now(UTC)
    opens = now - timedelta(days=420)
    budget, ceiling = (D("2500000"), D("400000")) if office.currency == "KZT" else (
        D("1200000"), D("200000"))
    call = GrantCall(office_id=office.id, title="Mini-Grant Scheme 2025", description="",
                     opens_at=opens, closes_at=opens + timedelta(days=60),
                     currency=office.currency, total_budget=budget, ceiling=ceiling,
                     state="closed", published_at=opens)
    db.session.add(call)
    db.session.flush()
    manager = db.session.scalar(sa.select(User).where(
        User.office_id == office.id, User.role == Role.MANAGER.value))
    records = db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.office_id == office.id, AlumnusRecord.user_id.is_(None))
        .order_by(AlumnusRecord.id).limit(3)).all()
    for number, record in enumerate(records, start=1):
        _grant(rng, call, manager, record, number, opens)


def _grant(rng, call: GrantCall, manager, record: AlumnusRecord, number: int,
           opens: datetime) -> None:
    user = accounts.create_user(
        email=f"grantee{number}.{call.office.code.lower()}@example.org",
        display_name=record.display_name, role=Role.ALUMNUS, office_id=None, password=None)
    record.user_id = user.id
    amount = (call.ceiling * D(rng.choice((55, 70, 85))) / 100).quantize(D("1.00"))
    decided = opens + timedelta(days=75 + number)
    usd, _jpy = RATES[call.currency]
    application = GrantApplication(
        call_id=call.id, applicant_id=user.id, record_id=record.id, state="approved",
        title=f"Seminars for {record.organization}", submitted_at=opens + timedelta(days=20),
        requested_amount=amount, approved_amount=amount, usd_rate=usd, decided_at=decided,
        decided_by_id=manager.id, disbursed=amount, region_id=record.region_id)
    db.session.add(application)
    db.session.flush()
    db.session.add(Tranche(application_id=application.id, number=1, amount=amount,
                           planned_on=decided.date(), state="released",
                           released_at=decided + timedelta(days=10), released_by_id=manager.id))
    call.committed += amount
    call.disbursed += amount
