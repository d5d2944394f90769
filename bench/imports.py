"""The web import (upload -> dry-run job -> commit job, through a worker) next to the command line.

Writes a CSV of N generated rows (100,000 by default; the generator of bench/import.py), and on
a fresh database each time (migrated, seeded with the demo data):

  - command line: `flask import-alumni FILE --office TJ` (the dry run), then with `--commit`;
  - web, on a SQLite queue and on Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/1,
    when it answers; a queue name of its own whose keys are removed afterwards): the demo
    officer uploads the file through the app (a test client in this process), a `flask worker`
    process runs the dry-run job, the officer confirms, the worker runs the import job; timed
    from the upload to the committed import, polling the job every 0.1 s as the review page
    reads it (rows done included: how many times the figure moved while the import ran).

Both do the same work (a dry run, then the import); the web path adds the upload, the queue
and the polling, the command line the start of a Python process per run (the worker is
started, and its first heartbeat awaited, before the clock starts). Target: the web import
within 10 % of the command line. On SQLite by default; with DATABASE_URL naming a PostgreSQL
server, on throwaway databases there too.

    .venv/bin/python bench/imports.py [--rows 100000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/postgres .venv/bin/python bench/imports.py

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import throughput  # noqa: E402 - the sibling benchmark's throwaway PostgreSQL database

cli_bench = importlib.import_module("import")  # bench/import.py: the CSV and the flask runner

from alumni_app import create_app  # noqa: E402
from alumni_app.accounts.models import User  # noqa: E402
from alumni_app.alumni.models import AlumnusRecord  # noqa: E402
from alumni_app.auth.sessions import start_session  # noqa: E402
from alumni_app.extensions import db  # noqa: E402
from alumni_app.imports import runs, uploads  # noqa: E402
from alumni_app.jobs import huey  # noqa: E402
from alumni_app.jobs.models import WorkerHeartbeat  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OFFICER = "officer.tj@example.org"
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"
TARGET = 1.10  # the web import within 10 % of the command line


def fresh_database(url: str) -> dict:
    env = cli_bench._env(url)
    cli_bench._flask(env, "db", "upgrade")
    cli_bench._flask(env, "seed-demo")
    return env


def command_line(url: str, csv_path: Path) -> tuple[float, float, float]:
    """The dry run and the import from the command line, and the start of such a command
    (`flask import-alumni --help`: the app built, nothing imported)."""
    env = fresh_database(url)
    start_up, _, _ = cli_bench._flask(env, "import-alumni", "--help")
    dry, _, _ = cli_bench._flask(env, "import-alumni", str(csv_path), "--office", "TJ")
    commit, _, _ = cli_bench._flask(env, "import-alumni", str(csv_path), "--office", "TJ",
                                    "--commit")
    return dry, commit, start_up


def _client(app):
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        with app.test_request_context():
            token = start_session(officer)
            db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = token, True
    return client


def _finished(app, token: str, kind: str) -> set[int]:
    """Wait for the job of `kind` to be done; the rows done the review page would have shown
    while it ran (more than 0 and 1 figure: the progress moved before the end)."""
    shown: set[int] = set()
    while True:
        with app.app_context():
            job = uploads.find(token).job
            if job.kind == kind and job.state == "done":
                return shown
            if job.kind == kind and job.state in ("failed", "interrupted"):
                raise SystemExit(f"{kind}: {job.state} {job.error}")
            if job.kind == kind and runs.state_of(uploads.find(token)) == "running":
                shown.add(runs.rows_done(job))
        time.sleep(0.1)


def _worker_ready(app) -> None:
    """Wait for the worker's first heartbeat: its start-up is not the import's time."""
    while True:
        with app.app_context():
            if db.session.scalar(sa.select(sa.func.count()).select_from(WorkerHeartbeat)):
                return
        time.sleep(0.1)


def redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        print(f"Redis at {url} does not answer: the web import on the SQLite queue only")
        return None
    return url


def web(url: str, csv_path: Path, folder: Path, queue_url: str) -> dict:
    env = fresh_database(url)
    queue = {"QUEUE_URL": queue_url, "QUEUE_NAME": f"bench_imports_{uuid.uuid4().hex[:10]}",
             "IMPORT_FOLDER": str(folder / "uploads"), "QUEUE_POLL_SECONDS": "0.1"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"],
                      "QUEUE_IMMEDIATE": False, "WTF_CSRF_ENABLED": False,
                      "IMPORT_MAX_BYTES": 1 << 30, "MAX_CONTENT_LENGTH": 1 << 30, **queue})
    worker = subprocess.Popen([*cli_bench.FLASK, "worker", "--workers", "1", "--no-periodic"],
                              cwd=ROOT, env={**env, **queue}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        client = _client(app)
        _worker_ready(app)
        data = csv_path.read_bytes()
        started = time.perf_counter()
        reply = client.post("/records/import", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(data), csv_path.name)})
        token = reply.headers["Location"].rstrip("/").split("/")[-1]
        dry_shown = _finished(app, token, "imports.dry_run")
        checked = time.perf_counter()
        client.post(f"/records/import/{token}/commit", data={})
        shown = _finished(app, token, "imports.commit")
        done = time.perf_counter()
        with app.app_context():
            records = db.session.scalar(sa.select(sa.func.count(AlumnusRecord.id)))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        with app.app_context():
            huey.flush()  # this run's queue name only
    return {"dry": checked - started, "commit": done - checked, "records": records,
            "dry_shown": dry_shown, "shown": shown}


def _moves(shown: set[int]) -> str:
    moving = sorted(n for n in shown if n)
    return (f"{len(moving)} figure{'s' if len(moving) != 1 else ''}, up to {max(moving):,}"
            if moving else "none")


def measure(label: str, make_url_for, csv_path: Path, rows: int, folder: Path,
            queues: list[tuple[str, str]]) -> None:
    print(f"== {label}")
    dry, commit, start_up = command_line(make_url_for("cli"), csv_path)
    cli_total = dry + commit
    print(f"  command line        dry run {dry:6.1f} s  import {commit:6.1f} s  "
          f"total {cli_total:6.1f} s  (of which starting the command: {start_up:.1f} s each)")
    for name, queue_url in queues:
        got = web(make_url_for(f"web_{name.lower()}"), csv_path, folder, queue_url)
        web_total = got["dry"] + got["commit"]
        ratio = web_total / cli_total
        print(f"  web, {name + ' queue':14} dry run {got['dry']:6.1f} s  import "
              f"{got['commit']:6.1f} s  total {web_total:6.1f} s  ({got['records']:,} records)")
        net = web_total / max(cli_total - 2 * start_up, 0.001)
        print(f"    web / command line: {ratio:.2f} ({(ratio - 1) * 100:+.0f} %; target "
              f"<= +10 %: {'met' if ratio <= TARGET else 'MISSED'}) for {rows:,} rows; "
              f"{net:.2f} against the command line's work without its two starts")
        print(f"    rows done seen moving before the end: dry run {_moves(got['dry_shown'])}; "
              f"import {_moves(got['shown'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"web vs command-line import: {args.rows:,} rows, {os.cpu_count()} cpus")
    with tempfile.TemporaryDirectory(prefix="alumni-imports-bench-") as name:
        folder = Path(name)
        queues = [("SQLite", f"sqlite:///{folder / 'queue.db'}")]
        if (url := redis_url()) is not None:
            queues.append(("Redis", url))
        csv_path = folder / "alumni.csv"
        cli_bench.write_csv(csv_path, args.rows)
        measure("SQLite database", lambda which: f"sqlite:///{folder / f'{which}.db'}",
                csv_path, args.rows, folder, queues)
        base = os.environ.get("DATABASE_URL", "")
        if base.startswith("postgresql"):
            with ExitStack() as stack:
                def throwaway(which: str) -> str:
                    return stack.enter_context(
                        throughput.throwaway_postgres(base, prefix=f"bench_{which}"))

                measure(f"PostgreSQL database ({make_url(base).host})", throwaway, csv_path,
                        args.rows, folder, queues)
    return 0


if __name__ == "__main__":
    sys.exit(main())
