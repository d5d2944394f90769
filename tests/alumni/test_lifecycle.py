"""A record's life across features: claim, merge, reactivation, erasure, an office change.

Each test is a path a person or an office takes in that order, checked where it shows: the
pages, the queues, the outbox and the audit log.
"""

from __future__ import annotations

import html
from datetime import timedelta

import sqlalchemy as sa

from alumni_app.accounts import services as account_services
from alumni_app.accounts.models import User
from alumni_app.alumni import claims, privacy, services
from alumni_app.alumni.claim_models import ErasureRequest
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit import AuditEvent
from alumni_app.auth.tokens import issue_token
from alumni_app.extensions import db
from alumni_app.grants import applications, reviews
from alumni_app.grants.models import GrantEvent
from alumni_app.mail import OutboundEmail
from alumni_app.permissions import Role
from tests import factories
from tests.grants import factories as f


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _erase(login, officer, user) -> None:
    """The person asks for erasure, and the office's officer carries it out."""
    assert login(user).post("/me/erasure").status_code == 302
    erasure = db.session.scalar(sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id))
    assert login(officer).post(f"/records/claims/erasures/{erasure.id}").status_code == 302
    db.session.expire_all()


# --- erasure and offices --------------------------------------------------------------------

def test_an_erasure_asked_while_waiting_goes_to_the_office_of_the_record_claimed_later(
        app, login, office, other_office, make_user):
    """Erasure asked while waiting for a match in office A; then office B's link links the
    person to B's record. The request moves to B: A's staff cannot erase B's record."""
    tj_officer = make_user(role="officer", office=office)
    kg_officer = make_user(role="officer", office=other_office)
    person = make_user(role="alumnus")
    kg_record = factories.make_record(other_office, family_name="Asanov", given_name="Bakyt",
                                      email=person.email)
    with app.test_request_context():
        claims.request_claim(person, office_id=office.id, given_name="Bakyt",
                             family_name="Asanov", birth_year=1980, course="Roads")
        privacy.request_erasure(person)
        claims.send_claim_invitation(kg_officer, kg_record)
    db.session.commit()
    body = db.session.scalar(sa.select(OutboundEmail.body).order_by(OutboundEmail.id.desc()))
    token = body.split("/me/claim/")[1].split()[0]
    assert login(person).post(f"/me/claim/{token}").status_code == 302

    erasure = db.session.scalar(sa.select(ErasureRequest))
    tj = login(tj_officer)
    assert tj.post(f"/records/claims/erasures/{erasure.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, kg_record.id).erased_at is None
    kg = login(kg_officer)
    assert "Asanov" in _text(kg.get("/records/claims/erasures"))
    assert kg.post(f"/records/claims/erasures/{erasure.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, kg_record.id).erased_at is not None


def test_an_erasure_whose_record_left_the_office_is_refused_with_a_message(
        app, login, office, other_office, users, make_user):
    person = make_user(role="alumnus")
    record = factories.make_record(office, family_name="Asanov")
    record.user_id = person.id
    db.session.commit()
    assert login(person).post("/me/erasure").status_code == 302
    erasure = db.session.scalar(sa.select(ErasureRequest))
    erasure.office_id = other_office.id  # as a request stored before requests followed claims
    db.session.commit()
    other = login(make_user(role="officer", office=other_office))
    response = other.post(f"/records/claims/erasures/{erasure.id}")
    assert response.status_code == 409
    assert "belongs to another office now" in _text(response)
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, record.id).erased_at is None


# --- merges ---------------------------------------------------------------------------------

def test_a_merged_away_record_cannot_be_reactivated(app, login, office, users):
    kept = factories.make_record(office, family_name="Jalolov", given_name="Karim")
    duplicate = factories.make_record(office, family_name="Dzhalolov", given_name="Karim",
                                      email="karim@example.org")
    services.merge_records(users["officer"], kept, duplicate)
    db.session.commit()

    officer = login(users["officer"])
    response = officer.post(f"/records/{duplicate.id}/active", follow_redirects=True)
    assert f"merged into record no. {kept.id} and stays inactive" in _text(response)
    db.session.expire_all()
    assert not db.session.get(AlumnusRecord, duplicate.id).is_active
    # The person shows once in the directory: the kept record.
    found = _text(officer.get("/directory?q=karim"))
    assert f"/directory/{kept.id}\"" in found and f"/directory/{duplicate.id}\"" not in found


def test_merging_a_claimed_duplicate_into_an_older_unclaimed_record(app, login, office, users,
                                                                    make_user):
    """The account moves to the kept record: the unique key on user_id must not fail when the
    kept record is the older row."""
    person = make_user(role="alumnus")
    kept = factories.make_record(office, family_name="Jalolov", given_name="Karim")
    claimed = factories.make_record(office, family_name="Dzhalolov", given_name="Karim")
    claimed.user_id = person.id
    db.session.commit()

    response = login(users["officer"]).post(
        f"/records/{kept.id}/merge", data={"duplicate_id": claimed.id, "confirm": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, kept.id).user_id == person.id


def test_merging_a_claimed_duplicate_keeps_the_owners_privacy_choices(app, login, office,
                                                                      users, make_user):
    person = make_user(role="alumnus")
    claimed = factories.make_record(office, family_name="Dzhalolov", given_name="Karim",
                                    email="karim@example.org")
    kept = factories.make_record(office, family_name="Jalolov", given_name="Karim")
    claimed.user_id, claimed.photo_name = person.id, "karim-photo.jpg"
    db.session.commit()
    me = login(person)
    me.post("/me/privacy", data={"visibility": "all", "show_email": "y", "consent": "y"})
    db.session.expire_all()
    assert db.session.get(AlumnusRecord, claimed.id).visibility == "all"

    services.merge_records(users["officer"], db.session.get(AlumnusRecord, kept.id),
                           db.session.get(AlumnusRecord, claimed.id))
    db.session.commit()
    db.session.expire_all()
    now = db.session.get(AlumnusRecord, kept.id)
    assert now.user_id == person.id
    assert (now.visibility, now.show_email, now.consent_at is not None, now.photo_name) == (
        "all", True, True, "karim-photo.jpg")


def test_a_phone_filled_in_by_a_merge_is_not_shown_unasked(app, login, office, users,
                                                           make_user):
    person = make_user(role="alumnus")
    kept = factories.make_record(office, family_name="Jalolov", given_name="Karim")
    kept.user_id, kept.visibility, kept.show_phone = person.id, "all", True
    duplicate = factories.make_record(office, family_name="Dzhalolov", phone="+992 90 000 11 22")
    db.session.commit()
    services.merge_records(users["officer"], kept, duplicate)
    db.session.commit()
    db.session.expire_all()
    now = db.session.get(AlumnusRecord, kept.id)
    assert now.phone == "+992 90 000 11 22" and not now.show_phone


# --- erasure leaves nothing that names the person -------------------------------------------

def test_erased_co_applicant_name_leaves_the_grant_timeline_and_versions(app, login, office,
                                                                         users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    partner = f.eligible_alumnus(office, display_name="Zarina Karimova")
    application = f.in_review(f.submitted(call, applicant), users["officer"])
    reviews.request_revision(users["manager"], application, "Add a partner.")
    member = applications.add_team_member(applicant, application, partner.email)
    applications.answer_invitation(partner, member, True)
    applications.submit(applicant, application, "tok-v2")
    db.session.commit()
    http = login(applicant)
    assert "Zarina Karimova" in _text(http.get(f"/grants/applications/{application.id}"))

    _erase(login, users["officer"], partner)

    assert "Zarina Karimova" not in _text(http.get(f"/grants/applications/{application.id}"))
    versions = _text(http.get(f"/grants/applications/{application.id}/versions"))
    assert "Version 2" in versions and "Zarina Karimova" not in versions
    messages = db.session.scalars(sa.select(GrantEvent.message)).all()
    assert not any("Zarina Karimova" in m for m in messages)
    assert any(f"Erased person #{partner.id}" in m for m in messages)


def test_erased_person_leaves_no_name_in_mail_waiting_for_others(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office, display_name="Zarina Karimova")
    partner = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    applications.add_team_member(applicant, application, partner.email)
    db.session.commit()
    db.session.execute(sa.update(OutboundEmail).values(sent_at=None))  # mail server was down
    db.session.commit()
    assert any("Zarina Karimova" in b for b in db.session.scalars(sa.select(OutboundEmail.body)))

    _erase(login, users["officer"], applicant)

    rows = db.session.scalars(sa.select(OutboundEmail.subject + OutboundEmail.body)).all()
    assert not any("Zarina Karimova" in b for b in rows)


def test_erasure_reaches_mail_to_the_persons_earlier_addresses(app, login, office, users):
    person = f.eligible_alumnus(office, email="old.address@example.org",
                                display_name="Zarina Karimova")
    with app.test_request_context():
        token = issue_token(person, "email_change", timedelta(hours=1),
                            new_email="now@example.org")
        account_services.confirm_email_change(token)  # "changed" notice to the old address
        account_services.request_email_change(person, "typo@example.org")  # never confirmed
    db.session.commit()
    assert db.session.scalar(sa.select(User.email).where(User.id == person.id)) == \
        "now@example.org"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) >= 2

    _erase(login, users["officer"], person)

    rows = db.session.execute(sa.select(OutboundEmail.recipient, OutboundEmail.body)).all()
    assert not [r for r in rows if "Zarina Karimova" in r.body or "example.org" in r.recipient
                or "now@example.org" in r.body]


def test_erasure_leaves_the_position_at_nomination_on_the_record_page(app, login, office,
                                                                      users, make_user):
    person = make_user(role="alumnus")
    record = factories.make_record(office, family_name="Rahimova", position="Head of unit")
    record.user_id = person.id
    services.add_participation(None, record, factories.make_course().id,
                               nominating_organization="Ministry of Health of Khatlon",
                               position="Deputy head of the Kulob district hospital")
    db.session.commit()
    officer = login(users["officer"])
    assert "Deputy head of the Kulob district hospital" in _text(
        officer.get(f"/directory/{record.id}"))

    _erase(login, users["officer"], person)

    page = _text(officer.get(f"/directory/{record.id}"))
    assert "Erased person" in page
    assert "Deputy head of the Kulob district hospital" not in page
    assert "Ministry of Health of Khatlon" not in page


def test_erasure_leaves_the_persons_address_out_of_login_audit_events(app, client, login,
                                                                     office, users):
    person = f.eligible_alumnus(office, email="zarina.k@example.org")
    for _ in range(7):
        client.post("/login", data={"email": "zarina.k@example.org", "password": "wrong pw 1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "login.throttled"))

    _erase(login, users["officer"], person)

    details = db.session.scalars(sa.select(AuditEvent.details)).all()
    assert not [d for d in details if "zarina.k@example.org" in d]


# --- an office change; odd numbers ----------------------------------------------------------

def test_a_reviewer_moved_to_another_office_no_longer_lists_the_old_offices_applications(
        app, login, office, other_office, users, make_user):
    reviewer = make_user(role="officer", office=office)
    call = f.make_call(office, users["manager"], title="Tajik call")
    application = f.in_review(f.submitted(call, f.eligible_alumnus(office),
                                          title="Secret Tajik proposal"), users["officer"])
    reviews.assign(users["manager"], application, reviewer)
    db.session.commit()
    assert "Secret Tajik proposal" in _text(login(reviewer).get("/staff/grants/reviews"))
    with app.test_request_context():
        account_services.change_role(users["admin"], reviewer, Role.OFFICER, other_office.id)
    db.session.commit()

    page = _text(login(reviewer).get("/staff/grants/reviews"))
    assert "Secret Tajik proposal" not in page and "Tajik call" not in page


def test_huge_record_numbers_on_staff_forms_are_refused_next_to_the_field(app, login, office,
                                                                         users):
    record = factories.make_record(office)
    claim, _erasure = factories.make_claim_and_erasure(office, record)
    officer = login(users["officer"])
    huge = "9" * 25
    merge = officer.post(f"/records/{record.id}/merge", data={"duplicate_id": huge})
    confirm = officer.post(f"/records/claims/{claim.id}/confirm", data={"record_id": huge})
    assert (merge.status_code, confirm.status_code) == (400, 400)
    assert "Enter the number shown on the duplicate's page" in _text(merge)
    assert "Enter the number shown on the record's page" in _text(confirm)
