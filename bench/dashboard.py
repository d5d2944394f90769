"""Server time of the office figures page and of the yearly workbook on a large office.

A fresh database is migrated and seeded with the demo data, then loaded with synthetic records
for the TJ office (`flask seed-synthetic`, as bench/directory.py does) and, with bulk inserts
(bench/figures_data.py), action plans with check-ins and barriers, activities with the people
they reached, and mini-grant applications with their money (calls, tranches paid, refunds,
monthly rates); the figure cells are rebuilt (`flask refresh-figures`, timed: what the
schedule's recount or the page's "Recount now" button costs, the needs' kept counts
included) and the database analysed (ANALYZE; on PostgreSQL VACUUM ANALYZE). Logged in as the
demo officer of TJ, it prints the in-process server time (p50/p95, SQL time, statements per
request) of

- GET /dashboard (the officer's work list and headline figures);
- GET /reports/offices/<TJ>/figures unfiltered and with each filter (period, sector, region,
  program type, all of them) (target: p95 < 300 ms);
- the needs page;
- GET .../yearly.xlsx for the busiest fiscal year (target < 10 s) and the fact sheet (PDF);
- logged in as the demo administrator, GET /reports/figures (every office's figures and the
  offices side by side), unfiltered and for a period (target: p95 < 300 ms);

with the slowest statements of the slowest case. The page and the workbook count events and
messages too: the load adds, at the issue's scale, 200 events of the office over its recent
fiscal years (most finished, some cancelled, a few to come) with 20,000 registrations
(invitations answered, seats taken, check-ins, walk-ins; one in twenty a guest), and bulk
messages with their delivery log (`--bulk-messages`, every record of the office a recipient
row in one of the log's states). Run it from the project root:

    .venv/bin/python bench/dashboard.py [--records 200000] [--plans 50000]
        [--activities 50000] [--applications 5000] [--events 200] [--registrations 20000]
        [--bulk-messages 10] [--requests 30]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/dashboard.py        # SQLite, then a throwaway PostgreSQL database
    ... --sqlite-path /tmp/fig.db [--skip-load]    # keep (reuse) the loaded SQLite file
    ... --postgres-only --postgres-keep bench_fig  # keep (reuse) the loaded PostgreSQL database

It prints figures and is not a test: it exits 0 whatever the times, 1 when it cannot measure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import directory as dirbench  # noqa: E402 - the sibling benchmark: loading, logging in, SQL log
import figures_data  # noqa: E402
import throughput as tp  # noqa: E402

OFFICE = dirbench.OFFICE
TARGET_PAGE_MS = 300.0
TARGET_WORKBOOK_S = 10.0
ADMIN_EMAIL = "admin@example.org"


def load(env: dict[str, str], database_url: str, args) -> None:
    dirbench.load_database(env, args.records)
    engine = sa.create_engine(database_url)
    try:
        start = time.perf_counter()
        counts = figures_data.load(engine, OFFICE, args.plans, args.activities,
                                   args.applications)
        took = time.perf_counter() - start
        print("  figures data: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + f" in {took:.1f} s", flush=True)
        start = time.perf_counter()
        counts = load_gatherings(engine, OFFICE, args.events, args.registrations,
                                 args.bulk_messages)
        print("  events and messages: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + f" in {time.perf_counter() - start:.1f} s", flush=True)
    finally:
        engine.dispose()
    took = dirbench.flask_command(env, "refresh-figures", timeout=600)
    print(f"  flask refresh-figures (every office's figure cells): {took:.1f} s", flush=True)


EVENT_KINDS = ["seminar"] * 5 + ["workshop"] * 3 + ["briefing", "annual_meeting", "other"]
RECIPIENT_STATES = ["sent"] * 16 + ["failed", "bounced", "unsubscribed", "no_address"]


def _stamp(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None, microsecond=0)


def _event_rows(rng, office: int, count: int, now: datetime) -> list[dict]:
    rows = []
    for n in range(count):
        starts = _stamp(now - timedelta(days=rng.randint(-60, 5 * 365), hours=rng.randint(0, 9)))
        state = ("published" if starts > _stamp(now) else
                 "cancelled" if n % 25 == 0 else "finished")
        rows.append({"office_id": office, "kind": rng.choice(EVENT_KINDS),
                     "title_en": f"Bench event {n}", "title_ru": "", "description_en": "",
                     "description_ru": "", "starts_at": starts,
                     "ends_at": starts + timedelta(hours=4), "venue": "", "address": "",
                     "online_url": "", "capacity": None, "open_registration": n % 3 == 0,
                     "state": state, "registered": 0, "waiting_seq": 0, "audience": "{}",
                     "created_at": starts - timedelta(days=40),
                     "updated_at": starts - timedelta(days=40)})
    return rows


def _registrations(rng, events, records: list[int], guests: list[int], count: int):
    """`count` places spread over the events: answers, seats, check-ins, walk-ins."""
    rows, per_event = [], max(1, count // max(1, len(events)))
    for event_id, starts, state in events:
        people = rng.sample(records, k=min(per_event, len(records)))
        for number, record in enumerate(people):
            guest = number % 20 == 19 and guests
            source = rng.choice(["invited"] * 6 + ["registered"] * 3 + ["walk_in"])
            answer = "yes" if source == "walk_in" else rng.choice(
                ["yes"] * 6 + ["no", "pending", "waiting"])
            came = state == "finished" and answer == "yes" and rng.random() < 0.8
            rows.append({"event_id": event_id, "record_id": None if guest else record,
                         "guest_id": guests[(number // 20) % len(guests)] if guest else None,
                         "source": source, "answer": answer,
                         "waiting_position": number if answer == "waiting" else None,
                         "invited_at": starts - timedelta(days=30),
                         "checked_in_at": starts if came else None,
                         "token": secrets.token_urlsafe(32)})
    return rows


def _recipient_rows(rng, message_ids: list[int], records: list[int]) -> list[dict]:
    return [{"message_id": message, "channel": "email", "record_id": record,
             "address": f"r{record}@bench.example", "language": "ru",
             "state": rng.choice(RECIPIENT_STATES), "attempts": 1}
            for message in message_ids for record in records]


def load_gatherings(engine: sa.Engine, office_code: str, events: int, registrations: int,
                    bulk_messages: int) -> dict[str, int]:
    """Events with their registrations and guests, and bulk messages with their log."""
    meta = sa.MetaData()
    meta.reflect(engine, only=["events", "event_guests", "event_invitations", "announcements",
                               "bulk_messages", "message_recipients"])
    t, rng, now = meta.tables, random.Random(20), datetime.now(UTC)
    with engine.begin() as conn:
        office = conn.scalar(sa.text("SELECT id FROM offices WHERE code = :c"),
                             {"c": office_code})
        records = list(conn.scalars(sa.text(
            "SELECT id FROM alumni_records WHERE office_id = :o ORDER BY id"), {"o": office}))
        conn.execute(t["event_guests"].insert(), [
            {"office_id": office, "name": f"Guest {n}", "organization": "", "position": "",
             "email": f"guest{n}@bench.example", "phone": "", "language": "ru",
             "created_at": _stamp(now), "updated_at": _stamp(now)} for n in range(50)])
        guests = list(conn.scalars(sa.text("SELECT id FROM event_guests WHERE email LIKE "
                                           "'%@bench.example' ORDER BY id")))
        conn.execute(t["events"].insert(), _event_rows(rng, office, events, now))
        made = conn.execute(sa.text("SELECT id, starts_at, state FROM events WHERE title_en "
                                    "LIKE 'Bench event %' ORDER BY id")).all()
        made = [(i, datetime.fromisoformat(s[:19]) if isinstance(s, str) else s, state)
                for i, s, state in made]
        places = _registrations(rng, made, records, guests, registrations)
        figures_data._insert(conn, t["event_invitations"], places)
        conn.execute(sa.text(
            "UPDATE events SET registered = (SELECT count(*) FROM event_invitations i WHERE "
            "i.event_id = events.id AND i.answer = 'yes') WHERE title_en LIKE 'Bench event %'"))
        conn.execute(t["bulk_messages"].insert(), [
            {"kind": "announcements", "office_id": office, "subject_en": f"Bench {n}",
             "subject_ru": "", "body_en": "", "body_ru": "", "reply_to": "",
             "created_at": _stamp(now - timedelta(days=35 * n))} for n in range(bulk_messages)])
        messages = list(conn.scalars(sa.text("SELECT id FROM bulk_messages WHERE subject_en "
                                             "LIKE 'Bench %' ORDER BY id")))
        log = _recipient_rows(rng, messages, records)
        figures_data._insert(conn, t["message_recipients"], log)
    return {"events": events, "registrations": len(places), "guests": len(guests),
            "bulk messages": bulk_messages, "recipient rows": len(log)}


def cases(ids: dict, office_id: int) -> list[tuple[str, str, float]]:
    """(label, path, target in seconds) of every case."""
    base = f"/reports/offices/{office_id}"
    year, region, sector = ids["year"], ids["region"], ids["sector"]
    page = TARGET_PAGE_MS / 1000
    filters = [("figures unfiltered", {}),
               (f"figures period FY{year - 2}-{year}", {"fy_from": year - 2, "fy_to": year}),
               (f"figures sector={sector.name_en}", {"sector": sector.id}),
               (f"figures region={region.name_en}", {"region": region.id}),
               ("figures program_type=issue_based", {"program_type": "issue_based"}),
               ("figures all four filters", {"fy_from": year - 2, "fy_to": year,
                                             "sector": sector.id, "region": region.id,
                                             "program_type": "issue_based"})]
    result = [("staff dashboard (work list)", "/dashboard", page)]
    result += [(label, f"{base}/figures" + (f"?{urlencode(a)}" if a else ""), page)
               for label, a in filters]
    result += [("needs page", f"{base}/needs", page),
               (f"yearly workbook FY{year}", f"{base}/yearly.xlsx?fy={year}",
                TARGET_WORKBOOK_S),
               (f"fact sheet FY{year} (PDF)", f"{base}/fact-sheet.pdf?fy={year}&lang=ru",
                TARGET_WORKBOOK_S)]
    return result


def admin_cases(ids: dict) -> list[tuple[str, str, float]]:
    """The administrator's page with every office's figures and the offices side by side."""
    year = ids["year"]
    period = urlencode({"fy_from": year - 2, "fy_to": year})
    return [("all offices (administrator)", "/reports/figures", TARGET_PAGE_MS / 1000),
            (f"all offices period FY{year - 2}-{year}", f"/reports/figures?{period}",
             TARGET_PAGE_MS / 1000)]


def admin_client(app):
    """A test client with a server-side session for the demo administrator (as the tests do:
    the second factor is not what is measured)."""
    from alumni_app.accounts.models import User
    from alumni_app.auth.sessions import start_session
    from alumni_app.extensions import db

    with app.test_request_context():
        admin = db.session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))
        if admin is None:
            raise tp.BenchError(f"no demo administrator {ADMIN_EMAIL}")
        token = start_session(admin)
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def time_case(client, log, label: str, path: str, requests: int, warmups: int):
    result = dirbench.CaseResult(label, path)
    for number in range(warmups + requests):
        log.statements.clear()
        cpu, start = time.process_time(), time.perf_counter()
        reply = client.get(path)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if reply.status_code != 200:
            raise tp.BenchError(f"GET {path} answered {reply.status_code}: "
                                f"{reply.get_data(as_text=True)[:300]}")
        if number >= warmups:
            result.times.append(elapsed)
            result.sql_times.append(sum(s.seconds for s in log.statements))
            result.cpu_times.append(cpu)
    result.statements = list(log.statements)
    result.found = f"{len(reply.data) // 1024} KiB"
    return result


def server_times(database_url: str, ids: dict, args) -> list:
    from alumni_app.extensions import db

    app = dirbench.make_app(database_url, secrets.token_hex(32))
    with app.app_context():
        engine = db.engine
        office_id = db.session.scalar(sa.text("SELECT id FROM offices WHERE code = :c"),
                                      {"c": OFFICE})
    results = []
    try:
        officer, admin = dirbench.login_test_client(app), admin_client(app)
        log = dirbench.QueryLog(engine)
        try:
            for client, (label, path, target) in (
                    [(officer, case) for case in cases(ids, office_id)]
                    + [(admin, case) for case in admin_cases(ids)]):
                heavy = target > 1
                result = time_case(client, log, label, path,
                                   max(1, args.requests // 5) if heavy else args.requests,
                                   0 if heavy else args.warmups)
                result.target = target
                results.append(result)
                print_case(result)
        finally:
            log.remove()
        slowest = max((r for r in results if r.target < 1), key=lambda r: r.ms(95))
        print_slowest_statements(slowest)
        return results
    finally:
        engine.dispose()


def print_case(r) -> None:
    target = f"{r.target * 1000:.0f} ms" if r.target < 1 else f"{r.target:.0f} s"
    verdict = "OK" if r.ms(95) <= r.target * 1000 else "OVER TARGET"
    print(f"  {r.label:<40} p50 {r.ms(50):8.1f} ms  p95 {r.ms(95):8.1f} ms  sql p50 "
          f"{r.ms(50, r.sql_times):7.1f} ms  {len(r.statements):3d} queries  {r.found:>8}  "
          f"(target {target}) {verdict}", flush=True)


def print_slowest_statements(result, shown: int = 6) -> None:
    print(f"\n  slowest statements of {result.label} (last request):")
    for s in sorted(result.statements, key=lambda s: -s.seconds)[:shown]:
        print(f"    {1000 * s.seconds:7.1f} ms  {dirbench._one_line(s.sql, 120, True)}")


def bench_database(kind: str, database_url: str, workdir: Path, args) -> list:
    print(f"\n== database: {kind} ==", flush=True)
    env = tp.app_env(database_url, workdir, secrets.token_hex(32))
    if not args.skip_load:
        load(env, database_url, args)
    ids = dirbench.analyze_and_describe(database_url)
    print(f"\nserver time, in-process, {args.requests} requests per page case after "
          f"{args.warmups} warm-ups ({max(1, args.requests // 5)} for the downloads)",
          flush=True)
    return server_times(database_url, ids, args)


def postgres_database(stack, base_url: str, keep: str | None) -> tuple[str, bool]:
    """(URL, whether it is loaded already): a throwaway database, or with --postgres-keep the
    named one, created and loaded the first time and kept (dropped by hand when done)."""
    if not keep:
        return stack.enter_context(tp.throwaway_postgres(base_url, prefix="bench_fig")), False
    url = sa.engine.make_url(base_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": keep})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{keep}"'))
    finally:
        admin.dispose()
    return url.set(database=keep).render_as_string(hide_password=False), bool(exists)


def run(args) -> None:
    postgres_url = os.environ.get("DATABASE_URL", "")
    postgres_url = postgres_url if postgres_url.startswith("postgresql") else None
    print(f"alumni_app figures benchmark: {args.records:,} records, {args.plans:,} plans, "
          f"{args.activities:,} activities, {args.applications:,} applications (office "
          f"{OFFICE}); load avg {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}", flush=True)
    started = time.monotonic()
    summary = []
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="alumni-fig-")))
        dirbench.set_app_environment(workdir)
        path = Path(args.sqlite_path).resolve() if args.sqlite_path else workdir / "fig.db"
        if not args.postgres_only:
            summary.append(("sqlite", bench_database("sqlite", f"sqlite:///{path}", workdir,
                                                     args)))
        if postgres_url:
            url, args.skip_load = postgres_database(stack, postgres_url, args.postgres_keep)
            summary.append(("postgresql", bench_database("postgresql", url, workdir, args)))
    print("\nsummary")
    for kind, results in summary:
        over = [r.label for r in results if r.ms(95) > r.target * 1000]
        worst = max((r for r in results if r.target < 1), key=lambda r: r.ms(95))
        print(f"  {kind}: worst page {worst.label} p95 {worst.ms(95):.0f} ms; "
              + (f"over target: {', '.join(over)}" if over else "every target met"))
    print(f"load avg {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())}; total time "
          f"{time.monotonic() - started:.0f} s", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--plans", type=int, default=50_000)
    parser.add_argument("--activities", type=int, default=50_000)
    parser.add_argument("--applications", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--bulk-messages", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page "
                        "(30: the p95 is not the slowest of a handful)")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--sqlite-path", help="SQLite file to load (kept), or to reuse with "
                        "--skip-load")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--postgres-keep", metavar="NAME", help="load PostgreSQL into the "
                        "database NAME and keep it; a later run reuses it without loading "
                        "(DROP DATABASE it by hand when done)")
    args = parser.parse_args(argv)
    if min(args.records, args.plans, args.applications, args.requests, args.events) < 1:
        parser.error("counts and --requests must be >= 1")
    if args.skip_load and not (args.sqlite_path and Path(args.sqlite_path).is_file()):
        parser.error("--skip-load needs --sqlite-path naming a loaded database file")
    return args


if __name__ == "__main__":
    sys.exit(tp.cli(parse_args, run))
