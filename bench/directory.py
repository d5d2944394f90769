"""Directory search and list times of the alumni app on 200,000 synthetic records.

A fresh SQLite database in a temporary directory is migrated and seeded with the demo data, then
loaded with synthetic records for the TJ office (`flask seed-synthetic`, timed) and analysed
(ANALYZE; on PostgreSQL VACUUM ANALYZE, what an operator runs after a bulk load).
Then, logged in as the demo officer of TJ:

1. server time, in-process (Flask test client, no network): p50/p95 of GET /directory for name
   searches in Latin and Cyrillic, a broad prefix, filters by region, sector, program type and
   fiscal year, and pages 1 and 100 of the unfiltered list (target: p95 <= 50 ms), with the SQL
   statements per request and, for each case over target, the plan of its slowest statement;
2. throughput under gunicorn (2 sync workers on 127.0.0.1): a selective name search and the
   unfiltered first page, loaded in alternating rounds from this process (target: the search
   serves at least 0.6 x the requests/s of the unfiltered first page).

Run it from the project root (about 3-4 minutes per database with the defaults):

    .venv/bin/python bench/directory.py [--records N] [--seconds N] [--rounds N]
    .venv/bin/python bench/directory.py --sqlite-path /tmp/dir.db       # keep the loaded file
    .venv/bin/python bench/directory.py --skip-load --sqlite-path /tmp/dir.db   # and reuse it

When DATABASE_URL points at a PostgreSQL server, the same measurements also run against a
throwaway database created on that server (CREATE DATABASE bench_dir_<random>, dropped at the
end):

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/directory.py

It prints figures and is not a test: it exits 0 whatever the times, 1 when it cannot measure.
The gunicorn processes are stopped and the temporary files removed on every exit, Ctrl-C too.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import platform
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput as tp  # noqa: E402 - the sibling benchmark: HTTP client, load generator

ROOT = tp.ROOT
OFFICE = "TJ"
OFFICER_EMAIL = "officer.tj@example.org"
PASSWORD = tp.DEMO_PASSWORD
TARGET_P95_MS = 50.0
TARGET_RATIO = 0.6  # search req/s relative to the unfiltered first page
SEARCH = "search q=Gulomshoeva"
SEARCH_PATH = "/directory?q=Gulomshoeva"
UNFILTERED = "unfiltered page 1"
UNFILTERED_PATH = "/directory"
QUERY_LOG_CASE = "latin q=Gulomshoeva"  # the case whose SQL statements are listed
FOUND = re.compile(r'role="status">[^\d<]*(\d[\d\s\u00a0\u202f,.]*)')  # en and ru
COLUMNS = re.compile(r"(\b\w+\.\w+(?: AS \w+)?, ){3,}\w+\.\w+(?: AS \w+)?")
BenchError = tp.BenchError


# --- Databases ----------------------------------------------------------------------------


def flask_command(env: dict[str, str], *command: str, timeout: float = 120) -> float:
    """Run `flask --app alumni_app COMMAND`; return its wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        [str(tp.VENV_BIN / "flask"), "--app", "alumni_app", *command],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if done.returncode:
        output = (done.stdout + done.stderr)[-3000:]
        raise BenchError(f"flask {' '.join(command)} failed:\n{output}")
    return time.perf_counter() - start


def seed_synthetic(env: dict[str, str], records: int) -> float:
    """Run `flask seed-synthetic`, echoing some of its progress; return its wall time."""
    command = [str(tp.VENV_BIN / "flask"), "--app", "alumni_app", "seed-synthetic",
               "--count", str(records), "--office", OFFICE]
    limit = 120 + records / 100  # seconds; 200,000 records take 1-3 minutes
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    killer = threading.Timer(limit, proc.kill)
    killer.start()
    tail: list[str] = []
    try:
        for line in proc.stdout:
            tail = [*tail[-20:], line.rstrip()]
            match = re.match(r"(\d+) / (\d+) records", line)
            if match and (int(match[1]) % 50_000 == 0 or match[1] == match[2]):
                elapsed = time.perf_counter() - start
                print(f"  seed-synthetic: {line.strip()} after {elapsed:.0f} s "
                      f"({int(match[1]) / elapsed:.0f} records/s)", flush=True)
        proc.wait()
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode:
        raise BenchError(f"seed-synthetic exited with {proc.returncode} (limit {limit:.0f} s):\n"
                         + "\n".join(tail))
    return time.perf_counter() - start


def load_database(env: dict[str, str], records: int) -> None:
    print(f"loading: db upgrade, seed-demo, seed-synthetic --count {records} --office {OFFICE}",
          flush=True)
    upgrade = flask_command(env, "db", "upgrade")
    demo = flask_command(env, "seed-demo")
    synthetic = seed_synthetic(env, records)
    total = upgrade + demo + synthetic
    print(f"  load time {total:.1f} s: db upgrade {upgrade:.1f} s, seed-demo {demo:.1f} s, "
          f"seed-synthetic {synthetic:.1f} s ({records / synthetic:.0f} records/s)", flush=True)


def analyze_and_describe(database_url: str) -> dict[str, object]:
    """Run ANALYZE, print the table sizes and return the ids the filter cases use.

    On PostgreSQL it runs VACUUM ANALYZE, as an operator does after a bulk load: besides the
    statistics, VACUUM sets the visibility map, without which index-only scans (the bounded
    counts, the search-term probes) fetch every heap page anyway.
    """
    engine = sa.create_engine(database_url)
    try:
        start = time.perf_counter()
        command = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(command)
        print(f"  {command} {time.perf_counter() - start:.1f} s", flush=True)
        with engine.connect() as conn:
            print("  " + database_size(conn), flush=True)
            return lookup_ids(conn)
    finally:
        engine.dispose()


def database_size(conn: sa.Connection) -> str:
    counts = {
        table: conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
        for table in ("alumni_records", "alumni_search_terms", "participations", "record_sectors")
    }
    if conn.dialect.name == "postgresql":
        size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
    else:
        size = Path(conn.engine.url.database).stat().st_size
    rows = ", ".join(f"{table} {count:,}" for table, count in counts.items())
    return f"rows: {rows}; size {size / 2**20:.0f} MiB"


def lookup_ids(conn: sa.Connection) -> dict[str, object]:
    office = conn.scalar(sa.text("SELECT id FROM offices WHERE code = :code"), {"code": OFFICE})
    if office is None:
        raise BenchError(f"no office {OFFICE}: was the database seeded (seed-demo)?")
    region = conn.execute(sa.text("SELECT id, name_en FROM regions WHERE office_id = :office "
                                  "ORDER BY id LIMIT 1"), {"office": office}).first()
    sector = conn.execute(sa.text("SELECT id, name_en FROM sectors ORDER BY id LIMIT 1")).first()
    year = conn.scalar(sa.text(
        "SELECT fiscal_year FROM courses WHERE fiscal_year IS NOT NULL GROUP BY fiscal_year "
        "ORDER BY count(*) DESC, fiscal_year DESC LIMIT 1"))
    if region is None or sector is None or year is None:
        raise BenchError("the demo regions, sectors or courses are missing")
    return {"region": region, "sector": sector, "year": year}


def throwaway_postgres(base_url: str):
    """Create bench_dir_<random> on the server of `base_url`, yield its URL, drop it after."""
    return tp.throwaway_postgres(base_url, prefix="bench_dir")


# --- Server time (in-process) -------------------------------------------------------------


def directory_cases(ids: dict[str, object]) -> list[tuple[str, str]]:
    region, sector, year = ids["region"], ids["sector"], ids["year"]
    cases = [
        ("latin q=Gulomshoeva", {"q": "Gulomshoeva"}),
        ("latin q=Dzhalolov", {"q": "Dzhalolov"}),
        ("latin q=Nazarbaev Nurlan", {"q": "Nazarbaev Nurlan"}),
        ("cyrillic q=Гуломшоева", {"q": "Гуломшоева"}),
        ("cyrillic q=Джалолов", {"q": "Джалолов"}),
        ("prefix q=ka", {"q": "ka"}),
        (f"region={region.id} ({region.name_en})", {"region": region.id}),
        (f"sector={sector.id} ({sector.name_en})", {"sector": sector.id}),
        ("program_type=issue_based", {"program_type": "issue_based"}),
        (f"fy={year}", {"fy": year}),
        (UNFILTERED, {}),
        ("unfiltered page=100", {"page": 100}),
    ]
    return [(label, "/directory" + (f"?{urlencode(args)}" if args else ""))
            for label, args in cases]


@dataclass
class Statement:
    sql: str
    parameters: object
    seconds: float


@dataclass
class CaseResult:
    label: str
    path: str
    times: list[float] = field(default_factory=list)
    sql_times: list[float] = field(default_factory=list)  # per request: sum of execute times
    cpu_times: list[float] = field(default_factory=list)  # per request: CPU of this process
    statements: list[Statement] = field(default_factory=list)  # of the last request
    found: str = "?"

    def ms(self, p: float, values: list[float] | None = None) -> float:
        return tp.Tally(latencies=self.times if values is None else values).percentile_ms(p)


class QueryLog:
    """Every statement run on an engine, with the time its cursor.execute() took."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[Statement] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, _statement, _parameters, _context, _many) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, _cursor, statement, parameters, _context, _many) -> None:
        started = conn.info["bench_started"].pop()
        self.statements.append(Statement(statement, parameters, time.perf_counter() - started))

    def remove(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


def make_app(database_url: str, secret_key: str):
    from alumni_app import create_app  # after run() has set the environment

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key})
    app.config["WTF_CSRF_ENABLED"] = False  # the test client posts the login form bare
    logging.getLogger("alumni_app.audit").setLevel(logging.WARNING)  # no "login succeeded"
    return app


def login_test_client(app):
    client = app.test_client()
    reply = client.post("/login", data={"email": OFFICER_EMAIL, "password": PASSWORD})
    if reply.status_code != 302 or "second" in reply.location:
        raise BenchError(f"in-process login as {OFFICER_EMAIL} answered {reply.status_code} "
                         f"(Location {reply.location!r})")
    return client


def time_case(client, log: QueryLog, label: str, path: str, args) -> CaseResult:
    result = CaseResult(label, path)
    for number in range(args.warmups + args.requests):
        log.statements.clear()
        cpu, start = time.process_time(), time.perf_counter()
        reply = client.get(path)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if reply.status_code != 200:
            raise BenchError(f"GET {path} answered {reply.status_code}")
        if number >= args.warmups:
            result.times.append(elapsed)
            result.sql_times.append(sum(s.seconds for s in log.statements))
            result.cpu_times.append(cpu)
    result.statements = list(log.statements)
    match = FOUND.search(reply.get_data(as_text=True))
    if match:
        digits = re.sub(r"\D", "", match[1])
        result.found = f"{int(digits):,}"
    return result


def server_times(database_url: str, ids: dict[str, object], args) -> list[CaseResult]:
    from alumni_app.extensions import db

    app = make_app(database_url, secrets.token_hex(32))
    with app.app_context():
        engine = db.engine
    try:
        client = login_test_client(app)
        log = QueryLog(engine)
        try:
            results = [time_case(client, log, label, path, args)
                       for label, path in directory_cases(ids)]
        finally:
            log.remove()
        print_server_times(results, args)
        print_statements(next(r for r in results if r.label == QUERY_LOG_CASE))
        shapes: dict[tuple, str] = {}
        for result in results:
            if args.explain or result.ms(95) > TARGET_P95_MS:
                explain(engine, result, shapes)
        return results
    finally:
        engine.dispose()


def print_server_times(results: list[CaseResult], args) -> None:
    print(f"\nserver time, in-process (test client), {args.requests} requests per case after "
          f"{args.warmups} warm-ups; target p95 <= {TARGET_P95_MS:.0f} ms", flush=True)
    width = max(len(r.label) for r in results)
    print(f"  {'case':<{width}}  {'p50 ms':>7} {'p95 ms':>7} {'sql p50':>7} {'cpu p50':>7} "
          f"{'queries':>7} {'found':>8}")
    for r in results:
        verdict = "OK" if r.ms(95) <= TARGET_P95_MS else "OVER TARGET"
        print(f"  {r.label:<{width}}  {r.ms(50):7.1f} {r.ms(95):7.1f} "
              f"{r.ms(50, r.sql_times):7.1f} {r.ms(50, r.cpu_times):7.1f} "
              f"{len(r.statements):7d} {r.found:>8}  {verdict}",
              flush=True)
    print("  (sql p50: median per request of the time spent in cursor.execute(); cpu p50: "
          "median CPU time\n  of this process per request, SQLite's work included, PostgreSQL's "
          "not; queries: SQL statements\n  per request, counted with a before_cursor_execute "
          "listener; found: the total shown on the page)")


def _one_line(sql: str, width: int, squeeze_columns: bool = False) -> str:
    text = " ".join(sql.split())
    if squeeze_columns:  # long column lists hide the interesting part of the statement
        text = COLUMNS.sub("<columns>", text)
    return text if len(text) <= width else text[: width - 3] + "..."


def print_statements(result: CaseResult) -> None:
    print(f"\n  SQL statements of one request, {result.label} "
          f"({len(result.statements)} queries):")
    for statement in result.statements:
        print(f"    {1000 * statement.seconds:6.2f} ms  {_one_line(statement.sql, 84)}")


def explain(engine: sa.Engine, result: CaseResult, shapes: dict[tuple, str]) -> None:
    """Print the plan of the slowest statement of the case's last request.

    A plan of the same shape as one already printed (same statement and nodes, other
    parameters) is only named, with its execution time on PostgreSQL.
    """
    slowest = max(result.statements, key=lambda s: s.seconds)
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN ANALYZE " if postgres else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + slowest.sql, slowest.parameters).all()
    if postgres:
        lines = [row[0] for row in rows]
        nodes = [line.split("  (cost=")[0] for line in lines if "(cost=" in line]
    else:  # rows of (id, parent, notused, detail): indent by depth
        depth = {0: -1}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        nodes = lines
    title = (f"\n  plan of the slowest statement of {result.label} "
             f"({1000 * slowest.seconds:.1f} ms)")
    shape = (slowest.sql, *nodes)
    if shape in shapes:
        took = [line for line in lines if line.startswith("Execution Time")]
        print(f"{title}: same statement and plan as {shapes[shape]}"
              + (f"; {took[0]}" if took else ""))
        return
    shapes[shape] = result.label
    print(f"{title}:\n    {_one_line(slowest.sql, 1500, squeeze_columns=True)}")
    for line in lines:
        print(f"    | {line}")


# --- Throughput (gunicorn) ----------------------------------------------------------------


def http_login(client: tp.Client) -> None:
    """Log the demo officer in over HTTP (with the CSRF token) and open the directory."""
    page = client.request("GET", "/login")
    match = tp.CSRF_INPUT.search(page.body.decode("utf-8", "replace"))
    if page.status != 200 or not match:
        raise BenchError(f"GET /login answered {page.status} without a csrf_token input")
    form = {"csrf_token": match.group(1), "email": OFFICER_EMAIL, "password": PASSWORD}
    reply = client.request("POST", "/login", form)
    if reply.status != 302 or urlsplit(reply.location).path.startswith("/login"):
        raise BenchError(f"POST /login answered {reply.status} (Location {reply.location!r}); "
                         f"body starts: {reply.body[:300]!r}")
    reply = client.request("GET", UNFILTERED_PATH)
    if reply.status != 200 or b'role="status"' not in reply.body:
        raise BenchError(f"GET {UNFILTERED_PATH} after login answered {reply.status}")


def throughput(env: dict[str, str], kind: str, workdir: Path, args) -> float:
    """Serve the app under gunicorn, load search and unfiltered list; return the ratio."""
    print(f"\nthroughput under gunicorn ({tp.WORKERS} sync workers), {args.connections} "
          f"connections, {args.rounds} rounds x {args.seconds:g} s per target after "
          f"{args.warmup:g} s warm-up", flush=True)
    log_path = workdir / f"gunicorn-{kind}.log"
    with tp.serve("alumni_app:create_app()", ROOT, env, log_path, "/healthz") as server:
        clients = [tp.Client(server.port) for _ in range(args.connections)]
        try:
            for client in clients:
                http_login(client)
            targets = [tp.Target(SEARCH, SEARCH_PATH, server, clients),
                       tp.Target(UNFILTERED, UNFILTERED_PATH, server, clients)]
            totals = tp.measure(targets, args.rounds, args.seconds, args.warmup)
        finally:
            for client in clients:
                client.close()
    for name, tally in totals.items():
        line = (f"  {name}: {tally.rate:.1f} req/s p50 {tally.percentile_ms(50):.1f} ms "
                f"p95 {tally.percentile_ms(95):.1f} ms, gunicorn cpu "
                f"{tally.server_cpu_ms:.1f} ms/request")
        if tally.errors:
            line += f" [{tally.errors} failed requests not counted]"
        print(line, flush=True)
    base = totals[UNFILTERED].rate
    ratio = totals[SEARCH].rate / base if base else math.nan
    verdict = "OK" if ratio >= TARGET_RATIO else "BELOW TARGET"
    print(f"  ratio search / unfiltered: {ratio:.2f} (target >= {TARGET_RATIO:.2f}) {verdict}",
          flush=True)
    if any(tally.errors for tally in totals.values()):
        print(f"  some requests failed; end of the gunicorn log:\n{tp._tail(log_path)}")
    return ratio


# --- Runs ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    results: list[CaseResult]
    ratio: float


def bench_database(kind: str, database_url: str, load: bool, workdir: Path, args) -> Outcome:
    url = make_url(database_url)
    where = url.database if kind == "sqlite" else f"{url.database} on {url.host}:{url.port}"
    print(f"\n== database: {kind} ({where}) ==", flush=True)
    env = tp.app_env(database_url, workdir, secrets.token_hex(32))
    if load:
        load_database(env, args.records)
    else:
        print("loading skipped (--skip-load): reusing the database as it is", flush=True)
    ids = analyze_and_describe(database_url)
    results = server_times(database_url, ids, args)
    ratio = throughput(env, kind, workdir, args)
    return Outcome(kind, results, ratio)


def summary(outcomes: list[Outcome]) -> None:
    print("\nsummary", flush=True)
    for outcome in outcomes:
        over = [f"{r.label} ({r.ms(95):.0f} ms)" for r in outcome.results
                if r.ms(95) > TARGET_P95_MS]
        worst = max(outcome.results, key=lambda r: r.ms(95))
        times = (f"{len(outcome.results) - len(over)}/{len(outcome.results)} cases p95 <= "
                 f"{TARGET_P95_MS:.0f} ms (worst: {worst.label} {worst.ms(95):.1f} ms)")
        if over:
            times += "; over target: " + ", ".join(over)
        verdict = "OK" if outcome.ratio >= TARGET_RATIO else "BELOW TARGET"
        print(f"  {outcome.kind}: {times}")
        print(f"  {outcome.kind}: search/unfiltered req/s ratio {outcome.ratio:.2f} "
              f"(target >= {TARGET_RATIO:.2f}) {verdict}", flush=True)


def header(args, postgres_url: str | None) -> None:
    databases = f"sqlite {sqlite3.sqlite_version}"
    if postgres_url:
        url = make_url(postgres_url)
        databases += f", then postgresql (throwaway database on {url.host}:{url.port})"
    print("alumni_app directory benchmark")
    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    python = platform.python_version()
    print(f"cpus        {os.cpu_count()} ({platform.machine()}), python {python}, "
          f"sqlalchemy {version('sqlalchemy')}, gunicorn {version('gunicorn')}")
    records = "reused (--skip-load)" if args.skip_load else f"{args.records:,} synthetic"
    print(f"records     {records}, office {OFFICE}, as {OFFICER_EMAIL}")
    print(f"databases   {databases}")
    print("load avg    {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)"
          .format(*os.getloadavg()))
    print(f"targets     server time p95 <= {TARGET_P95_MS:.0f} ms; under gunicorn {SEARCH} "
          f">= {TARGET_RATIO:.1f} x req/s of {UNFILTERED}", flush=True)


def set_app_environment(workdir: Path) -> None:
    """The settings the in-process app reads when config.py is imported (as the CLI gets)."""
    sys.path.insert(0, str(ROOT))  # config.py lives at the project root, outside the package
    os.environ.update({key: value for key, value in tp.app_env("", workdir, "").items()
                       if key not in ("DATABASE_URL", "SECRET_KEY")})
    os.environ["SECRET_KEY"] = secrets.token_hex(32)


def run(args) -> None:
    postgres_url = os.environ.get("DATABASE_URL", "")
    postgres_url = postgres_url if postgres_url.startswith("postgresql") else None
    header(args, postgres_url)
    started = time.monotonic()
    outcomes = []
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="alumni-bench-")))
        set_app_environment(workdir)
        sqlite_path = Path(args.sqlite_path).resolve() if args.sqlite_path else None
        sqlite_path = sqlite_path or workdir / "directory.db"
        outcomes.append(bench_database("sqlite", f"sqlite:///{sqlite_path}",
                                       not args.skip_load, workdir, args))
        if postgres_url:
            database_url = stack.enter_context(throwaway_postgres(postgres_url))
            outcomes.append(bench_database("postgresql", database_url, True, workdir, args))
    summary(outcomes)
    print("load avg    {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"\ntotal time {time.monotonic() - started:.0f} s", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="synthetic records to load")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case")
    parser.add_argument("--warmups", type=int, default=3, help="untimed requests per case")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a gunicorn round")
    parser.add_argument("--rounds", type=int, default=4, help="gunicorn rounds per target")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients")
    parser.add_argument("--warmup", type=float, default=1.0, help="gunicorn warm-up seconds")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of every case, not only of those over target")
    parser.add_argument("--sqlite-path", help="SQLite file to load (kept) or, with --skip-load, "
                        "to reuse; default: a temporary file")
    parser.add_argument("--skip-load", action="store_true",
                        help="reuse the loaded --sqlite-path (PostgreSQL is always loaded)")
    args = parser.parse_args(argv)
    if min(args.records, args.requests, args.rounds, args.connections) < 1 or args.seconds <= 0:
        parser.error("--records, --requests, --rounds, --connections >= 1, --seconds > 0")
    if args.warmups < 0 or args.warmup < 0:
        parser.error("--warmups and --warmup must be >= 0")
    path = Path(args.sqlite_path) if args.sqlite_path else None
    if args.skip_load and not (path and path.is_file()):
        parser.error("--skip-load needs --sqlite-path naming a loaded database file")
    if not args.skip_load and path and path.exists():
        parser.error(f"{path} exists: pass --skip-load to reuse it, or remove it")
    return args


def main(argv: list[str] | None = None) -> int:
    return tp.cli(parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
