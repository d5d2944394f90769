"""Synthetic action plans, check-ins, activities and grant money for bench/dashboard.py.

Bulk inserts (SQLAlchemy Core, executemany) on top of the records `flask seed-synthetic` made,
deterministic (a fixed seed). Everything belongs to one office, as the figures of one office
are what the page counts.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

D = Decimal
BATCH = 5_000
STATUSES = ["in_progress"] * 4 + ["completed"] * 3 + ["stalled", "draft", "abandoned"]
KINDS = ["seminar", "field_visit", "workshop", "training", "publication", "policy", "other"]
APP_STATES = (["approved"] * 4 + ["closed"] * 2 + ["rejected"] * 2
              + ["submitted", "in_review", "withdrawn", "ineligible"])


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start:start + BATCH])


def _day(value) -> date | None:
    """A date as the driver returns it (SQLite: text)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC).replace(tzinfo=None)


def load(engine: sa.Engine, office_code: str, plans: int, activities: int,
         applications: int) -> dict[str, int]:
    """Add the rows to the office `office_code`; return how many of each were added."""
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    rng = random.Random(16)
    with engine.begin() as conn:
        office = conn.scalar(sa.text("SELECT id FROM offices WHERE code = :c"), {"c": office_code})
        parts = conn.execute(sa.text(
            "SELECT p.id, p.record_id, c.sector_id, c.end_on, r.region_id FROM participations p "
            "JOIN alumni_records r ON r.id = p.record_id JOIN courses c ON c.id = p.course_id "
            "WHERE r.office_id = :o ORDER BY p.id"), {"o": office}).all()
        barriers = conn.scalars(sa.text("SELECT id FROM barriers ORDER BY id")).all()
        counts = _plans(conn, t, rng, parts, plans, barriers)
        counts["activities"] = _activities(conn, t, rng, parts, activities)
        counts.update(_money(conn, t, rng, office, parts, applications))
        _rates(conn, t)
    return counts


def _plans(conn, t, rng, parts, count: int, barriers) -> dict[str, int]:
    chosen = rng.sample(parts, k=min(count, len(parts)))
    now = datetime.now(UTC).replace(tzinfo=None)
    first_id = (conn.scalar(sa.text("SELECT max(id) FROM action_plans")) or 0) + 1
    plans, updates, links = [], [], []
    update_id = (conn.scalar(sa.text("SELECT max(id) FROM plan_updates")) or 0) + 1
    for offset, part in enumerate(chosen):
        plan_id = first_id + offset
        ended = _day(part.end_on) or date(2018, 1, 1)
        last = None
        for month in (3, 6, 12)[:rng.randint(0, 3)]:
            last = _moment(ended + timedelta(days=30 * month))
            updates.append({"id": update_id, "plan_id": plan_id, "posted_at": last,
                            "check_in_month": month, "done_text": "Held a seminar.",
                            "verification_note": "",
                            "support_needed": "A trainer" if rng.random() < 0.15 else ""})
            for barrier in rng.sample(barriers, k=rng.choice((0, 0, 1, 2))):
                links.append({"update_id": update_id, "barrier_id": barrier})
            update_id += 1
        plans.append({"id": plan_id, "participation_id": part.id, "title": "Plan",
                      "problem": "", "objectives": "", "stakeholders": "", "support_needed": "",
                      "status": rng.choice(STATUSES), "needs_support": False,
                      "last_update_at": last, "entered_by_staff": False, "edit_version": 1,
                      "created_at": now, "updated_at": now})
    _insert(conn, t["action_plans"], plans)
    _insert(conn, t["plan_updates"], updates)
    _insert(conn, t["plan_update_barriers"], links)
    return {"plans": len(plans), "check-ins": len(updates), "barriers reported": len(links)}


def _activities(conn, t, rng, parts, count: int) -> int:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for _ in range(count):
        part = rng.choice(parts)
        total = rng.randint(5, 120)
        women = rng.randint(0, total)
        rows.append({"record_id": part.record_id, "participation_id": part.id,
                     "kind": rng.choice(KINDS),
                     "held_on": date(2013, 4, 1) + timedelta(days=rng.randint(0, 4900)),
                     "region_id": part.region_id, "sector_id": part.sector_id,
                     "title": "Seminar", "description": "", "total": total, "women": women,
                     "men": total - women, "created_at": now, "updated_at": now})
    _insert(conn, t["activities"], rows)
    return len(rows)


def _users(conn, t, count: int) -> list[int]:
    now = datetime.now(UTC).replace(tzinfo=None)
    first = (conn.scalar(sa.text("SELECT max(id) FROM users")) or 0) + 1
    _insert(conn, t["users"], [{
        "id": first + n, "email": f"bench.applicant{n}@example.org",
        "display_name": f"Applicant {n}", "role": "alumnus", "preferred_language": "en",
        "is_active": True, "created_at": now, "updated_at": now} for n in range(count)])
    return list(range(first, first + count))


def _money(conn, t, rng, office: int, parts, count: int) -> dict[str, int]:
    calls_count = max(1, count // 250)
    applicants = _users(conn, t, min(count, 250))
    manager = conn.scalar(sa.text("SELECT id FROM users WHERE office_id = :o AND role = "
                                  "'manager' ORDER BY id LIMIT 1"), {"o": office})
    now = datetime.now(UTC).replace(tzinfo=None)
    call_first = (conn.scalar(sa.text("SELECT max(id) FROM grant_calls")) or 0) + 1
    app_first = (conn.scalar(sa.text("SELECT max(id) FROM grant_applications")) or 0) + 1
    calls, apps, tranches, refunds = [], [], [], []
    for c in range(calls_count):
        opens = date(2014 + c % 12, 5, 1) + timedelta(days=c // 12)
        per_call = [0, 0, 0]
        for n in range(count // calls_count):
            app_id = app_first + len(apps)
            row = _application(rng, app_id, call_first + c, applicants[n % len(applicants)],
                               rng.choice(parts).record_id, opens, manager, now)
            apps.append(row)
            if row["approved_amount"] is not None:
                paid = row["disbursed"]
                released = _moment(opens + timedelta(days=120))
                tranches.append({"application_id": app_id, "number": 1, "amount": paid,
                                 "planned_on": released.date(), "state": "released",
                                 "released_at": released, "reference": ""})
                if row["returned"]:
                    refunds.append({"application_id": app_id, "amount": row["returned"],
                                    "returned_on": opens + timedelta(days=300),
                                    "reference": "", "recorded_at": now})
                for i, key in enumerate(("approved_amount", "disbursed", "returned")):
                    per_call[i] += row[key]
        calls.append({"id": call_first + c, "office_id": office, "title": f"Call {c + 1}",
                      "description": "", "opens_at": _moment(opens),
                      "closes_at": _moment(opens + timedelta(days=60)), "currency": "TJS",
                      "total_budget": D("10000000.00"), "ceiling": D("20000.00"),
                      "committed": per_call[0], "disbursed": per_call[1],
                      "returned": per_call[2], "min_months_since_training": 0,
                      "min_team_size": 1, "reviews_required": 2, "state": "closed",
                      "created_at": now, "updated_at": now})
    _insert(conn, t["grant_calls"], calls)
    _insert(conn, t["grant_applications"], apps)
    _insert(conn, t["grant_tranches"], tranches)
    _insert(conn, t["grant_refunds"], refunds)
    return {"calls": len(calls), "applications": len(apps), "tranches paid": len(tranches),
            "refunds": len(refunds)}


def _application(rng, app_id, call_id, applicant, record_id, opens, manager, now) -> dict:
    state = rng.choice(APP_STATES)
    requested = D(rng.randint(3000, 20000))
    approved = (requested * D("0.9")).quantize(D("1.00")) if state in ("approved", "closed") \
        else None
    decided = state in ("approved", "closed", "rejected")
    disbursed = approved or D("0.00")
    returned = D("100.00") if approved and rng.random() < 0.2 else D("0.00")
    return {"id": app_id, "call_id": call_id, "applicant_id": applicant,
            "record_id": record_id, "state": state, "title": "Project", "summary": "",
            "problem": "", "objectives": "", "activities": "", "target_group": "",
            "language": "ru", "edit_version": 1, "edit_seq": 0, "screening_note": "",
            "conditions": "", "decision_reason": "",
            "submitted_at": _moment(opens + timedelta(days=20)), "requested_amount": requested,
            "approved_amount": approved, "usd_rate": D("0.0915") if approved else None,
            "decided_at": _moment(opens + timedelta(days=90)) if decided else None,
            "decided_by_id": manager if decided else None, "disbursed": disbursed,
            "returned": returned, "created_at": now, "updated_at": now}


def _rates(conn, t) -> None:
    present = set(conn.execute(sa.text("SELECT currency, month FROM exchange_rates")).tuples())
    rows = []
    for year in range(2012, 2028):
        for month in range(1, 13):
            day = date(year, month, 1)
            for currency, usd, jpy in (("TJS", D("0.0915"), D("13.9")),
                                       ("USD", None, D("148.5"))):
                if (currency, day) not in present and (currency, str(day)) not in present:
                    rows.append({"currency": currency, "month": day, "usd": usd, "jpy": jpy})
    now = datetime.now(UTC).replace(tzinfo=None)
    for row in rows:
        row.update(created_at=now, updated_at=now)
    _insert(conn, t["exchange_rates"], rows)
