"""The outbox: each message is claimed by one sender, marked sent as soon as the mail server
took it, and delivered by a worker of the queue, so no request waits for the mail server."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app, render_template_string

from alumni_app import create_app, jobs, mail
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs.models import Job
from alumni_app.mail import OutboundEmail
from tests import factories
from tests.grants import factories as f
from tests.queue_helpers import running_worker, wait_for


class Killed(BaseException):
    """The worker died (gunicorn's timeout, a restart): nothing after this line runs."""


class SlowSmtp:
    """A mail server on 127.0.0.1 that waits `delay` seconds before it greets each client;
    `connections` counts the clients that came (whether or not they waited it out)."""

    def __init__(self, delay: float) -> None:
        self.delay, self.received, self.connections = delay, [], 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            time.sleep(self.delay)
            conn.sendall(b"220 slow.test ESMTP\r\n")
            data = None
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if data is not None:
                    if line == ".":
                        self.received.append("\n".join(data))
                        data = None
                        conn.sendall(b"250 queued\r\n")
                    else:
                        data.append(line)
                elif line[:4].upper() == "DATA":
                    data = []
                    conn.sendall(b"354 go on\r\n")
                elif line[:4].upper() == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def shared_app(app, tmp_path):
    """The app with a database other threads reach too (a file on SQLite)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    on_sqlite = url.startswith("sqlite")
    if on_sqlite:
        url = f"sqlite:///{tmp_path / 'mail.db'}"
    shared = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url})
    with shared.app_context():
        if on_sqlite:
            db.create_all()
        yield shared
        db.session.remove()
        db.engine.dispose()


def _queue(count: int) -> list[int]:
    with current_app.test_request_context():
        ids = [mail.send_email(f"person{n}@example.org", "test_message", name=f"P{n}").id
               for n in range(count)]
        db.session.commit()
    return ids


@pytest.fixture(autouse=True)
def _test_template(monkeypatch):
    """A plain template for the outbox's own messages."""
    real = mail.render_template

    def render(template, **context):
        if template != "mail/test_message.txt":
            return real(template, **context)
        return render_template_string("Hello {{ name }}\nA message for {{ name }}.", **context)

    monkeypatch.setattr(mail, "render_template", render)


def _rows() -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))


def _expire_claims(minutes: int = 10) -> None:
    db.session.execute(sa.update(OutboundEmail).where(OutboundEmail.claimed_at.is_not(None))
                       .values(claimed_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_a_message_claimed_by_one_sender_is_not_sent_by_another(app, outbox):
    first, second = _queue(2)
    assert mail.claim(first)  # the after-response sender took it, and is still at it
    assert not mail.claim(first)  # a second claim loses
    assert mail.deliver_pending() == (1, 0)  # `flask send-mail` leaves it alone
    assert [m["To"] for m in outbox] == ["person1@example.org"]
    assert mail.deliver_pending() == (0, 0)
    _expire_claims()  # the sender that held it died: its lease ran out
    assert mail.deliver_pending() == (1, 0)
    assert mail.deliver_pending() == (0, 0)
    assert sorted(m["To"] for m in outbox) == ["person0@example.org", "person1@example.org"]
    assert all(row.sent_at is not None for row in _rows())


def test_a_crash_after_sending_a_message_leaves_it_marked_sent(app, outbox, monkeypatch):
    _queue(3)
    handed = []
    real = mail._hand_over

    def dies_at_the_second(message, connection):
        if handed:
            raise Killed
        handed.append(message.id)
        real(message, connection)

    monkeypatch.setattr(mail, "_hand_over", dies_at_the_second)
    with pytest.raises(Killed):
        mail.deliver_pending()
    db.session.rollback()
    monkeypatch.undo()
    first, second, third = _rows()
    assert first.sent_at is not None and first.last_error is None
    assert second.sent_at is None and second.claimed_at is not None  # it may be on its way
    assert third.sent_at is None and third.claimed_at is None
    assert mail.deliver_pending() == (1, 0)  # send-mail: the third only, never the first
    assert [m["To"] for m in outbox] == ["person0@example.org", "person2@example.org"]
    _expire_claims()
    assert mail.deliver_pending() == (1, 0)  # the second, once its lease ran out
    assert [m["To"] for m in outbox][2:] == ["person1@example.org"]
    assert [row.attempts for row in _rows()] == [1, 2, 1]


def test_two_senders_at_once_send_each_message_once(shared_app):
    ids = _queue(30)
    outcomes, barrier = [], threading.Barrier(3)

    def send_mail():
        with shared_app.app_context():
            barrier.wait()
            outcomes.append(mail.deliver_pending())
            db.session.remove()

    threads = [threading.Thread(target=send_mail) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sent = [m["To"] for m in mail.sent_messages()]
    assert len(sent) == len(set(sent)) == len(ids)
    assert sum(s for s, _ in outcomes) == len(ids)
    assert all(row.sent_at is not None and row.attempts == 1 for row in _rows())


@pytest.mark.queue
def test_a_slow_mail_server_does_not_delay_the_response(served_app):
    server = SlowSmtp(delay=2.0)
    served_app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                             MAIL_PORT=server.port, MAIL_TIMEOUT=10)
    office = factories.make_office(code="TJ", name="Tajikistan Office")
    manager = factories.make_user("manager", office, second_factor=True)
    officer = factories.make_user("officer", office)
    applicant = f.eligible_alumnus(office)
    application = f.submitted(f.make_call(office, manager), applicant)
    db.session.commit()
    http = factories.logged_in_client(served_app, officer)
    earlier = {row.id for row in _rows()}  # the submission's, queued outside a request
    try:
        for n in range(2):  # the next request does not wait for the first one's mail either
            response = http.post(f"/staff/grants/applications/{application.id}/comments",
                                 data={"body": f"Please send the quote ({n}).", "shared": "y"})
            assert response.status_code == 302
        # Answered without a word to the mail server (not timed: a loaded machine is slow).
        assert server.connections == 0 and server.received == []
        with running_worker(served_app, workers=2):
            wait_for(lambda: len(server.received) == 2)
        rows = [row for row in _rows() if row.id not in earlier]
        assert [row.recipient for row in rows] == [applicant.email] * 2
        assert len(rows) == 2 and all(row.sent_at is not None for row in rows)
    finally:
        server.close()


@pytest.mark.queue
def test_a_mail_server_that_never_answers_leaves_the_mail_for_the_next_delivery(served_app):
    server = SlowSmtp(delay=60)
    served_app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", QUEUE_RETRIES=1,
                             MAIL_PORT=server.port, MAIL_TIMEOUT=1)
    try:
        [message_id] = _queue(1)
        assert jobs.enqueue(mail.deliver_mail, [message_id])
        assert server.connections == 0  # queued without calling the server
        with running_worker(served_app):
            job = wait_for(lambda: db.session.scalar(
                sa.select(Job).where(Job.kind == "mail.deliver", Job.state == "failed")))
    finally:
        server.close()
    assert job.attempts == 2 and "timed out" in job.error  # tried, then tried once more
    [row] = _rows()
    assert (row.sent_at, row.claimed_at, row.attempts) == (None, None, 2)
    assert "timed out" in row.last_error
    served_app.config["MAIL_BACKEND"] = "memory"
    result = served_app.test_cli_runner().invoke(args=["send-mail"])
    assert "sent 1; 0 message(s) still in the outbox" in result.output
    assert [m["To"] for m in mail.sent_messages()] == ["person0@example.org"]


def test_a_request_that_queues_mail_starts_no_thread_and_leaves_it_to_a_worker(
        app, client, users, outbox, task_queue):
    def threads() -> set:  # the throttle's in-memory counters expire by a Timer: not ours
        return {t for t in threading.enumerate() if not isinstance(t, threading.Timer)}

    before = threads()
    response = client.post("/reset", data={"email": users["alumnus"].email})
    assert response.status_code in (200, 302)
    assert threads() == before  # no sender thread in the web process
    assert outbox == []
    [row] = _rows()
    assert task_queue.pending() == [("deliver_mail", ([row.id],))]
    task_queue.run_all()
    assert [m["To"] for m in outbox] == [users["alumnus"].email]


def test_a_request_that_rolled_back_queues_a_delivery_that_sends_nothing(app, outbox,
                                                                         task_queue):
    with app.test_request_context():
        mail.send_email("nobody@example.org", "test_message", name="N")
        db.session.rollback()  # the change failed: its message was never committed
        mail.queue_delivery(app.response_class())
    assert len(task_queue.pending()) == 1
    task_queue.run_all()
    assert outbox == [] and _rows() == []
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0  # not even a job row
