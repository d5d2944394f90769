"""Claiming a record: by an e-mailed invitation or by a request that staff confirm."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.alumni import claims, services
from alumni_app.alumni.claim_models import ClaimInvitation, ClaimRequest, ClaimState
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit import AuditEvent
from alumni_app.db import utcnow
from alumni_app.extensions import db
from tests.factories import PASSWORD, make_record

LINK = re.compile(r"http://localhost(/me/claim/[A-Za-z0-9_\-]+)")


@pytest.fixture
def record(office):
    return make_record(office, family_name="Rahimova", given_name="Dilnoza",
                       email="dilnoza@example.org", phone="+992 900 11 22 33",
                       organization="Ministry of Health")


def _invite(login, officer, record, outbox) -> str:
    response = login(officer).post(f"/records/claims/invite/{record.id}")
    assert response.status_code == 302
    assert outbox[-1]["To"] == record.email
    return LINK.search(outbox[-1].get_content()).group(1)


def _claim_request(client, office, **values):
    data = {"office_id": office.id, "given_name": "Dilnoza", "family_name": "Rakhimova",
            "birth_year": "1984", "course": "Public health management, 2019", **values}
    return client.post("/me/claim", data=data)


def test_claim_by_invitation_then_edit_hide_phone_and_hide_from_others(
        login, users, office, record, outbox, make_user):
    """The done-when journey, over HTTP."""
    path = _invite(login, users["officer"], record, outbox)
    assert "Сети выпускников KCCP" in outbox[-1]["Subject"]  # Tajikistan's office: Russian
    owner, other = make_user(role="alumnus"), make_user(role="alumnus")
    me, them = login(owner), login(other)

    assert record.display_name in me.get(path).get_data(as_text=True)
    assert me.post(path).headers["Location"] == "/me"
    db.session.refresh(record)
    assert record.user_id == owner.id

    assert me.post("/me", data={"organization": "Tax Committee", "position": "Head of unit",
                                "post_change": "moved", "moved_on": "2023-09-01",
                                "phone": record.phone}).status_code == 302
    assert me.post("/me/privacy", data={"visibility": "all", "show_email": "y",
                                        "consent": "y"}).status_code == 302
    page = them.get(f"/directory/{record.id}").get_data(as_text=True)
    assert "Tax Committee" in page and "dilnoza@example.org" in page
    assert "+992 900 11 22 33" not in page
    assert "Rahimova" in them.get("/directory?q=rakhimova").get_data(as_text=True)

    assert me.post("/me/privacy", data={"visibility": "staff"}).status_code == 302
    assert them.get(f"/directory/{record.id}").status_code == 404
    assert "Rahimova" not in them.get("/directory?q=rakhimova").get_data(as_text=True)
    assert "Tax Committee" in me.get(f"/directory/{record.id}").get_data(as_text=True)
    actions = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.subject_type == "AlumnusRecord", AuditEvent.subject_id == record.id,
        AuditEvent.office_id == record.office_id)).all()
    assert {("claim.invited", users["officer"].id), ("claim.accepted", owner.id),
            ("record.updated", owner.id), ("record.privacy_changed", owner.id)} <= set(actions)


def test_a_visitor_is_asked_to_log_in_and_the_link_is_kept(
        client, login, users, record, outbox, make_user):
    path = _invite(login, users["officer"], record, outbox)
    page = client.get(path).get_data(as_text=True)
    assert f"/login?next={path}" in page and "/register" in page
    assert client.post(path).status_code == 200  # asked to log in, nothing spent
    assert db.session.scalar(sa.select(ClaimInvitation.used_at)) is None
    owner = make_user(role="alumnus")
    response = client.post(f"/login?next={path}", data={
        "email": owner.email, "password": PASSWORD, "next": path})
    assert response.headers["Location"] == path
    assert client.post(path).headers["Location"] == "/me"
    db.session.refresh(record)
    assert record.user_id == owner.id


@pytest.mark.parametrize("when", ["reused", "expired", "unknown", "superseded"])
def test_a_spent_or_dead_link_gives_410(login, users, record, outbox, make_user, when):
    path = _invite(login, users["officer"], record, outbox)
    alumnus = login(make_user(role="alumnus"))
    if when == "reused":
        assert alumnus.post(path).status_code == 302
    elif when == "expired":
        db.session.execute(sa.update(ClaimInvitation).values(expires_at=utcnow()
                                                             - timedelta(minutes=1)))
        db.session.commit()
    elif when == "unknown":
        path = path[:-4] + "AAAA"
    else:
        _invite(login, users["officer"], record, outbox)
    assert alumnus.get(path).status_code == 410
    assert alumnus.post(path).status_code == 410
    assert "no longer valid" in alumnus.get(path).get_data(as_text=True)


def test_an_invitation_sent_before_a_merge_leads_to_the_kept_record(
        login, users, office, record, outbox, make_user):
    path = _invite(login, users["officer"], record, outbox)
    older = make_record(office, family_name="Rakhimova", given_name="Dilnoza")
    services.merge_records(users["officer"], older, record)  # the invited record merged away
    db.session.commit()
    owner = make_user(role="alumnus")
    me = login(owner)
    assert "Rakhimova" in me.get(path).get_data(as_text=True)  # the page names the kept record
    assert me.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, older.id).user_id == owner.id
    assert db.session.get(AlumnusRecord, record.id).user_id is None


def test_invitation_is_refused_for_a_claimed_record_or_one_without_email(
        login, users, office, record, make_user, outbox):
    record.user_id = make_user(role="alumnus").id
    no_email = make_record(office, family_name="Noemail")
    officer = login(users["officer"])
    for target in (record, no_email):
        response = officer.post(f"/records/claims/invite/{target.id}")
        assert response.status_code == 409
    assert outbox == [] and db.session.scalar(sa.select(sa.func.count(ClaimInvitation.id))) == 0


@pytest.mark.parametrize("how", ["second-link-holder", "staff-confirm", "user-has-one"])
def test_a_record_is_claimed_once_and_an_account_claims_one(
        login, users, office, record, outbox, make_user, how):
    first, second = make_user(role="alumnus"), make_user(role="alumnus")
    path = _invite(login, users["officer"], record, outbox)
    assert login(first).post(path).status_code == 302
    if how == "second-link-holder":
        # A link sent earlier to a second address cannot take the record away.
        invitation = ClaimInvitation(record_id=record.id, token_hash=claims.token_hash("t" * 43),
                                     expires_at=utcnow() + timedelta(days=1))
        db.session.add(invitation)
        db.session.commit()
        response = login(second).post("/me/claim/" + "t" * 43)
        assert response.status_code == 409
        assert "already linked" in response.get_data(as_text=True)
    elif how == "staff-confirm":
        assert _claim_request(login(second), office).status_code == 302
        claim = db.session.scalar(sa.select(ClaimRequest))
        response = login(users["officer"]).post(f"/records/claims/{claim.id}/confirm",
                                                data={"record_id": record.id})
        assert response.status_code == 400
        assert "already linked to an account" in response.get_data(as_text=True)
        db.session.refresh(claim)
        assert claim.state == ClaimState.PENDING.value
    else:
        other = make_record(office, family_name="Second", email="second@example.org")
        response = login(first).post(_invite(login, users["officer"], other, outbox))
        assert response.status_code == 409
        db.session.refresh(other)
        assert other.user_id is None
    db.session.refresh(record)
    assert record.user_id == first.id


def test_claim_by_request_and_staff_confirmation(login, users, office, record, make_user,
                                                outbox):
    owner = make_user(role="alumnus")
    me = login(owner)
    assert me.get("/me").headers["Location"] == "/me/claim"
    assert _claim_request(me, office).status_code == 302
    assert "The office will check it" in me.get("/me/claim").get_data(as_text=True)
    assert _claim_request(me, office).status_code == 409  # one open request at a time

    officer = login(users["officer"])
    claim = db.session.scalar(sa.select(ClaimRequest))
    assert "Rakhimova" in officer.get("/records/claims").get_data(as_text=True)
    review = officer.get(f"/records/claims/{claim.id}").get_data(as_text=True)
    assert "Rahimova" in review  # found although spelled differently
    response = officer.post(f"/records/claims/{claim.id}/confirm", data={"record_id": record.id})
    assert response.status_code == 302
    db.session.refresh(record)
    db.session.refresh(claim)
    assert record.user_id == owner.id
    assert (claim.state, claim.record_id, claim.decided_by_id) == (
        "confirmed", record.id, users["officer"].id)
    assert me.get("/me").status_code == 200
    assert outbox[-1]["To"] == owner.email and "confirmed" in outbox[-1].get_content()
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.action == "claim.confirmed", AuditEvent.subject_id == record.id,
        AuditEvent.office_id == office.id)) is not None
    assert "Rakhimova" not in officer.get("/records/claims").get_data(as_text=True)


def test_staff_reject_a_request(login, users, office, make_user, outbox):
    owner = make_user(role="alumnus", preferred_language="ru")
    _claim_request(login(owner), office)
    claim = db.session.scalar(sa.select(ClaimRequest))
    response = login(users["officer"]).post(f"/records/claims/{claim.id}/reject",
                                            data={"note": "No such course"})
    assert response.status_code == 302
    db.session.refresh(claim)
    assert (claim.state, claim.decision_note) == ("rejected", "No such course")
    told = outbox[-1]
    assert told["To"] == owner.email and "/me/claim" in told.get_content()
    assert "не удалось" in told.get_content() and "No such course" not in told.get_content()
    assert _claim_request(login(owner), office).status_code == 302  # may ask again


@pytest.mark.parametrize(("field", "value", "message"), [
    ("family_name", "", "Enter your family name."),
    ("birth_year", "eighty", "Enter a year like 1985."),
    ("birth_year", "1850", "Enter a year like 1985."),
    ("office_id", "999999", "Not a valid choice"),
    ("course", "x" * 301, "300"),
])
def test_bad_claim_request_keeps_what_was_typed(login, office, make_user, field, value, message):
    response = _claim_request(login(make_user(role="alumnus")), office, note="typed note",
                              **{field: value})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "typed note" in body
    assert db.session.scalar(sa.select(sa.func.count(ClaimRequest.id))) == 0


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/records/claims/{claim}", None),
    ("post", "/records/claims/{claim}/confirm", {"record_id": "{record}"}),
    ("post", "/records/claims/{claim}/reject", {}),
    ("get", "/records/claims/invite/{record}", None),
    ("post", "/records/claims/invite/{record}", {}),
])
def test_staff_of_another_office_cannot_see_or_act_on_a_claim(
        login, office, other_office, record, make_user, outbox, method, path, data):
    _claim_request(login(make_user(role="alumnus")), office)
    claim = db.session.scalar(sa.select(ClaimRequest))
    foreign = login(make_user(role="officer", office=other_office))
    url = path.format(claim=claim.id, record=record.id)
    data = {k: v.format(record=record.id) for k, v in (data or {}).items()}
    assert getattr(foreign, method)(url, data=data).status_code == 404
    assert "Rakhimova" not in foreign.get("/records/claims").get_data(as_text=True)
    db.session.refresh(record)
    db.session.refresh(claim)
    assert record.user_id is None and claim.state == "pending" and outbox == []


@pytest.mark.parametrize("path", ["/records/claims", "/records/claims/erasures"])
def test_alumni_and_visitors_do_not_reach_the_staff_queues(client, login, users, path):
    assert login(users["alumnus"]).get(path).status_code == 403
    assert "/login" in client.get(path).headers["Location"]


def test_staff_cannot_claim_a_record_for_themselves(login, users, record, outbox):
    path = _invite(login, users["officer"], record, outbox)
    response = login(users["officer"]).post(path)
    assert response.status_code == 409
    db.session.refresh(record)
    assert record.user_id is None


def test_services_refuse_a_decided_claim(app, users, office, record, make_user):
    owner = make_user(role="alumnus")
    with app.test_request_context():
        claim = claims.request_claim(owner, office_id=office.id, given_name="D",
                                     family_name="Rahimova", birth_year=1984, course="x")
        claims.reject_claim(users["officer"], claim)
        with pytest.raises(claims.ClaimError, match="decided"):
            claims.confirm_claim(users["officer"], claim, record)
        assert record.user_id is None


def test_a_record_claimed_by_a_concurrent_request_is_not_taken_over(app, record, make_user):
    winner, late = make_user(role="alumnus"), make_user(role="alumnus")
    db.session.add(ClaimInvitation(record_id=record.id, token_hash=claims.token_hash("z" * 43),
                                   expires_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    with app.test_request_context():
        assert record.user_id is None  # what this request read before the other one committed
        db.session.execute(sa.text("UPDATE alumni_records SET user_id = :u WHERE id = :r"),
                           {"u": winner.id, "r": record.id})
        with pytest.raises(claims.ClaimError, match="record-claimed"):
            claims.accept_invitation(late, "z" * 43)
        db.session.rollback()
    assert db.session.scalar(sa.select(AlumnusRecord.user_id)) is None  # rolled back, not late's


def test_the_staff_queues_are_paged_oldest_first(app, login, users, office, make_user):
    """Every waiting request is reachable: none is cut off however long the queue grows."""
    app.config["PAGE_SIZE"] = 3
    for n in range(7):
        with app.test_request_context():
            claims.request_claim(make_user(role="alumnus"), office_id=office.id,
                                 given_name="Person", family_name=f"Queue{n}",
                                 birth_year=1980, course="C")
    db.session.commit()
    officer = login(users["officer"])
    pages = [officer.get(f"/records/claims?page={p}").get_data(as_text=True) for p in (1, 2, 3)]
    shown = [[n for n in range(7) if f"Queue{n}<" in page] for page in pages]
    assert shown == [[0, 1, 2], [3, 4, 5], [6]]
    assert "Page 1 of 3" in pages[0] and "?page=2" in pages[0]


@pytest.mark.parametrize(("office_code", "languages", "account", "expected"), [
    ("TJ", "", None, "Сети выпускников KCCP"),  # the office's language, not the staff's
    ("TJ", "English, Japanese", None, "KCCP Alumni Network"),  # the record names one of ours
    ("TJ", "", "en", "KCCP Alumni Network"),  # an account with the address chose English
    ("XX", "", None, "KCCP Alumni Network"),  # an office outside Central Asia
])
def test_the_invitation_is_written_in_the_persons_language(login, make_user, make_office,
                                                           outbox, office_code, languages,
                                                           account, expected):
    office = make_office(code=office_code)
    officer = make_user(role="officer", office=office, preferred_language="en")
    if account:
        make_user(role="alumnus", email="person@example.org", preferred_language=account)
    record = make_record(office, email="person@example.org", languages=languages)
    _invite(login, officer, record, outbox)
    assert expected in outbox[-1]["Subject"]
