"""Staff reach on-behalf entry from the person's record page and from the activities list."""

from __future__ import annotations

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.plans import services
from tests import factories
from tests.plans import factories as plan_factories


def test_the_record_page_offers_staff_plans_and_entry_per_course(app, login, users, record,
                                                                 participation, plan):
    abandoned = plan_factories.make_plan(participation, users["alumnus"], title="Old idea",
                                         status="abandoned")
    second = plan_factories.make_participation(record, code="KM-2", title="Second course")
    page = login(users["officer"]).get(f"/directory/{record.id}").get_data(as_text=True)
    assert f'href="/plans/new/{participation.id}"' in page
    assert f'href="/plans/new/{second.id}"' in page and "Enter an action plan" in page
    assert f'href="/activities/new/{record.id}"' in page and "Record an activity" in page
    assert f'href="/plans/{plan.id}"' in page and f'href="/plans/{abandoned.id}"' in page
    assert "Abandoned" in page
    # Not for the alumnus (their own pages have these), nor for other alumni.
    assert "Enter an action plan" not in login(users["alumnus"]).get(
        f"/directory/{record.id}").get_data(as_text=True)


def test_the_plan_form_entered_by_staff_leads_back_to_the_person(app, login, users, record,
                                                                participation):
    page = login(users["officer"]).get(f"/plans/new/{participation.id}").get_data(as_text=True)
    assert f'href="/directory/{record.id}"' in page and "on the alumnus's behalf" in page
    own = login(users["alumnus"]).get(f"/plans/new/{participation.id}").get_data(as_text=True)
    assert 'href="/plans"' in own and "on the alumnus's behalf" not in own


def test_nothing_new_is_entered_for_an_erased_person(app, login, users, record, participation):
    record.erased_at = utcnow()
    db.session.commit()
    officer = login(users["officer"])
    assert officer.get(f"/plans/new/{participation.id}").status_code == 403
    assert officer.get(f"/activities/new/{record.id}").status_code == 403
    assert officer.get(f"/activities/new?q={record.family_name}").get_data(
        as_text=True).count(f"/activities/new/{record.id}") == 0


def test_staff_choose_the_person_from_the_activities_list(app, login, users, record,
                                                         make_user, other_office):
    stranger = factories.make_record(other_office, family_name="Karimova")
    officer = login(users["officer"])
    assert 'href="/activities/new"' in officer.get("/activities").get_data(as_text=True)
    page = officer.get("/activities/new?q=karim").get_data(as_text=True)
    assert f'href="/activities/new/{record.id}"' in page
    assert f'href="/activities/new/{stranger.id}"' not in page  # another office's person
    assert "Nobody of your office" in officer.get("/activities/new?q=zzz").get_data(
        as_text=True)
    alumnus = login(users["alumnus"])
    assert 'href="/activities/new"' not in alumnus.get("/activities").get_data(as_text=True)
    assert alumnus.get("/activities/new?q=karim").status_code == 403


def test_the_plan_page_links_back_by_who_reads_it(app, login, users, plan):
    services.add_comment(users["officer"], plan, "Hello")
    db.session.commit()
    own = login(users["alumnus"]).get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'href="/plans"' in own and ">Send<" in own
    staff = login(users["officer"]).get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'href="/plans/follow-up"' in staff and ">Add comment<" in staff
    assert "Karimova" in staff
