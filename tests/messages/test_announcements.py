"""Staff publish announcements to their office, a filtered group, or (administrators) everyone;
alumni read them on their dashboard and news page; the public reads success stories."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.messages.models import Announcement
from tests import factories
from tests import sample_files as files
from tests.messages.factories import alumnus_with_record, make_announcement


@pytest.fixture
def batken(office):
    return factories.make_region(office, name_en="Batken", name_ru="Баткен")


@pytest.fixture
def people(office, other_office, batken):
    """Two alumni of Batken (one reads Russian), one elsewhere in the office, one of another."""
    return {
        "aziz": alumnus_with_record(office, region_id=batken.id, family_name="Karimov")[0],
        "dilnoza": alumnus_with_record(office, language="ru", region_id=batken.id,
                                       family_name="Saidova")[0],
        "bakhtiyor": alumnus_with_record(office, family_name="Umarov")[0],
        "kanat": alumnus_with_record(other_office, family_name="Asanov")[0],
    }


def _form(**values) -> dict:
    data = {"title_en": "Young leaders 2027", "body_en": "Apply by **1 March**.",
            "title_ru": "Молодые лидеры 2027", "body_ru": "Подайте заявку до **1 марта**.",
            "scope": "office"}
    data.update(values)
    return data


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_staff_publish_to_a_filtered_group_and_only_it_reads_the_news(
        login, users, people, batken):
    officer = login(users["officer"])
    response = officer.post("/staff/announcements/new",
                            data=_form(scope="group", region=str(batken.id)))
    assert response.status_code == 302
    announcement = db.session.scalar(sa.select(Announcement))

    aziz = login(people["aziz"]).get("/news")
    assert "Young leaders 2027" in _text(aziz) and "New" in _text(aziz)
    dilnoza = login(people["dilnoza"])
    assert "Молодые лидеры 2027" in _text(dilnoza.get("/news"))
    assert "Молодые лидеры 2027" in _text(dilnoza.get("/dashboard"))
    item = dilnoza.get(f"/news/{announcement.id}")
    assert "<strong>1 марта</strong>" in item.get_data(as_text=True)

    for outsider in ("bakhtiyor", "kanat"):
        client = login(people[outsider])
        assert "Young leaders" not in _text(client.get("/news"))
        assert client.get(f"/news/{announcement.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "announcement.created")) == 1


def test_an_office_announcement_reaches_the_whole_office_and_not_the_other(
        login, users, people):
    login(users["officer"]).post("/staff/announcements/new", data=_form())
    assert "Young leaders 2027" in _text(login(people["bakhtiyor"]).get("/dashboard"))
    assert "Young leaders 2027" not in _text(login(people["kanat"]).get("/news"))


def test_only_administrators_publish_to_everyone(login, users, people, office):
    refused = login(users["officer"]).post("/staff/announcements/new",
                                           data=_form(scope="everyone"))
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    done = login(users["admin"]).post("/staff/announcements/new",
                                      data=_form(scope="everyone", office_id=str(office.id)))
    assert done.status_code == 302
    for person in ("aziz", "kanat"):
        assert "Young leaders 2027" in _text(login(people[person]).get("/news"))


@pytest.mark.parametrize("body", [
    "Read <script>alert(1)</script> this",
    "[Click](javascript:alert(1))",
    "<a href='x' onclick='steal()'>x</a>",
])
def test_scripts_are_refused_with_a_message_and_the_text_kept(login, users, body):
    response = login(users["officer"]).post("/staff/announcements/new",
                                            data=_form(body_en=body))
    assert response.status_code == 400
    assert "Scripts, javascript: links and event handlers are not allowed" in _text(response)
    assert "Young leaders 2027" in response.get_data(as_text=True)  # nothing lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_remote_pictures_in_the_text_are_refused(login, users):
    response = login(users["officer"]).post(
        "/staff/announcements/new", data=_form(body_en="![x](https://tracker.example/p.png)"))
    assert response.status_code == 400
    assert "Upload the picture in the Picture field" in _text(response)


def test_formatted_text_keeps_links_lists_and_headings(login, users, people):
    body = "## Dates\n\n- first\n- *second*\n\n[Form](https://example.org/form)"
    make_announcement(users["officer"].office, users["officer"], body_en=body)
    page = login(people["aziz"]).get(
        f"/news/{db.session.scalar(sa.select(Announcement.id))}").get_data(as_text=True)
    assert "<h3>Dates</h3>" in page
    assert "<li><em>second</em></li>" in page
    assert 'href="https://example.org/form"' in page


def test_a_filter_matching_nobody_is_refused(login, users, people):
    response = login(users["officer"]).post(
        "/staff/announcements/new", data=_form(scope="group", fy="1990"))
    assert response.status_code == 400
    assert "These filters match nobody in the office" in _text(response)


def test_an_attachment_that_is_not_what_it_claims_is_refused(login, users):
    data = _form()
    data["attachment"] = (io.BytesIO(b"MZ\x90\x00 not a pdf at all"), "programme.pdf")
    response = login(users["officer"]).post("/staff/announcements/new", data=data,
                                            content_type="multipart/form-data")
    assert response.status_code == 400
    assert "whatever its name says" in _text(response)


def test_a_picture_and_an_attachment_are_served_to_the_readers(login, users, people):
    data = _form()
    data["attachment"] = (io.BytesIO(files.pdf()), "programme.pdf")
    data["picture"] = (io.BytesIO(files.image("PNG")), "photo.png")
    assert login(users["officer"]).post("/staff/announcements/new", data=data,
                                        content_type="multipart/form-data").status_code == 302
    announcement = db.session.scalar(sa.select(Announcement))
    reader = login(people["aziz"])
    assert reader.get(f"/news/{announcement.id}/attachment").data.startswith(b"%PDF")
    assert reader.get(f"/news/{announcement.id}/picture").status_code == 200
    outsider = login(people["kanat"])
    assert outsider.get(f"/news/{announcement.id}/attachment").status_code == 404


def test_the_public_news_page_shows_only_public_items_to_anyone(client, users, office):
    make_announcement(office, users["officer"], title_en="Clean water in Khujand",
                      is_public=True, public_consent=True)
    private = make_announcement(office, users["officer"], title_en="Internal meeting")
    page = _text(client.get("/news/public"))
    assert "Clean water in Khujand" in page and "Internal meeting" not in page
    assert client.get(f"/news/public/{private.id}").status_code == 404
    assert client.get(f"/news/{private.id}/picture").status_code == 404


def test_withdrawing_asks_first_then_hides_it_from_alumni(login, users, people, office):
    announcement = make_announcement(office, users["officer"])
    officer = login(users["officer"])
    ask = officer.get(f"/staff/announcements/{announcement.id}/withdraw")
    assert ask.status_code == 200 and "Withdraw" in _text(ask)
    assert "Call for young leaders" in _text(login(people["aziz"]).get("/news"))
    assert officer.post(f"/staff/announcements/{announcement.id}/withdraw").status_code == 302
    assert "Call for young leaders" not in _text(login(people["aziz"]).get("/news"))
    again = officer.post(f"/staff/announcements/{announcement.id}/withdraw")
    assert again.status_code == 409 and "withdrawn already" in _text(again)


def test_deleting_asks_first(login, users, office):
    announcement = make_announcement(office, users["officer"])
    officer = login(users["officer"])
    assert "deleted for good" in _text(
        officer.get(f"/staff/announcements/{announcement.id}/delete"))
    assert officer.post(f"/staff/announcements/{announcement.id}/delete").status_code == 302
    assert db.session.get(Announcement, announcement.id) is None


def test_unread_news_are_marked_until_read(login, users, people, office):
    make_announcement(office, users["officer"])
    reader = login(people["aziz"])
    assert "1 unread announcement" in _text(reader.get("/dashboard"))
    assert reader.post("/news/read").status_code == 302
    assert "New" not in _text(reader.get("/news")).replace("News", "")
    assert "unread announcement" not in _text(reader.get("/dashboard"))


def test_expired_and_future_items_are_not_shown(login, users, people, office):
    from datetime import timedelta

    from alumni_app.db import utcnow

    make_announcement(office, users["officer"], title_en="Old news",
                      publish_at=utcnow() - timedelta(days=10),
                      expires_at=utcnow() - timedelta(days=1))
    make_announcement(office, users["officer"], title_en="Next week",
                      publish_at=utcnow() + timedelta(days=7))
    make_announcement(office, users["officer"], title_en="Today")
    page = _text(login(people["aziz"]).get("/news"))
    assert "Today" in page and "Old news" not in page and "Next week" not in page


def test_the_staff_list_searches_and_keeps_to_the_office(login, users, office, other_office,
                                                          make_user):
    make_announcement(office, users["officer"], title_en="Water projects")
    make_announcement(office, users["officer"], title_en="Health seminar")
    make_announcement(other_office, None, title_en="Kyrgyz water news")
    officer = login(users["officer"])
    listed = _text(officer.get("/staff/announcements?q=water"))
    assert "Water projects" in listed
    assert "Health seminar" not in listed and "Kyrgyz water news" not in listed
    outsider = login(make_user(role="officer", office=other_office))
    own = db.session.scalar(sa.select(Announcement.id).where(
        Announcement.title_en == "Water projects"))
    assert outsider.get(f"/staff/announcements/{own}").status_code == 404
    assert outsider.get(f"/staff/announcements/{own}/edit").status_code == 404


def test_editing_keeps_the_text_in_both_languages(login, users, office):
    announcement = make_announcement(office, users["officer"], title_ru="Призыв",
                                     body_ru="Текст")
    officer = login(users["officer"])
    form = officer.get(f"/staff/announcements/{announcement.id}/edit").get_data(as_text=True)
    assert "Призыв" in form
    response = officer.post(f"/staff/announcements/{announcement.id}/edit",
                            data=_form(title_en="Call, changed"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Announcement, announcement.id).title_en == "Call, changed"
