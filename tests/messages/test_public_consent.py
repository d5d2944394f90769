"""Public news items (success stories) name or show people only with their consent: the author
confirms it each time the item is saved as public, recorded with who and when; without it the
item is refused, and a public item with no confirmation on record stays off the public page."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.messages.models import Announcement
from tests import sample_files as files

STORY = {"title_en": "Clean water in Khujand", "body_en": "Dilnoza Saidova's project.",
         "scope": "office", "is_public": "y"}


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Announcement))


def test_a_public_item_without_the_consent_confirmed_is_refused(login, users, client):
    officer = login(users["officer"])
    page = officer.post("/staff/announcements/new", data=STORY)
    assert page.status_code == 400
    assert "only with their consent: confirm that they agreed" in _text(page)
    assert _count() == 0
    assert "Clean water" not in _text(client.get("/news/public"))


def test_the_confirmation_is_recorded_with_who_and_when(login, users, client):
    officer = login(users["officer"])
    response = officer.post("/staff/announcements/new", data={**STORY, "public_consent": "y"})
    assert response.status_code == 302
    story = db.session.scalar(sa.select(Announcement))
    assert story.public_consent_by_id == users["officer"].id
    assert story.public_consent_at is not None
    detail = _text(officer.get(f"/staff/announcements/{story.id}"))
    assert f"Public: {users['officer'].display_name} confirmed on" in detail
    assert "Clean water in Khujand" in _text(client.get("/news/public"))
    assert client.get(f"/news/public/{story.id}").status_code == 200


def test_saving_it_again_as_public_asks_again_and_a_private_item_needs_nothing(login, users):
    officer = login(users["officer"])
    officer.post("/staff/announcements/new", data={**STORY, "public_consent": "y"})
    story = db.session.scalar(sa.select(Announcement))
    edited = {**STORY, "body_en": "Dilnoza Saidova and Aziz Karimov's project."}
    page = officer.post(f"/staff/announcements/{story.id}/edit", data=edited)
    assert page.status_code == 400 and "confirm that they agreed" in _text(page)
    db.session.expire_all()
    assert db.session.get(Announcement, story.id).body_en == "Dilnoza Saidova's project."
    private = {k: v for k, v in edited.items() if k != "is_public"}
    assert officer.post(f"/staff/announcements/{story.id}/edit",
                        data=private).status_code == 302
    db.session.expire_all()
    assert db.session.get(Announcement, story.id).public_consent_at is None


def test_a_public_item_with_no_confirmation_on_record_is_not_shown(login, users, client):
    officer = login(users["officer"])
    officer.post("/staff/announcements/new", data={
        **STORY, "public_consent": "y",
        "picture": (io.BytesIO(files.image("PNG")), "photo.png")},
        content_type="multipart/form-data")
    story = db.session.scalar(sa.select(Announcement))
    assert client.get(f"/news/{story.id}/picture").status_code == 200
    # As a public item saved before consent was recorded.
    story.public_consent_by_id, story.public_consent_at = None, None
    db.session.commit()
    assert "Clean water" not in _text(client.get("/news/public"))
    assert client.get(f"/news/public/{story.id}").status_code == 404
    assert client.get(f"/news/{story.id}/picture").status_code == 404
    detail = _text(officer.get(f"/staff/announcements/{story.id}"))
    assert "Public, but not on the public page: nobody confirmed" in detail
