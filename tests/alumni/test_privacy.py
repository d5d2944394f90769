"""An alumnus's own profile, privacy and consent, photo, data download and erasure."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from alumni_app.accounts.models import User
from alumni_app.alumni import photos, privacy, services
from alumni_app.alumni.claim_models import ClaimRequest, ErasureRequest
from alumni_app.alumni.models import AlumnusRecord, RecordPosition
from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.training.models import Course, Participation
from tests.factories import PASSWORD, make_record

CONSENT = str(privacy.CONSENT_WORDING)


@pytest.fixture(autouse=True)
def _photos_in_tmp(app, tmp_path):
    """Keep uploaded photos in the test's own folder."""
    app.instance_path = str(tmp_path)


def _course(code="JICA-01", title="Public health management") -> Course:
    course = Course(code=code, title=title, program_type="other")
    db.session.add(course)
    db.session.commit()
    return course


@pytest.fixture
def owner(make_user):
    return make_user(role="alumnus", email="dilnoza@example.org", display_name="Dilnoza")


@pytest.fixture
def mine(office, owner):
    """A claimed record with a course and an earlier post."""
    record = make_record(office, family_name="Rahimova", given_name="Dilnoza", birth_year=1984,
                         email="dilnoza.r@example.org", phone="+992 900 11 22 33",
                         organization="Ministry of Health", position="Specialist")
    services.add_participation(None, record, _course().id, nominating_organization="MoH")
    services.update_record(None, record, {"organization": "Ministry of Finance"})
    record.user_id = owner.id
    db.session.commit()
    return record


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _claimed(office, make_user, **values):
    user = make_user(role="alumnus")
    record = make_record(office, **values)
    record.user_id = user.id
    db.session.commit()
    return user, record


PROTECTED = [
    ("family_name", "Hacked"), ("given_name", "Hacked"), ("family_name_cyr", "Взлом"),
    ("birth_year", "1999"), ("email", "attacker@example.org"), ("is_verified", "y"),
    ("office_id", "999"), ("user_id", "999"), ("visibility", "all"), ("show_phone", "y"),
    ("erased_at", "2020-01-01"), ("name_key", "hacked"),
]


@pytest.mark.parametrize(("field", "value"), PROTECTED)
def test_alumni_change_only_their_profile_fields(login, mine, owner, field, value):
    before = getattr(mine, field)
    response = login(owner).post("/me", data={"organization": "Tax Committee",
                                              "post_change": "corrected", field: value})
    assert response.status_code == 302
    db.session.refresh(mine)
    assert mine.organization == "Tax Committee"
    assert getattr(mine, field) == before


def test_alumni_cannot_change_their_training_history(login, mine, owner):
    other_course = _course("JICA-02", "Road safety")
    me = login(owner)
    me.post("/me", data={"organization": "x", "post_change": "corrected",
                         "course_id": other_course.id,
                         "participations": other_course.id})
    assert me.post(f"/records/{mine.id}/participations",
                   data={"course_id": other_course.id}).status_code == 403
    assert me.get(f"/records/{mine.id}/edit").status_code == 403
    assert _count(Participation) == 1


def test_profile_edit_keeps_the_earlier_post_and_is_audited(login, mine, owner):
    assert login(owner).post("/me", data={"organization": "Tax Committee", "position": "Head",
                                          "post_change": "moved", "moved_on": "2022-02-01"}
                             ).status_code == 302
    db.session.refresh(mine)
    assert ("Ministry of Finance", date(2022, 2, 1)) in [(p.organization, p.ended_on)
                                                         for p in mine.positions]
    assert mine.post_started_on == date(2022, 2, 1)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "record.updated", AuditEvent.actor_id == owner.id)).one()
    assert (event.subject_id, event.office_id) == (mine.id, mine.office_id)


def test_alumni_say_whether_they_moved_or_corrected_their_post(login, mine, owner):
    me = login(owner)
    page = me.get("/me").get_data(as_text=True)
    assert "A new post: the person moved" in page and "A correction of the current entry" in page
    refused = me.post("/me", data={"organization": "Ministry of Finances"})
    assert refused.status_code == 400
    assert "Say whether this is a new post or a correction." in refused.get_data(as_text=True)
    before = len(mine.positions)
    assert me.post("/me", data={"organization": "Ministry of Finances",
                                "post_change": "corrected"}).status_code == 302
    db.session.refresh(mine)
    assert mine.organization == "Ministry of Finances" and len(mine.positions) == before


def test_bad_profile_input_keeps_what_was_typed(login, mine, owner):
    response = login(owner).post("/me", data={"organization": "Typed organization",
                                              "email_alt": "not-an-email"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "name@example.org" in body and "Typed organization" in body
    db.session.refresh(mine)
    assert mine.organization == "Ministry of Finance"


@pytest.mark.parametrize("visibility", ["country", "all"])
def test_being_seen_by_alumni_needs_consent(login, mine, owner, visibility):
    response = login(owner).post("/me/privacy", data={"visibility": visibility})
    assert response.status_code == 400
    assert "tick the consent box" in response.get_data(as_text=True)
    db.session.refresh(mine)
    assert (mine.visibility, mine.consent_at) == ("staff", None)


def test_consent_is_recorded_with_date_and_wording_and_can_be_withdrawn(login, mine, owner):
    me = login(owner)
    assert me.post("/me/privacy", data={"visibility": "country", "show_phone": "y",
                                        "consent": "y"}).status_code == 302
    db.session.refresh(mine)
    assert (mine.visibility, mine.show_phone, mine.show_email) == ("country", True, False)
    assert mine.consent_text == CONSENT and mine.consent_at is not None
    assert 'checked' in me.get("/me/privacy").get_data(as_text=True)
    assert me.post("/me/privacy", data={"visibility": "staff"}).status_code == 302
    db.session.refresh(mine)
    assert (mine.visibility, mine.consent_at, mine.consent_text) == ("staff", None, None)
    consents = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "record.privacy_changed").order_by(AuditEvent.id)).all()
    assert [e.details_dict["consent"] for e in consents] == ["given", "withdrawn"]
    assert consents[0].details_dict["consent_text"] == CONSENT


def _consent_box_ticked(page: str) -> bool:
    box = re.search(r'<input[^>]*name="consent"[^>]*>', page).group(0)
    return " checked" in box


def test_consent_given_in_one_language_counts_in_the_other(login, mine, owner):
    """The box shows the consent on record whatever the language of the page; saving other
    choices keeps the wording and date it was given with."""
    from flask_babel import force_locale, refresh

    with force_locale("ru"):
        russian = str(privacy.CONSENT_WORDING)
    assert russian != CONSENT
    owner.preferred_language = "ru"
    db.session.commit()
    me = login(owner)
    assert me.post("/me/privacy", data={"visibility": "country", "consent": "y"}
                   ).status_code == 302
    db.session.refresh(mine)
    given_at = mine.consent_at
    assert mine.consent_text == russian
    owner.preferred_language = "en"
    db.session.commit()
    refresh()  # the test's app context outlives a request: forget the locale chosen
    page = me.get("/me/privacy").get_data(as_text=True)
    assert "You gave your consent on" in page and _consent_box_ticked(page)
    # Saved as the page comes (the box ticked), with another choice changed.
    assert me.post("/me/privacy", data={"visibility": "country", "show_email": "y",
                                        "consent": "y"}).status_code == 302
    db.session.refresh(mine)
    assert (mine.show_email, mine.consent_text, mine.consent_at) == (True, russian, given_at)
    owner.preferred_language = "ru"
    db.session.commit()
    refresh()
    assert _consent_box_ticked(me.get("/me/privacy").get_data(as_text=True))


def test_consent_to_another_wording_is_asked_again(login, mine, owner):
    """Consent is to the words shown: one given to an earlier wording is not ticked."""
    mine.user_id, mine.visibility = owner.id, "country"
    mine.consent_at, mine.consent_text = utcnow(), "I agree to an older text."
    db.session.commit()
    me = login(owner)
    page = me.get("/me/privacy").get_data(as_text=True)
    assert not _consent_box_ticked(page) and "The wording has changed since" in page
    assert me.post("/me/privacy", data={"visibility": "country", "consent": "y"}
                   ).status_code == 302
    db.session.refresh(mine)
    assert mine.consent_text == CONSENT


VIEWERS = ["same_country", "other_country", "no_record", "officer", "foreign_officer"]
EXPECTED = {
    "staff": {"officer"},
    "country": {"same_country", "officer"},
    "all": {"same_country", "other_country", "no_record", "officer"},
}


@pytest.mark.parametrize("visibility", list(EXPECTED))
def test_who_sees_a_person(login, make_user, office, other_office, users, mine, owner,
                           visibility):
    viewers = {
        "same_country": _claimed(office, make_user, family_name="Neighbour")[0],
        "other_country": _claimed(other_office, make_user, family_name="Abroad")[0],
        "no_record": make_user(role="alumnus"),
        "officer": users["officer"],
        "foreign_officer": make_user(role="officer", office=other_office),
    }
    data = {"visibility": visibility, "consent": "y"}
    assert login(owner).post("/me/privacy", data=data).status_code == 302
    for name, viewer in viewers.items():
        client = login(viewer)
        seen = name in EXPECTED[visibility]
        assert client.get(f"/directory/{mine.id}").status_code == (200 if seen else 404), name
        found = "Rahimova" in client.get("/directory?q=rahimova").get_data(as_text=True)
        assert found is seen, name


def test_contact_details_are_hidden_by_default(login, make_user, mine, owner):
    login(owner).post("/me/privacy", data={"visibility": "all", "consent": "y"})
    page = login(make_user(role="alumnus")).get(f"/directory/{mine.id}").get_data(as_text=True)
    assert "Rahimova" in page
    assert "+992 900 11 22 33" not in page and "dilnoza.r@example.org" not in page
    assert "+992 900 11 22 33" in login(owner).get(f"/directory/{mine.id}").get_data(as_text=True)


def test_json_download_holds_the_persons_data_and_no_secrets(login, mine, owner):
    response = login(owner).get("/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "dilnoza@example.org"
    assert data["record"]["family_name"] == "Rahimova"
    assert data["record"]["phone"] == "+992 900 11 22 33"
    assert data["record"]["participations"][0]["course_title"] == "Public health management"
    assert data["record"]["positions"][0]["organization"] == "Ministry of Health"
    assert "record.updated" in {e["action"] for e in data["events"]}
    text = response.get_data(as_text=True)
    assert "password_hash" not in text and "totp_secret" not in text
    assert owner.password_hash not in text and "$argon2" not in text


def test_data_page_is_readable(login, mine, owner):
    page = login(owner).get("/me/data").get_data(as_text=True)
    for text in ("dilnoza@example.org", "Rahimova", "Public health management",
                 "Ministry of Health", "Record changed", "Only the staff of my office"):
        assert text in page


def test_data_page_speaks_russian_with_dates_and_words_not_codes(login, mine, owner):
    owner.preferred_language = "ru"
    mine.gender = "female"
    db.session.commit()
    login(owner).post("/me/claim")  # nothing: the record is claimed already
    login(owner).post("/me/erasure")
    page = login(owner).get("/me/data").get_data(as_text=True)
    for text in ("Выпускник", "Русский", "Женский", "Только сотрудники моего представительства",
                 "Запись изменена", "ожидает решения представительства"):
        assert text in page, text
    year = str(utcnow().year)
    assert f"{year}-" not in page.split("Recorded events")[0]  # no ISO dates
    assert re.search(rf"{year}\W?г\.", page)  # "4 дек. 2026 г."
    for code in (">pending<", "— pending", ">staff<", ">alumnus<", "record.updated"):
        assert code not in page, code


def test_the_russian_data_page_names_every_event_and_hides_the_operators_login(
        app, login, mine, owner, users):
    from flask_babel import refresh

    from tests.auth.helpers import post_login

    owner.preferred_language = "ru"
    db.session.commit()
    post_login(app.test_client(), owner.email, "not my password at all")  # login.failed
    post_login(app.test_client(), owner.email)  # login.succeeded
    me = login(owner)
    me.post("/me/erasure")
    services.update_record(None, mine, {"phone": "+992 5"}, source={
        "source": "import", "file": "list.xlsx", "via": "command line", "os_user": "opsadmin7"})
    services.remove_participation(users["officer"], mine, mine.participations[0])
    db.session.commit()
    data = privacy.export_data(owner)
    codes = {e["action"] for e in data["events"]}
    assert {"login.failed", "login.succeeded", "erasure.requested", "record.updated",
            "participation.removed"} <= codes
    refresh()  # requests share the test's app context: the anonymous logins cached English
    page = me.get("/me/data").get_data(as_text=True)
    events = page.split("<tbody>")[-1]
    for code in codes:
        assert code not in page, code
    for raw in ("opsadmin7", "os_user", "course_id", "list.xlsx", "command line", "unknown-email",
                "True", "False"):
        assert raw not in events, raw
    for text in ("Вход выполнен", "Неудачный вход", "неверный пароль", "Запрошено удаление данных",
                 "Телефон", "импортированный список", "Курс удалён"):
        assert text in events, text


def test_every_audited_action_has_words(app):
    """A new audit.record action reads "Other recorded event" on the dashboard, the audit log
    and the data page until its feature gives it words (a title and a sentence)."""
    import pathlib

    from alumni_app import audit_words
    from alumni_app.grants.workflow import TRANSITIONS

    root = pathlib.Path(audit_words.__file__).parent
    found, grant_steps = {"sectors.created", "sectors.updated", "regions.created",
                          "regions.updated"}, set()  # named by their table: training.services
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"audit\.record\(\s*(.{0,120}?),\s*(?:actor|subject|email)",
                                text, re.S):
            found |= set(re.findall(r'"([a-z_]+\.[a-z_]+|logout)"', call.group(1)))
        found |= set(re.findall(r'_audit\(\s*"([a-z_]+\.[a-z_]+)"', text))
        found |= set(re.findall(r'"(plan\.[a-z_]+)" if', text))
        for owner, call in re.findall(r'record_event\(\s*([\w.]+),\s*([^,]+),', text):
            machine = owner.rpartition(".")[2]
            grant_steps |= {f"grant.{machine}.{step}" for step in re.findall(r'"([a-z_]+)"', call)}
    assert len(found) > 60 and len(grant_steps) > 12
    for machine, transitions in TRANSITIONS.items():
        grant_steps |= {f"grant.{machine.value}.{action}" for action in transitions}
    missing = {code for code in found | grant_steps if audit_words.wording(code) is None}
    assert missing == set()
    for code in found | grant_steps:
        assert "%(actor)s" in str(audit_words.wording(code).sentence) or code in (
            "login.failed", "login.throttled", "account.register_existing",
            "password.rehashed", "password.reset_requested", "password.reset_requested_unknown",
            "message.unsubscribed")  # a signed link works without logging in: nobody acts


def test_data_download_is_for_alumni_only(login, users, client):
    assert login(users["officer"]).get("/me/data.json").status_code == 403
    assert "/login" in client.get("/me/data.json").headers["Location"]


def test_erasure_anonymises_but_keeps_the_counts(login, users, office, mine, owner, outbox):
    me = login(owner)
    login(owner).post("/me/privacy", data={"visibility": "all", "consent": "y"})
    assert "Ask for erasure" in me.get("/me/erasure").get_data(as_text=True)
    assert _count(ErasureRequest) == 0  # the page alone asks nothing
    assert me.post("/me/erasure").status_code == 302
    assert me.post("/me/erasure").status_code == 409
    erasure = db.session.scalar(sa.select(ErasureRequest))

    officer = login(users["officer"])
    assert "Rahimova" in officer.get("/records/claims/erasures").get_data(as_text=True)
    assert "cannot be undone" in officer.get(f"/records/claims/erasures/{erasure.id}").get_data(
        as_text=True)
    assert officer.post(f"/records/claims/erasures/{erasure.id}").status_code == 302

    db.session.expire_all()
    record, user = db.session.get(AlumnusRecord, mine.id), db.session.get(User, owner.id)
    assert record.family_name == f"Erased person #{record.id}"
    assert (record.given_name, record.phone, record.email, record.organization, record.bio,
            record.name_key, record.birth_year) == ("", "", "", "", "", "", None)
    assert record.erased_at is not None and record.visibility == "staff"
    assert all(p.organization == "" for p in db.session.scalars(sa.select(RecordPosition)))
    assert _count(Participation) == 1 and record.participations[0].course.code == "JICA-01"
    assert not user.is_active and user.email == f"erased-{user.id}@invalid"
    assert user.password_hash is None
    assert "Rahimova" not in officer.get("/directory?q=rahimova").get_data(as_text=True)
    assert "Erased person" in officer.get(f"/directory/{record.id}").get_data(as_text=True)
    stranger = login(users["alumnus"])
    assert stranger.get(f"/directory/{record.id}").status_code == 404
    assert me.get("/me").status_code == 302  # the old session is over
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_type == "AlumnusRecord", AuditEvent.subject_id == record.id)).all()
    assert not any("Ministry" in e.details or "Rahimova" in e.details for e in events)
    assert db.session.scalar(sa.select(ErasureRequest.state)) == "completed"
    assert officer.post(f"/records/claims/erasures/{erasure.id}").status_code == 409


def test_erasure_also_anonymises_the_duplicates_merged_into_the_record(login, users, office,
                                                                       mine, owner):
    older = make_record(office, family_name="Rakhimova", given_name="Dilnoza",
                        email="d.rakhimova@example.org", organization="Ministry of Health")
    oldest = make_record(office, family_name="Рахимова", phone="+992 55 555 55 55")
    services.merge_records(users["officer"], older, oldest)
    services.merge_records(users["officer"], mine, older)
    db.session.commit()
    login(owner).post("/me/erasure")
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert login(users["officer"]).post(
        f"/records/claims/erasures/{erasure.id}").status_code == 302
    db.session.expire_all()
    for record_id in (older.id, oldest.id):
        record = db.session.get(AlumnusRecord, record_id)
        assert record.erased_at is not None
        assert record.family_name == f"Erased person #{record_id}"
        assert (record.email, record.phone, record.organization, record.name_key) == (
            "", "", "", "")
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_type == "AlumnusRecord",
        AuditEvent.subject_id.in_([older.id, oldest.id]))).all()
    assert events and not any("Rakhimova" in e.details or "+992" in e.details for e in events)


def test_erasure_asked_before_a_merge_erases_the_kept_record(login, users, office, mine,
                                                             owner):
    login(owner).post("/me/erasure")
    older = make_record(office, family_name="Rakhimova", given_name="Dilnoza",
                        phone="+992 55 555 55 55")
    services.merge_records(users["officer"], older, mine)  # after the request: mine is merged
    db.session.commit()
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert login(users["officer"]).post(
        f"/records/claims/erasures/{erasure.id}").status_code == 302
    db.session.expire_all()
    for record_id in (older.id, mine.id):
        record = db.session.get(AlumnusRecord, record_id)
        assert record.erased_at is not None and record.family_name.startswith("Erased person")
        assert (record.email, record.phone, record.organization) == ("", "", "")
    assert "Rakhimova" not in login(users["officer"]).get(
        "/directory?q=rakhimova").get_data(as_text=True)


def test_erased_person_cannot_log_in(client, login, users, mine, owner):
    login(owner).post("/me/erasure")
    erasure = db.session.scalar(sa.select(ErasureRequest))
    login(users["officer"]).post(f"/records/claims/erasures/{erasure.id}")
    response = client.post("/login", data={"email": "dilnoza@example.org", "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_of_another_office_cannot_anonymise(login, make_user, other_office, mine, owner,
                                                  method):
    login(owner).post("/me/erasure")
    erasure = db.session.scalar(sa.select(ErasureRequest))
    foreign = login(make_user(role="officer", office=other_office))
    assert getattr(foreign, method)(f"/records/claims/erasures/{erasure.id}").status_code == 404
    assert "Rahimova" not in foreign.get("/records/claims/erasures").get_data(as_text=True)
    db.session.refresh(mine)
    assert mine.erased_at is None and mine.family_name == "Rahimova"


def _picture(fmt: str = "PNG", size=(1200, 800)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def _upload(client, data: bytes, name: str = "me.png"):
    return client.post("/me/photo", data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_photo_is_checked_reencoded_and_shown_only_to_those_who_may_see(
        login, make_user, mine, owner):
    me = login(owner)
    assert _upload(me, _picture()).status_code == 302
    db.session.refresh(mine)
    response = me.get(f"/me/photos/{mine.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]  # once
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "JPEG" and max(image.size) == 512
    assert login(make_user(role="alumnus")).get(f"/me/photos/{mine.id}").status_code == 404
    first = mine.photo_name
    assert _upload(me, _picture("JPEG")).status_code == 302
    db.session.refresh(mine)
    assert mine.photo_name != first and photos.photo_path(first).exists() is False


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00" + b"\x00" * 200, "photo.png", "not a picture we can read"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "photo.jpg", "not a picture"),
    (_picture("GIF"), "photo.png", "JPEG or PNG"),
    (_picture("PNG")[:100], "photo.png", "not a picture"),
    (b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "big.jpg", "larger than 5 MB"),
])
def test_bad_photos_are_refused(login, mine, owner, data, name, message):
    response = _upload(login(owner), data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(mine)
    assert mine.photo_name is None


def test_photo_removal_asks_first(login, mine, owner):
    me = login(owner)
    _upload(me, _picture())
    db.session.refresh(mine)
    path = photos.photo_path(mine.photo_name)
    assert "Remove your photo?" in me.get("/me/photo/remove").get_data(as_text=True)
    assert path.exists()
    assert me.post("/me/photo/remove").status_code == 302
    db.session.refresh(mine)
    assert mine.photo_name is None and not path.exists()


def test_erasure_without_a_record_goes_to_the_office_asked_to_match(login, users, office,
                                                                     make_user):
    asker = make_user(role="alumnus")
    me = login(asker)
    me.post("/me/claim", data={"office_id": office.id, "given_name": "Karim",
                               "family_name": "Nazarov", "birth_year": "1980", "course": "Roads"})
    assert me.post("/me/erasure").status_code == 302
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert (erasure.office_id, erasure.record_id) == (office.id, None)
    officer = login(users["officer"])
    assert asker.email in officer.get("/records/claims/erasures").get_data(as_text=True)
    assert officer.post(f"/records/claims/erasures/{erasure.id}").status_code == 302
    db.session.expire_all()
    claim = db.session.scalar(sa.select(ClaimRequest))
    assert (claim.state, claim.family_name, claim.birth_year) == ("withdrawn", "", None)
    assert not db.session.get(User, asker.id).is_active
    assert "Nazarov" not in officer.get("/records/claims").get_data(as_text=True)
