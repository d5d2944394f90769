"""The task queue through one worker, on SQLite and on Redis.

For each queue (a SQLite file, and Redis when BENCH_REDIS_URL or redis://127.0.0.1:6379/1
answers), on a fresh SQLite database (or a throwaway PostgreSQL one with DATABASE_URL), it
starts one `flask worker --workers 1 --no-periodic` process and prints:

- no-op tasks per second (a ping that writes when it started), N queued in a burst, from the
  first start to the last;
- one-row mail deliveries per second to a local SMTP sink (aiosmtpd), one task per message;
- the latency from enqueue to start with an idle worker (p50/p95; target p95 < 1 s);
- 5,000 e-mails queued as a bulk send does (a delivery task per 100) until the sink has them
  all (target < 2 minutes).

    .venv/bin/python bench/jobs.py [--pings 2000] [--mails 1000] [--bulk 5000] [--samples 60]
    BENCH_REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/jobs.py

It prints figures; it is not a test. Each run uses its own queue name and removes only its own
Redis keys.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput  # noqa: E402 - the sibling benchmark's throwaway PostgreSQL database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alumni_app import create_app, jobs, mail  # noqa: E402
from alumni_app.extensions import db  # noqa: E402
from alumni_app.jobs.tasks import ping  # noqa: E402
from alumni_app.mail import OutboundEmail  # noqa: E402
from tests.factories import TEST_SETTINGS  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402

DEFAULT_REDIS = "redis://127.0.0.1:6379/1"


class Sink:
    """An SMTP server that accepts everything and counts it."""

    def __init__(self) -> None:
        self.count, self.lock, self.port = 0, threading.Lock(), free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            self.count += 1
        return "250 OK"


def redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        print(f"Redis at {url} does not answer: SQLite only")
        return None
    return url


@contextmanager
def worker(app, sink: Sink):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "QUEUE_"))}
    env.update(APP_ENV="development", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               QUEUE_URL=app.config["QUEUE_URL"], QUEUE_NAME=app.config["QUEUE_NAME"],
               MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port))
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "alumni_app", "worker", "--workers", "1",
         "--no-periodic"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)


def wait_until(condition, timeout: float = 600, step: float = 0.02) -> float:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out: is the worker running?")
        time.sleep(step)
    return time.monotonic()


def pings_done() -> list[tuple[float, float]]:
    return [jobs.huey.serializer.deserialize(v) for k, v in
            jobs.huey.storage.result_items().items() if str(k).startswith("ping:")]


def noop_rate(count: int) -> float:
    """Tasks started per second while a burst waits in the queue (first start to last)."""
    jobs.huey.storage.flush_results()
    for _ in range(count):
        jobs.enqueue(ping, uuid.uuid4().hex, time.time())
    wait_until(lambda: jobs.huey.storage.result_store_size() >= count, step=0.05)
    starts = [started for _, started in pings_done()]
    return (count - 1) / (max(starts) - min(starts))


def idle_latency(samples: int) -> list[float]:
    jobs.huey.storage.flush_results()
    rng = random.Random(3)
    latencies = []
    for _ in range(samples):
        time.sleep(rng.uniform(0.8, 1.6))  # the worker is idle and polling at its slowest
        token = uuid.uuid4().hex
        jobs.enqueue(ping, token, time.time())
        wait_until(lambda t=token: jobs.huey.get(f"ping:{t}", peek=True) is not None,
                   step=0.005)
        queued, started = jobs.huey.get(f"ping:{token}")
        latencies.append(started - queued)
    return latencies


def queue_mail(count: int) -> list[int]:
    rows = [{"recipient": f"person{n}@example.org", "subject": f"Message {n}",
             "body": "Hello,\n\nThis is a test message.\n"} for n in range(count)]
    db.session.execute(sa.insert(OutboundEmail), rows)
    db.session.commit()
    return list(db.session.scalars(sa.select(OutboundEmail.id).where(
        OutboundEmail.sent_at.is_(None)).order_by(OutboundEmail.id)))


def mail_rate(sink: Sink, count: int, per_task: int) -> float:
    ids = queue_mail(count)
    before = sink.count
    started = time.monotonic()
    for start in range(0, len(ids), per_task):
        jobs.enqueue(mail.deliver_mail, ids[start:start + per_task])
    finished = wait_until(lambda: sink.count - before >= count, step=0.05)
    return finished - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(label: str, database_url: str, queue_url: str, args, sink: Sink) -> None:
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url,
                      "QUEUE_IMMEDIATE": False, "QUEUE_URL": queue_url,
                      "QUEUE_NAME": f"bench_{uuid.uuid4().hex[:10]}"})
    with app.app_context():
        db.create_all()
        try:
            with worker(app, sink):
                wait_until(lambda: jobs.queue_length() == 0)
                rate = noop_rate(args.pings)
                print(f"{label}: no-op tasks, one worker: {rate:,.0f} tasks/s ({args.pings})")
                seconds = mail_rate(sink, args.mails, per_task=1)
                print(f"{label}: one-row mail deliveries: {args.mails / seconds:,.0f} tasks/s "
                      f"({args.mails} in {seconds:.1f} s)")
                latencies = idle_latency(args.samples)
                print(f"{label}: enqueue to start, idle worker: p50 "
                      f"{percentile(latencies, 0.5) * 1000:.0f} ms, p95 "
                      f"{percentile(latencies, 0.95) * 1000:.0f} ms (target p95 < 1 s; "
                      f"{args.samples} samples)")
                seconds = mail_rate(sink, args.bulk, per_task=100)
                verdict = "met" if seconds < 120 else "MISSED"
                print(f"{label}: {args.bulk:,} e-mails (a task per 100): {seconds:.1f} s "
                      f"(target < 120 s: {verdict})")
        finally:
            jobs.huey.flush()
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pings", type=int, default=2000)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--bulk", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    sink = Sink()
    sink.controller.start()
    queues = [("SQLite queue", None), ("Redis queue", redis_url())]
    pg_url = os.environ.get("DATABASE_URL", "")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, queue_url in queues:
                if label.startswith("Redis") and queue_url is None:
                    continue
                queue_url = queue_url or f"sqlite:///{tmp}/queue.db"
                run(f"{label}, SQLite database", f"sqlite:///{tmp}/{uuid.uuid4().hex}.db",
                    queue_url, args, sink)
                if pg_url.startswith("postgresql"):
                    with throughput.throwaway_postgres(pg_url, "bench_jobs") as url:
                        run(f"{label}, PostgreSQL database", url, queue_url, args, sink)
    finally:
        sink.controller.stop()


if __name__ == "__main__":
    main()
