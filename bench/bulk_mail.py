"""Bulk e-mail: 5,000 messages queued and delivered to a local SMTP sink (aiosmtpd).

On a fresh SQLite file, and on a throwaway PostgreSQL database when DATABASE_URL (or
BENCH_POSTGRES_URL) names a server, it creates an office with N alumni records that have an
address, writes an announcement in English and Russian, and prints:

- the time to queue it (what the send button's request does: the recipients' rows, one
  INSERT for all, in one transaction);
- the time to deliver it as the worker's task does (recipients claimed by a batch UPDATE,
  each outcome committed as soon as the server answered), until the sink has them all.

Target: under 120 s for 5,000 on PostgreSQL.

    .venv/bin/python bench/bulk_mail.py [--count 5000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bulk_mail.py

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput  # noqa: E402 - the sibling benchmark's throwaway PostgreSQL database

from alumni_app import create_app  # noqa: E402
from alumni_app.alumni.models import AlumnusRecord  # noqa: E402
from alumni_app.extensions import db  # noqa: E402
from alumni_app.messages import announcements, bulk  # noqa: E402
from alumni_app.messages.announcements import Values  # noqa: E402
from alumni_app.offices.models import Office  # noqa: E402
from tests.factories import TEST_SETTINGS  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402


class Sink:
    def __init__(self) -> None:
        self.count, self.lock, self.port = 0, threading.Lock(), free_port()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 OK"


def run(label: str, database_url: str, count: int, sink: Sink) -> None:
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": sink.port, "MAIL_USE_TLS": False, "MAIL_USERNAME": None,
                      "QUEUE_IMMEDIATE": True})
    with app.app_context():
        db.create_all()
        office = Office(code="TJ", name="Tajikistan Office", country="Tajikistan",
                        time_zone="Asia/Dushanbe", currency="TJS")
        db.session.add(office)
        db.session.flush()
        db.session.execute(sa.insert(AlumnusRecord), [
            {"office_id": office.id, "given_name": "Given", "family_name": f"Family{i}",
             "email": f"alumnus{i}@example.org"} for i in range(count)])
        announcement = announcements.save(None, None, Values(
            title_en="Young leaders 2027", body_en="Apply by **1 March**.",
            title_ru="Молодые лидеры 2027", body_ru="Подайте заявку до **1 марта**.",
            office_id=office.id))
        db.session.commit()
        start = time.perf_counter()
        with app.test_request_context():
            message = bulk.send_announcement(None, announcement, "office@example.org")
            db.session.commit()
        queued = time.perf_counter() - start
        before = sink.count
        start = time.perf_counter()
        counts = bulk.deliver(message.id)
        delivered = time.perf_counter() - start
        assert sink.count - before == count, (sink.count - before, counts)
        print(f"{label}: {count} e-mails queued in {queued:.2f} s, delivered in "
              f"{delivered:.1f} s ({count / delivered:.0f} per second)", flush=True)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{folder}/bench.db", args.count, sink)
        pg_url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
        if pg_url and pg_url.startswith("postgresql"):
            with throughput.throwaway_postgres(pg_url, "bench_bulk") as url:
                run("PostgreSQL", url, args.count, sink)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
