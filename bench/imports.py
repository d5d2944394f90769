"""The web import (upload -> dry-run job -> commit job, through a worker) next to the command line.

Writes a CSV of N generated rows (20,000 by default; the generator of bench/import.py), and on
a fresh database each time (migrated, seeded with the demo data):

  - command line: `flask import-alumni FILE --office TJ` (the dry run), then with `--commit`;
  - web: the demo officer uploads the file through the app (a test client in this process),
    a `flask worker` process runs the dry-run job, the officer confirms, the worker runs the
    import job; timed from the upload to the committed import, polling the jobs table.

Both do the same work (a dry run, then the import); the web path adds the upload, the queue
and the polling (every 0.1 s), the command line the start of a Python process per run (the
worker is started, and its first heartbeat awaited, before the clock starts). On SQLite by
default; with DATABASE_URL naming a PostgreSQL server, on a throwaway database there too.

    .venv/bin/python bench/imports.py [--rows 20000]
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
from pathlib import Path

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
from alumni_app.imports import uploads  # noqa: E402
from alumni_app.jobs.models import WorkerHeartbeat  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OFFICER = "officer.tj@example.org"


def fresh_database(url: str) -> dict:
    env = cli_bench._env(url)
    cli_bench._flask(env, "db", "upgrade")
    cli_bench._flask(env, "seed-demo")
    return env


def command_line(url: str, csv_path: Path) -> tuple[float, float]:
    env = fresh_database(url)
    dry, _, _ = cli_bench._flask(env, "import-alumni", str(csv_path), "--office", "TJ")
    commit, _, _ = cli_bench._flask(env, "import-alumni", str(csv_path), "--office", "TJ",
                                    "--commit")
    return dry, commit


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


def _finished(app, token: str, kind: str) -> None:
    while True:
        with app.app_context():
            job = uploads.find(token).job
            if job.kind == kind and job.state == "done":
                return
            if job.kind == kind and job.state in ("failed", "interrupted"):
                raise SystemExit(f"{kind}: {job.state} {job.error}")
        time.sleep(0.1)


def _worker_ready(app) -> None:
    """Wait for the worker's first heartbeat: its start-up is not the import's time."""
    while True:
        with app.app_context():
            if db.session.scalar(sa.select(sa.func.count()).select_from(WorkerHeartbeat)):
                return
        time.sleep(0.1)


def web(url: str, csv_path: Path, folder: Path) -> tuple[float, float, int]:
    env = fresh_database(url)
    queue = {"QUEUE_URL": f"sqlite:///{folder / 'queue.db'}", "QUEUE_NAME": "bench_imports",
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
        _finished(app, token, "imports.dry_run")
        checked = time.perf_counter()
        client.post(f"/records/import/{token}/commit", data={})
        _finished(app, token, "imports.commit")
        done = time.perf_counter()
        with app.app_context():
            records = db.session.scalar(sa.select(sa.func.count(AlumnusRecord.id)))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    return checked - started, done - checked, records


def measure(label: str, make_url_for, csv_path: Path, rows: int, folder: Path) -> None:
    print(f"== {label}")
    dry, commit = command_line(make_url_for("cli"), csv_path)
    web_dry, web_commit, records = web(make_url_for("web"), csv_path, folder)
    cli_total, web_total = dry + commit, web_dry + web_commit
    print(f"  command line    dry run {dry:6.1f} s  import {commit:6.1f} s  "
          f"total {cli_total:6.1f} s")
    print(f"  web (jobs)      dry run {web_dry:6.1f} s  import {web_commit:6.1f} s  "
          f"total {web_total:6.1f} s  ({records:,} records after)")
    print(f"  web / command line: {web_total / cli_total:.2f} "
          f"({(web_total / cli_total - 1) * 100:+.0f} %) for {rows:,} rows")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    print(f"web vs command-line import: {args.rows:,} rows, {os.cpu_count()} cpus")
    with tempfile.TemporaryDirectory(prefix="alumni-imports-bench-") as name:
        folder = Path(name)
        csv_path = folder / "alumni.csv"
        cli_bench.write_csv(csv_path, args.rows)
        measure("sqlite", lambda which: f"sqlite:///{folder / f'{which}.db'}", csv_path,
                args.rows, folder)
        base = os.environ.get("DATABASE_URL", "")
        if base.startswith("postgresql"):
            with throughput.throwaway_postgres(base, prefix="bench_cli") as cli_url, \
                    throughput.throwaway_postgres(base, prefix="bench_web") as web_url:
                urls = {"cli": cli_url, "web": web_url}
                measure(f"postgresql ({make_url(web_url).database})", urls.__getitem__,
                        csv_path, args.rows, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
