"""Sending survives a lost queue (a restart) and a worker that died; the demo shows the whole
feature to a newcomer."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs import huey
from alumni_app.messages import bulk
from alumni_app.messages.models import Announcement, MessageRecipient
from tests.messages.factories import alumnus_with_record, make_announcement


def test_a_message_whose_queued_task_was_lost_goes_out_on_the_next_sweep(
        app, login, users, office, outbox, task_queue):
    for i in range(3):
        alumnus_with_record(office, email=f"p{i}@example.org")
    announcement = make_announcement(office, users["officer"])
    response = login(users["officer"]).post(
        f"/staff/messages/announcement/{announcement.id}")
    assert response.status_code == 302  # the send button answers at once
    assert outbox == [] and len(task_queue.pending()) == 1
    huey.flush()  # the queue is lost (a restart with an in-memory queue)
    assert bulk.resume_all.call_local() == 1
    task_queue.run_all()
    assert sorted(m["To"] for m in outbox) == ["p0@example.org", "p1@example.org",
                                              "p2@example.org"]
    assert bulk.resume_all.call_local() == 0  # nothing left: nothing queued again


def test_a_claim_of_a_worker_that_died_is_taken_again_after_its_lease_only(
        app, users, office, outbox):
    alumnus_with_record(office, email="p0@example.org")
    announcement = make_announcement(office, users["officer"])
    with app.test_request_context():
        message = bulk.send_announcement(users["officer"], announcement)
        db.session.commit()
    assert len(bulk.claim_batch(message.id)) == 1  # a worker took it, then died
    assert bulk.deliver(message.id) == {"sent": 0, "failed": 0, "bounced": 0}
    lease = timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    db.session.execute(sa.update(MessageRecipient).values(claimed_at=utcnow() - lease))
    db.session.commit()
    assert bulk.deliver(message.id)["sent"] == 1
    assert [m["To"] for m in outbox] == ["p0@example.org"]


def test_the_demo_has_news_and_an_announcement_already_sent(app, login, outbox):
    from alumni_app import demo
    from alumni_app.accounts.models import User

    demo.seed()
    db.session.commit()
    alumnus = db.session.scalar(sa.select(User).where(User.email == "alumnus@example.org"))
    page = login(alumnus).get("/dashboard").get_data(as_text=True)
    assert "Young Leaders 2027: applications open" in page
    sent = {m["To"] for m in outbox}
    assert "alumnus@example.org" in sent
    assert {str(m["Reply-To"]) for m in outbox if m["List-Unsubscribe"]} == {
        "JICA Tajikistan Office <tajikistan.office@example.org>"}
    states = dict(db.session.execute(sa.select(MessageRecipient.state, sa.func.count())
                                     .group_by(MessageRecipient.state)).all())
    assert states["sent"] > 10 and states["no_address"] > 0
    public = app.test_client().get("/news/public").get_data(as_text=True)
    assert "Clean water for schools in Sughd" in public
    assert "Young Leaders 2027" not in public
    unsubscribe = re.search(r"/unsubscribe/[^>]+", next(iter(outbox))["List-Unsubscribe"])
    assert unsubscribe
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 3
