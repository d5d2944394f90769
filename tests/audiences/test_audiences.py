"""Audiences: the directory's filters plus follow-up's, one office at a time."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences import Audience, AudienceInvalid, parse_audience, queries
from alumni_app.extensions import db
from tests import factories
from tests.grants import factories as grants
from tests.plans.factories import claimed_record, make_participation, make_plan


def _names(audience: Audience) -> list[str]:
    return sorted(r.family_name for r in queries.sample(audience, limit=100))


@pytest.fixture
def people(office, other_office, make_user):
    """Five people of `office` (one deactivated) and one of `other_office`."""
    health = factories.make_sector(name_en="Health")
    region = factories.make_region(office, name_en="Sughd")
    made = {}
    for name, year in (("Alieva", 2014), ("Bakirov", 2016), ("Choriev", 2019)):
        record = factories.make_record(office, family_name=name)
        made[name] = record
        make_participation(record, start_on=date(year, 6, 1), end_on=date(year, 7, 1),
                           fiscal_year=year)
    made["Alieva"].region_id = region.id
    made["Alieva"].sectors.append(health)
    gone = factories.make_record(office, family_name="Davlatov")
    gone.is_active = False
    factories.make_record(other_office, family_name="Elebaev")
    db.session.commit()
    return {"records": made, "health": health, "region": region}


def test_an_office_audience_holds_its_active_records_only(people, office):
    assert _names(Audience(office_id=office.id)) == ["Alieva", "Bakirov", "Choriev"]
    assert queries.count(Audience(office_id=office.id)) == 3


def test_an_audience_without_an_office_is_nobody(people):
    assert queries.count(Audience()) == 0


def test_directory_filters_narrow_it(people, office):
    assert _names(Audience(office_id=office.id, region_id=people["region"].id)) == ["Alieva"]
    assert _names(Audience(office_id=office.id, sector_id=people["health"].id)) == ["Alieva"]
    assert _names(Audience(office_id=office.id, fiscal_year=2016)) == ["Bakirov"]
    assert _names(Audience(office_id=office.id, trained_since=2015)) == ["Bakirov", "Choriev"]


def test_follow_up_filters(people, office, users, make_user):
    alumnus = make_user(role="alumnus")
    record = claimed_record(office, alumnus, family_name="Fozilov")
    make_plan(make_participation(record), alumnus, status="in_progress")
    application = grants.reviewed_application(office, users)
    grants.approved(application, users["manager"])
    holder = db.session.get(AlumnusRecord, application.record_id).family_name
    assert _names(Audience(office_id=office.id, active_plans=True)) == ["Fozilov"]
    assert _names(Audience(office_id=office.id, grantees=True)) == [holder]


def test_people_chosen_by_hand_stay_within_the_office(people, office, other_office):
    foreign = factories.make_record(other_office, family_name="Foreign")
    chosen = (people["records"]["Bakirov"].id, foreign.id)
    assert _names(Audience(office_id=office.id, record_ids=chosen)) == ["Bakirov"]


def test_recipients_take_the_account_address_and_language(people, office, make_user):
    user = make_user(role="alumnus", email="choriev@example.org")
    user.preferred_language = "ru"
    record = people["records"]["Choriev"]
    record.user_id, record.email = user.id, "old@example.org"
    people["records"]["Bakirov"].email = "bakirov@example.org"
    db.session.commit()
    rows = {r.family_name: r for r in db.session.execute(
        queries.recipients(Audience(office_id=office.id)))}
    assert (rows["Choriev"].email, rows["Choriev"].language) == ("choriev@example.org", "ru")
    assert (rows["Bakirov"].email, rows["Bakirov"].language) == ("bakirov@example.org", None)
    assert rows["Alieva"].email == ""


def test_parsing_keeps_what_it_understands_and_refuses_the_impossible(app):
    args = MultiDict([("region", "4"), ("fy", "2016"), ("active_plans", "1"),
                      ("record_ids", "7"), ("record_ids", "x"), ("record_ids", "7")])
    audience = parse_audience(args, office_id=2)
    assert audience == Audience(office_id=2, region_id=4, fiscal_year=2016, active_plans=True,
                                record_ids=(7,))
    assert Audience.from_dict(audience.to_dict()) == audience
    with pytest.raises(AudienceInvalid) as refused:
        parse_audience(MultiDict([("fy", "99999")]), office_id=2)
    assert refused.value.field == "fy" and refused.value.status == 400
    with pytest.raises(AudienceInvalid):
        parse_audience(MultiDict([("program_type", "<script>")]), office_id=2)
