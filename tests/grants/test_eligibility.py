"""Every eligibility refusal says why and makes no application; submission checks again."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alumni_app.alumni import services as records
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.grants import applications, eligibility, money
from alumni_app.grants.applications import ApplicationError, SubmissionRefused
from alumni_app.grants.models import GrantApplication
from alumni_app.grants.money_models import GrantReport
from tests import factories
from tests.grants import factories as f
from tests.grants.test_views import edit_form, form_data


def text(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(GrantApplication))


def _refused_start(login, user, call, message: str) -> None:
    http = login(user)
    assert message in text(http.get(f"/grants/calls/{call.id}"))
    response = http.post(f"/grants/calls/{call.id}/apply")
    assert response.status_code == 403 and message in text(response)


def _overdue_grantee(office, users):
    """An alumnus whose report on an earlier, running grant is overdue."""
    grantee = f.eligible_alumnus(office)
    grant = f.approved(f.reviewed_application(office, users, applicant=grantee),
                       users["manager"])
    money.release(users["manager"], money.tranches(grant)[0], "PO-1")
    db.session.execute(sa.update(GrantReport).where(GrantReport.application_id == grant.id)
                       .values(due_on=f.today() - timedelta(days=3)))
    db.session.commit()
    return grantee


def _unverify(user) -> None:
    db.session.execute(sa.update(AlumnusRecord).where(AlumnusRecord.user_id == user.id)
                       .values(is_verified=False))
    db.session.commit()


def test_too_recent_a_training(app, login, office, users):
    call = f.make_call(office, users["manager"], min_months_since_training=6)
    _refused_start(login, f.eligible_alumnus(office, months_ago=2), call,
                   "This call is for alumni whose training ended at least 6 months ago.")
    assert _count() == 0


def test_an_overdue_report_on_an_earlier_grant(app, login, office, users):
    grantee = _overdue_grantee(office, users)
    before = _count()
    _refused_start(login, grantee, f.make_call(office, users["manager"]),
                   "A report on an earlier grant is overdue: send it first.")
    assert _count() == before


def test_another_countrys_alumnus(app, login, office, other_office, users):
    call = f.make_call(office, users["manager"])
    foreign = f.eligible_alumnus(other_office)
    assert eligibility.check(foreign, call).reasons == ["This call is for alumni of Tajikistan."]
    with pytest.raises(ApplicationError):
        applications.start(foreign, call)
    db.session.rollback()
    http = login(foreign)  # the call is not even shown to them
    assert http.get(f"/grants/calls/{call.id}").status_code == 404
    assert http.post(f"/grants/calls/{call.id}/apply").status_code == 404
    assert _count() == 0


def test_an_unverified_record(app, login, office, users):
    _refused_start(login, f.eligible_alumnus(office, verified=False),
                   f.make_call(office, users["manager"]),
                   "The office has not verified your record yet.")
    assert _count() == 0


def test_a_second_application_to_the_same_call(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    applications.withdraw(applicant, f.draft(call, applicant))
    db.session.commit()
    assert eligibility.check(applicant, call).reasons == [
        "You have already applied to this call."]
    with pytest.raises(ApplicationError):
        applications.start(applicant, call)
    db.session.rollback()
    response = login(applicant).post(f"/grants/calls/{call.id}/apply")
    assert response.status_code == 302  # to the application they have
    assert _count() == 1


def test_a_team_too_small_is_not_submitted(app, login, office, users):
    call = f.make_call(office, users["manager"], min_team_size=2)
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/edit",
                         data={**form_data(), **edit_form(http, application),
                               "action": "submit"})
    assert response.status_code == 400
    assert "This call asks for a team of at least 2 people: 1 confirmed so far" in text(response)
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "draft"


@pytest.mark.parametrize(("change", "message"), [
    (lambda office, users, applicant: _unverify(applicant),
     "Your record is no longer a verified record of this call's country"),
    (lambda office, users, applicant: _overdue_report_of(office, users, applicant),
     "A report on an earlier grant is overdue: send it before you submit"),
])
def test_submission_checks_eligibility_again(app, login, office, users, change, message):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    change(office, users, applicant)
    http = login(applicant)
    response = http.post(f"/grants/applications/{application.id}/edit",
                         data={**form_data(), **edit_form(http, application),
                               "action": "submit"})
    assert response.status_code == 403 and message in text(response)
    db.session.expire_all()
    assert db.session.get(GrantApplication, application.id).state == "draft"


def _overdue_report_of(office, users, applicant) -> None:
    grant = f.approved(f.reviewed_application(
        office, users, applicant=applicant, call=f.make_call(office, users["manager"])),
        users["manager"])
    money.release(users["manager"], money.tranches(grant)[0], "PO-1")
    db.session.execute(sa.update(GrantReport).where(GrantReport.application_id == grant.id)
                       .values(due_on=f.today() - timedelta(days=1)))
    db.session.commit()


def test_a_co_applicant_needs_a_verified_record(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant = f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    newcomer = f.eligible_alumnus(office, verified=False)
    response = login(applicant).post(f"/grants/applications/{application.id}/team",
                                     data={"email": newcomer.email})
    assert response.status_code == 400
    assert "The office has not verified this alumnus's record yet" in text(response)
    assert application.team == []


def _confirmed_team(office, users):
    """A draft to a call asking for a team of two, its co-applicant confirmed."""
    call = f.make_call(office, users["manager"], min_team_size=2)
    applicant, partner = f.eligible_alumnus(office), f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    member = applications.add_team_member(applicant, application, partner.email)
    applications.answer_invitation(partner, member, accept=True)
    db.session.commit()
    return applicant, partner, application


def test_a_co_applicant_unverified_after_confirming_stops_the_submission(app, office, users):
    applicant, partner, application = _confirmed_team(office, users)
    _unverify(partner)
    with pytest.raises(SubmissionRefused) as refused:
        applications.submit(applicant, application, "tok-team-1")
    assert [p.code for p in refused.value.problems] == ["team-member-ineligible"]
    assert partner.display_name in refused.value.problems[0].message


def test_a_declined_co_applicant_cannot_confirm_later(app, login, office, users):
    call = f.make_call(office, users["manager"])
    applicant, partner = f.eligible_alumnus(office), f.eligible_alumnus(office)
    application = f.draft(call, applicant)
    member = applications.add_team_member(applicant, application, partner.email)
    db.session.commit()
    http = login(partner)
    assert http.post(f"/grants/team/{member.id}/answer",
                     data={"accept": "no"}).status_code == 302
    again = http.post(f"/grants/team/{member.id}/answer", data={"accept": "yes"})
    assert again.status_code == 403
    db.session.refresh(member)
    assert member.state == "declined"
    assert applications.confirmed_team_size(application) == 1


def test_applications_and_team_places_follow_a_merged_record(app, office, users):
    """Staff merge the alumni's claimed records into older ones: the draft still submits."""
    applicant, partner, application = _confirmed_team(office, users)
    kept = {}
    for user in (applicant, partner):
        claimed = db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=user.id))
        kept[user.id] = older = factories.make_record(office)
        older.is_verified = True
        records.check_mergeable(older, claimed)
        records.merge_records(users["officer"], older, claimed)
    db.session.commit()
    db.session.expire_all()
    application = db.session.get(GrantApplication, application.id)
    assert application.record_id == kept[applicant.id].id
    assert [m.record_id for m in application.team] == [kept[partner.id].id]
    applications.submit(applicant, application, "tok-merged-1")  # eligible: the kept record
    db.session.commit()
    assert db.session.get(GrantApplication, application.id).state == "submitted"


def test_a_co_applicant_whose_account_was_closed_stops_the_submission(app, office, users):
    applicant, partner, application = _confirmed_team(office, users)
    partner.is_active = False  # an administrator deactivated the account
    db.session.commit()
    with pytest.raises(SubmissionRefused) as refused:
        applications.submit(applicant, application, "tok-team-closed")
    assert [p.code for p in refused.value.problems] == ["team-member-ineligible"]
