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

with the slowest statements of the slowest case. Events are not counted yet (they do not
exist). Run it from the project root:

    .venv/bin/python bench/dashboard.py [--records 200000] [--plans 50000]
        [--activities 50000] [--applications 5000] [--requests 10]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/dashboard.py        # SQLite, then a throwaway PostgreSQL database

It prints figures and is not a test: it exits 0 whatever the times, 1 when it cannot measure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import tempfile
import time
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
    finally:
        engine.dispose()
    took = dirbench.flask_command(env, "refresh-figures", timeout=600)
    print(f"  flask refresh-figures (every office's figure cells): {took:.1f} s", flush=True)


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
        client = dirbench.login_test_client(app)
        log = dirbench.QueryLog(engine)
        try:
            for label, path, target in cases(ids, office_id):
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
            url = stack.enter_context(tp.throwaway_postgres(postgres_url, prefix="bench_fig"))
            args.skip_load = False
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
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--sqlite-path", help="SQLite file to load (kept), or to reuse with "
                        "--skip-load")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args(argv)
    if min(args.records, args.plans, args.applications, args.requests) < 1:
        parser.error("counts and --requests must be >= 1")
    if args.skip_load and not (args.sqlite_path and Path(args.sqlite_path).is_file()):
        parser.error("--skip-load needs --sqlite-path naming a loaded database file")
    return args


if __name__ == "__main__":
    sys.exit(tp.cli(parse_args, run))
