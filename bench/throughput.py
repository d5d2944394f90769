"""Throughput of the alumni app under gunicorn, next to a bare Flask hello-world.

The app is served by gunicorn with 2 sync workers on a fresh SQLite database (migrated and
seeded with the demo data in a temporary directory); bench/hello_app.py is served with the same
gunicorn settings on another port. This process loads both over 127.0.0.1 with a small
closed-loop generator (one thread and one connection per simulated client), in alternating
rounds of hello-world / GET /login (anonymous) / GET /dashboard and GET /grants (logged in as
the demo alumnus), and prints requests/s, p50 and p95 latency per target and the ratio to
hello-world.

Run it from the project root (about 1 minute per database with the defaults):

    .venv/bin/python bench/throughput.py [--seconds N] [--rounds N] [--connections N]

When DATABASE_URL points at a PostgreSQL server, the same measurements also run against a
throwaway database created on that server (CREATE DATABASE bench_<random>, dropped at the end):

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/throughput.py

It prints figures and is not a test: it exits 0 whatever the ratios, 1 when it cannot measure.
The gunicorn processes are stopped and the temporary files removed on every exit, Ctrl-C too.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
WORKERS = 2
READY_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
DEMO_EMAIL = "alumnus@example.org"
DEMO_PASSWORD = "silk-road-demo-2026"  # noqa: S105 - the published demo password
HELLO = "hello world"
# Minimum ratio of each target's requests/s to hello-world's.
TARGETS = {"login page": 0.30, "dashboard": 0.15}
# Measured too, without a target of their own: later features' pages (path, name).
MORE_PAGES = [("/grants", "mini-grants (alumnus)")]
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*?value="([^"]*)"')


class BenchError(Exception):
    """Something stops the measurement (a server that does not start, a failed login ...)."""


# --- HTTP client --------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    body: bytes


class Client:
    """One HTTP/1.1 connection (kept alive when the server allows it) with its own cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request opens a new connection
            raise
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        return Reply(response.status, response.getheader("Location", ""), data)

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if not value or "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def close(self) -> None:
        self.conn.close()


def log_in(client: Client) -> None:
    """Log the demo alumnus in on `client` and check that the dashboard greets them."""
    page = client.request("GET", "/login")
    match = CSRF_INPUT.search(page.body.decode("utf-8", "replace"))
    if page.status != 200 or not match:
        raise BenchError(f"GET /login answered {page.status} without a csrf_token input")
    form = {"csrf_token": match.group(1), "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    reply = client.request("POST", "/login", form)
    if reply.status != 302 or urlsplit(reply.location).path != "/dashboard":
        raise BenchError(
            f"POST /login answered {reply.status} (Location {reply.location!r}), "
            f"expected 302 to /dashboard; body starts: {reply.body[:300]!r}"
        )
    if "alumni_session" not in client.cookies:
        raise BenchError("POST /login set no alumni_session cookie")
    reply = client.request("GET", "/dashboard")
    if reply.status != 200 or b"Welcome" not in reply.body:
        raise BenchError(
            f"GET /dashboard after login answered {reply.status} without 'Welcome'; "
            f"body starts: {reply.body[:300]!r}"
        )


# --- Load generator -----------------------------------------------------------------------


@dataclass
class Server:
    port: int
    pgid: int  # gunicorn's master and workers form this process group


@dataclass
class Target:
    name: str
    path: str
    server: Server
    clients: list[Client]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    server_cpu: float = 0.0  # CPU seconds used by the server's processes meanwhile

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms(self) -> float:
        return 1000 * self.server_cpu / len(self.latencies) if self.latencies else math.nan

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.seconds += other.seconds
        self.errors += other.errors
        self.server_cpu += other.server_cpu

    def percentile_ms(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _closed_loop(client: Client, path: str, deadline: float, tally: Tally) -> None:
    """Send GET `path` again as soon as the previous answer is read, until `deadline`."""
    while (start := time.perf_counter()) < deadline:
        try:
            reply = client.request("GET", path)
        except (OSError, http.client.HTTPException):
            tally.errors += 1
            time.sleep(0.01)
            continue
        if reply.status == 200:
            tally.latencies.append(time.perf_counter() - start)
        else:
            tally.errors += 1


def load(target: Target, seconds: float) -> Tally:
    """Run every client of `target` concurrently for `seconds`; return what they measured."""
    tallies = [Tally() for _ in target.clients]
    cpu_before = group_cpu_seconds(target.server.pgid)
    start = time.perf_counter()
    threads = [
        threading.Thread(
            target=_closed_loop, args=(client, target.path, start + seconds, tally), daemon=True
        )
        for client, tally in zip(target.clients, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally(seconds=time.perf_counter() - start)
    for tally in tallies:
        total.add(tally)
    total.server_cpu = group_cpu_seconds(target.server.pgid) - cpu_before
    return total


def measure(targets: list[Target], rounds: int, seconds: float, warmup: float) -> dict[str, Tally]:
    """Warm every target up, then load them in turn, `rounds` times, rotating the order."""
    for target in targets:
        load(target, warmup)
    totals = {target.name: Tally() for target in targets}
    for number in range(rounds):
        shift = number % len(targets)
        rates = {}
        for target in targets[shift:] + targets[:shift]:
            result = load(target, seconds)
            rates[target.name] = result.rate
            totals[target.name].add(result)
        summary = " | ".join(f"{t.name} {rates[t.name]:.0f}" for t in targets)
        print(f"  round {number + 1}/{rounds} (req/s): {summary}", flush=True)
    return totals


def report(totals: dict[str, Tally]) -> int:
    """Print the figures and verdicts; return how many requests failed."""
    baseline = totals[HELLO].rate
    for name, tally in totals.items():
        line = (
            f"  {name}: {tally.rate:.0f} req/s p50 {tally.percentile_ms(50):.1f} ms"
            f" p95 {tally.percentile_ms(95):.1f} ms"
        )
        if name != HELLO:
            ratio = tally.rate / baseline if baseline else math.nan
            line += f" ratio {ratio:.2f}"
        if name in TARGETS:
            verdict = "OK" if ratio >= TARGETS[name] else "BELOW TARGET"
            line += f" (target >= {TARGETS[name]:.2f}) {verdict}"
        if tally.errors:
            line += f" [{tally.errors} failed requests not counted]"
        print(line, flush=True)
    costs = " | ".join(f"{name} {t.server_cpu_ms:.2f} ms" for name, t in totals.items())
    print(f"  gunicorn cpu per request: {costs}", flush=True)
    return sum(tally.errors for tally in totals.values())


# --- Servers and databases ----------------------------------------------------------------


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by the live processes of process group `pgid` (Linux /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process has just exited
        if int(fields[2]) == pgid:  # fields from "state": state ppid pgrp ... utime stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_ready(proc: subprocess.Popen, port: int, path: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{_tail(log_path)}")
        client = Client(port)
        try:
            if client.request("GET", path).status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            client.close()
        time.sleep(0.1)
    raise BenchError(f"no 200 from GET {path} within {READY_TIMEOUT:.0f} s:\n{_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn: its master and workers form their own process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # any worker left behind
    proc.wait()


@contextlib.contextmanager
def serve(app_spec: str, cwd: Path, env: dict, log_path: Path, ready_path: str) -> Iterator[Server]:
    """Run `app_spec` under gunicorn (2 sync workers) on a free port until the block ends."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"{HOST}:{port}", app_spec]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(proc, port, ready_path, log_path)
        yield Server(port, proc.pid)
    finally:
        _stop(proc)


def app_env(database_url: str, workdir: Path, secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        SECRET_KEY=secret_key,
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(workdir / "instance"),
        RATELIMIT_STORAGE_URI="memory://",
        MAIL_BACKEND="memory",
        LOGIN_LIMIT_PER_ACCOUNT="100000 per minute",
        LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and seed the database named by env["DATABASE_URL"]."""
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "alumni_app", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode:
            output = (done.stdout + done.stderr)[-3000:]
            raise BenchError(f"flask {' '.join(command)} failed:\n{output}")


@contextlib.contextmanager
def throwaway_postgres(base_url: str, prefix: str = "bench") -> Iterator[str]:
    """Create <prefix>_<random> on the server of `base_url`, yield its URL, drop it afterwards."""
    url = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(5)}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.SQLAlchemyError as exc:
            raise BenchError(f"cannot create database {name}: {exc}") from exc
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- Runs ---------------------------------------------------------------------------------


def bench_database(kind: str, database_url: str, hello: Server, args, workdir: Path) -> None:
    """Prepare the database, serve the app on it and measure it against hello-world."""
    url = make_url(database_url)
    where = url.database if kind == "sqlite" else f"{url.database} on {url.host}:{url.port}"
    print(f"\n== database: {kind} ({where}) ==", flush=True)
    env = app_env(database_url, workdir, secrets.token_hex(32))
    prepare_database(env)
    log_path = workdir / f"gunicorn-{kind}.log"
    with serve("alumni_app:create_app()", ROOT, env, log_path, "/healthz") as app:
        members = [Client(app.port) for _ in range(args.connections)]
        for client in members:
            log_in(client)
        targets = [
            Target(HELLO, "/", hello, [Client(hello.port) for _ in range(args.connections)]),
            Target("login page", "/login", app, [Client(app.port) for _ in members]),
            Target("dashboard", "/dashboard", app, members),
            *(Target(name, path, app, members) for path, name in MORE_PAGES),
        ]
        try:
            if report(measure(targets, args.rounds, args.seconds, args.warmup)):
                print(f"  some requests failed; end of the gunicorn log:\n{_tail(log_path)}")
        finally:
            for target in targets:
                for client in target.clients:
                    client.close()


def header(args, postgres_url: str | None) -> None:
    databases = "sqlite (fresh file in a temporary directory)"
    if postgres_url:
        url = make_url(postgres_url)
        databases += f", then postgresql (throwaway database on {url.host}:{url.port})"
    per_database = (len(TARGETS) + len(MORE_PAGES) + 1) * (args.warmup
                                                          + args.rounds * args.seconds)
    print("alumni_app throughput benchmark")
    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    python = platform.python_version()
    print(f"cpus        {os.cpu_count()} ({platform.machine()}), python {python}")
    print(f"servers     gunicorn {version('gunicorn')}, {WORKERS} sync workers each, on {HOST}")
    print(f"load        {args.connections} connections per target, closed loop, from this process")
    print(
        f"rounds      {args.rounds} x {args.seconds:g} s per target after {args.warmup:g} s "
        f"warm-up (~{per_database:.0f} s of load per database)"
    )
    print(f"databases   {databases}")
    targets = ", ".join(f"{name} >= {ratio:.2f}" for name, ratio in TARGETS.items())
    print(f"targets     req/s relative to hello-world: {targets}", flush=True)


def run(args) -> None:
    postgres_url = os.environ.get("DATABASE_URL", "")
    postgres_url = postgres_url if postgres_url.startswith("postgresql") else None
    header(args, postgres_url)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="alumni-bench-")))
        hello_log = workdir / "gunicorn-hello.log"
        hello = stack.enter_context(
            serve("hello_app:app", BENCH_DIR, dict(os.environ), hello_log, "/")
        )
        bench_database("sqlite", f"sqlite:///{workdir / 'bench.db'}", hello, args, workdir)
        if postgres_url:
            database_url = stack.enter_context(throwaway_postgres(postgres_url))
            bench_database("postgresql", database_url, hello, args, workdir)
    print(f"\ntotal time {time.monotonic() - started:.0f} s", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one round per target")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per target")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per target, not counted")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1 or args.connections < 1 or args.warmup < 0:
        parser.error("--seconds must be > 0, --rounds and --connections >= 1, --warmup >= 0")
    return args


def _terminate(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # unwinds the with-blocks: servers stopped, files removed


def main(argv: list[str] | None = None) -> int:
    return cli(parse_args, run, argv)


def cli(parse, run_bench, argv: list[str] | None = None) -> int:
    """Parse the arguments and run a benchmark; exit 1 when it cannot measure, 130 on Ctrl-C."""
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        run_bench(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temporary files removed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
