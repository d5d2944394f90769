"""Events and attendance, announcements and bulk messages on the figures page and in the
yearly workbook: counts written out by hand, alumni and guests apart, filters, the sheet."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from babel.numbers import format_decimal

from alumni_app.db import utcnow
from alumni_app.extensions import db
from tests.reports import factories as f


@pytest.fixture
def gatherings(figures_office, other_office):
    """Events and messages of the hand-made office (figures_office's p1..p7).

    Sectors of work: p1 Health, p2 Health, p4 Energy, p5 Energy and Health, p6 none.
    FY 2023 (April 2023 to March 2024):
      E1 seminar, finished, 5 Oct 2023: p1 invited+came, p2 invited (yes, stayed away),
         p3 invited (no), p4 registered herself+came, p5 walk-in; guests G1 came, G2 pending
      E2 annual meeting, finished, 10 Feb 2024: p1 invited+came, p6 invited (yes, away), G1 came
      E3 workshop, cancelled, 1 Nov 2023: p7 said yes (not held: not counted)
      E4 seminar, draft, 1 Dec 2023: p2 (never counted)
    FY 2022: E5 seminar, finished, 1 Dec 2022: p3 came.
    Another office's seminar (5 Oct 2023) with its own person who came; a seminar to come.
    """
    ids = figures_office
    p = ids.people
    office = ids.office
    f.works_in(p[0], ids.health)
    f.works_in(p[1], ids.health)
    f.works_in(p[3], ids.energy)
    f.works_in(p[4], ids.energy, ids.health)
    g1, g2 = f.guest(office, "Nodira"), f.guest(office, "Kenji")
    e1 = f.event(office, "seminar", date(2023, 10, 5))
    f.place(e1, p[0], came=True)
    f.place(e1, p[1])
    f.place(e1, p[2], answer="no")
    f.place(e1, p[3], source="registered", came=True)
    f.place(e1, p[4], source="walk_in", came=True)
    f.place(e1, g1, came=True)
    f.place(e1, g2, answer="pending")
    e2 = f.event(office, "annual_meeting", date(2024, 2, 10))
    f.place(e2, p[0], came=True)
    f.place(e2, p[5])
    f.place(e2, g1, came=True)
    f.place(f.event(office, "workshop", date(2023, 11, 1), "cancelled"), p[6])
    f.place(f.event(office, "seminar", date(2023, 12, 1), "draft"), p[1])
    f.place(f.event(office, "seminar", date(2022, 12, 1)), p[2], came=True)
    f.event(office, "seminar", utcnow() + timedelta(days=30), "published")
    stranger = f.person(other_office)
    f.works_in(stranger, ids.health)
    f.place(f.event(other_office, "seminar", date(2023, 10, 5)), stranger, came=True)
    _messages(ids, other_office)
    f.refresh()
    return ids


def _messages(ids, other_office) -> None:
    """FY 2023: two announcements (one withdrawn later), an announcement message to six
    recipients (e-mail: 2 sent, 1 failed, 1 bounced, 1 unsubscribed; Telegram: 1 sent) and an
    event message to two (e-mail: 1 sent, 1 without an address). Outside it: a 2022 message,
    a scheduled announcement, another office's and an announcement to everyone."""
    p, office = ids.people, ids.office
    f.announcement(office, date(2023, 6, 1))
    f.announcement(office, date(2023, 7, 1), withdrawn_at=f.at(date(2023, 8, 1)))
    f.announcement(office, utcnow() + timedelta(days=3))
    f.announcement(other_office, date(2023, 6, 1))
    f.announcement(None, date(2023, 6, 1), scope="everyone")
    f.bulk_message(office, "announcements", date(2023, 6, 2), [
        ("email", "sent", p[0]), ("email", "sent", p[1]), ("email", "failed", p[2]),
        ("email", "bounced", p[3]), ("email", "unsubscribed", p[4]),
        ("telegram", "sent", p[0])])
    f.bulk_message(office, "events", date(2023, 9, 1), [("email", "sent", p[0]),
                                                         ("email", "no_address", p[6])])
    f.bulk_message(office, "events", date(2022, 9, 1), [("email", "sent", p[1])])


def url(ids, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/reports/offices/{ids.office.id}/figures" + (f"?{query}" if query else "")


ATTENDANCE_2023 = {
    "Figure": ["Alumni", "Guests"],
    "Invited by the office": ["5", "3"],
    "Registered ahead": ["5", "2"],
    "Came, of those registered": ["3", "2"],
    "Attended": ["4", "2"],
    "Of them, walk-ins": ["1", "0"],
    "Attendance rate (per cent)": ["60", "100"],
}


def test_events_held_and_attendance_alumni_and_guests_apart(gatherings, login, users,
                                                            tables):
    page = login(users["officer"]).get(url(gatherings, fy_from=2023, fy_to=2023))
    html = page.get_data(as_text=True)
    t = tables(html)
    assert "2 events held in this period." in html and "1 was cancelled." in html
    assert t["events-attendance-table"] == ATTENDANCE_2023
    assert t["events-by-kind-table"] == {
        "Kind of event": ["Events held", "Alumni who attended", "Guests who attended"],
        "Annual meeting": ["1", "1", "1"], "Office seminar": ["1", "3", "1"],
        "Workshop": ["0", "0", "0"], "Pre-departure briefing": ["0", "0", "0"],
        "Other event": ["0", "0", "0"]}
    # p1 twice and p5 (walk-in) in Health: three people, shown. Energy (p4 and p5) and no
    # sector recorded (p3 said no, p6 registered and stayed away) are two people each: who
    # came and who stayed away would point at them, so the rows are withheld.
    assert t["events-by-sector-table"] == {
        "Sector": ["Alumni who attended", "Alumni registered ahead",
                   "Attendance rate (per cent)"],
        "Health": ["3", "3", "66.7"], "Energy": ["—", "—", "—"],
        "Not recorded": ["—", "—", "—"]}
    assert 'id="events-by-kind-title"' in html and 'id="events-by-sector-title"' in html
    # The chart draws no bar for a withheld row and labels it with the same mark.
    chart = re.search(r'<svg[^>]*events-by-sector-title.*?</svg>', html, flags=re.S).group(0)
    marks = re.findall(r'<text x="[\d.]+" y="[\d.]+" fill="#212529">([^<]*)</text>', chart)
    assert marks == ["3", "—", "—"]  # Health, Energy, not recorded
    assert chart.count("<rect") == 2  # the background and Health's bar


def test_every_year_counts_the_past_seminar_and_names_the_event_to_come(gatherings, login,
                                                                         users, tables):
    html = login(users["officer"]).get(url(gatherings)).get_data(as_text=True)
    assert "3 events held in this period." in html
    assert "1 more is planned and not held yet." in html
    attendance = tables(html)["events-attendance-table"]
    assert attendance["Attended"] == ["5", "2"]  # E5's p3 too; no other office's person


def test_person_filters_narrow_the_alumni_never_the_events_or_guests(gatherings, login, users,
                                                                     tables):
    http = login(users["officer"])
    html = http.get(url(gatherings, fy_from=2023, fy_to=2023,
                        region=gatherings.sughd)).get_data(as_text=True)
    t = tables(html)
    # Sughd: p3 (invited, said no), p4 (registered, came), p5 (walk-in).
    assert t["events-attendance-table"]["Invited by the office"] == ["1", "3"]
    assert t["events-attendance-table"]["Attended"] == ["2", "2"]
    assert t["events-attendance-table"]["Attendance rate (per cent)"] == ["100", "100"]
    assert "2 events held in this period." in html
    assert "the events and the guests are counted whatever they are" in html
    # Energy: two people (p4, p5), too few to show how they fared; the guests stay shown.
    t = tables(http.get(url(gatherings, fy_from=2023, fy_to=2023,
                            sector=gatherings.energy)).get_data(as_text=True))
    assert t["events-by-sector-table"] == {
        "Sector": ["Alumni who attended", "Alumni registered ahead",
                   "Attendance rate (per cent)"], "Energy": ["—", "—", "—"]}
    assert t["events-attendance-table"]["Attended"] == ["—", "2"]
    assert t["events-by-kind-table"]["Office seminar"] == ["1", "—", "1"]
    # Young leaders: p1 alone (C3), at both events: withheld.
    t = tables(http.get(url(gatherings, fy_from=2023, fy_to=2023,
                            program_type="young_leaders")).get_data(as_text=True))
    assert t["events-attendance-table"]["Attended"] == ["—", "2"]
    assert t["events-attendance-table"]["Attendance rate (per cent)"] == ["—", "100"]
    html = http.get(url(gatherings, fy_from=2023, fy_to=2023)).get_data(as_text=True)
    assert "the events and the guests are counted whatever they are" not in html


def test_a_program_type_counts_the_alumni_who_took_it(gatherings, login, users, tables):
    # Country-focused (C2): p4 (registered herself, came), p5 (walk-in) and p6 (yes, stayed
    # away) had places at events held in FY 2023; p7's workshop was cancelled. Three people
    # kept and three left out (p1, p2, p3): shown.
    t = tables(login(users["officer"]).get(url(
        gatherings, fy_from=2023, fy_to=2023, program_type="country_focused")).get_data(
        as_text=True))
    assert t["events-attendance-table"] == {
        "Figure": ["Alumni", "Guests"],
        "Invited by the office": ["1", "3"],
        "Registered ahead": ["2", "2"],
        "Came, of those registered": ["1", "2"],
        "Attended": ["2", "2"],
        "Of them, walk-ins": ["1", "0"],
        "Attendance rate (per cent)": ["50", "100"],
    }
    assert t["events-by-kind-table"]["Office seminar"] == ["1", "2", "1"]
    assert t["events-by-kind-table"]["Annual meeting"] == ["1", "0", "1"]
    # Every sector's row has 1 or 2 people in it or left out of it: withheld.
    assert t["events-by-sector-table"] == {
        "Sector": ["Alumni who attended", "Alumni registered ahead",
                   "Attendance rate (per cent)"], "Energy": ["—", "—", "—"],
        "Health": ["—", "—", "—"], "Not recorded": ["—", "—", "—"]}


def test_announcements_and_bulk_messages_with_their_delivery_log(gatherings, login, users,
                                                                 tables):
    http = login(users["officer"])
    html = http.get(url(gatherings, fy_from=2023, fy_to=2023)).get_data(as_text=True)
    t = tables(html)
    assert ("2 announcements published · 2 bulk messages sent · 8 recipients") in html
    assert t["messages-by-kind-table"] == {
        "Kind of message": ["Bulk messages sent", "Recipients"],
        "Announcements and news": ["1", "6"], "Event invitations and reminders": ["1", "2"],
        "Calls for mini-grant proposals": ["0", "0"]}
    assert t["messages-by-state-table"] == {
        "Outcome": ["E-mail", "Telegram"], "Queued": ["0", "0"], "Sent": ["3", "1"],
        "Failed": ["1", "0"], "Bounced": ["1", "0"], "Unsubscribed": ["1", "0"],
        "No e-mail address": ["1", "0"]}
    html = http.get(url(gatherings, fy_from=2023, fy_to=2023,
                        region=gatherings.sughd)).get_data(as_text=True)
    assert "Not filtered by: sector, region, program type." in html
    assert "8 recipients" in html


def test_every_office_page_counts_messages_to_everyone_too(gatherings, login, users, tables):
    html = login(users["admin"]).get("/reports/figures?fy_from=2023&fy_to=2023").get_data(
        as_text=True)
    assert "4 announcements published" in html  # TJ's two, KG's and the one to everyone
    assert tables(html)["events-attendance-table"]["Attended"] == ["5", "2"]  # KG's too


def test_other_offices_staff_see_none_of_these_figures(gatherings, login, make_user,
                                                       other_office, tables):
    reader = login(make_user(role="officer", office=other_office))
    html = reader.get(f"/reports/offices/{other_office.id}/figures?fy_from=2023&fy_to=2023"
                      ).get_data(as_text=True)
    assert tables(html)["events-attendance-table"]["Attended"] == ["1", "0"]
    assert "1 announcement published · 0 bulk messages sent" in html


def test_an_office_s_events_and_messages_are_those_of_the_last_recount(gatherings, login,
                                                                       users, tables):
    http = login(users["officer"])
    p, office = gatherings.people, gatherings.office
    event = f.event(office, "workshop", date(2024, 1, 20))
    for person in p[:4]:
        f.place(event, person, came=True)
    f.announcement(office, date(2023, 6, 5))
    db.session.commit()
    # Every year (kept by the recount): the workshop and the announcement are not there yet.
    html = http.get(url(gatherings)).get_data(as_text=True)
    assert "3 events held in this period." in html
    assert "2 announcements published" in html
    assert tables(html)["events-attendance-table"]["Attended"] == ["5", "2"]
    # Two fiscal years are not kept: counted now.
    html = http.get(url(gatherings, fy_from=2022, fy_to=2023)).get_data(as_text=True)
    assert "4 events held in this period." in html and "3 announcements published" in html
    f.refresh()
    html = http.get(url(gatherings)).get_data(as_text=True)
    assert "4 events held in this period." in html and "3 announcements published" in html
    t = tables(html)
    assert t["events-attendance-table"]["Attended"] == ["9", "2"]
    # Health (p1, p2, p5 and now their workshop) still shown, Energy (p4, p5) still withheld.
    assert t["events-by-sector-table"]["Health"] == ["5", "5", "80"]
    assert t["events-by-sector-table"]["Energy"] == ["—", "—", "—"]


def test_one_person_filter_reads_the_recount_s_counts(gatherings, login, users, tables):
    """Every year with one sector, region or program type: what the recount kept, the same
    as counted now; two person filters together are counted now."""
    from alumni_app.reports import event_figures, needs_cache
    from alumni_app.reports.filters import Filters
    from alumni_app.reports.queries import Scope

    office, p = gatherings.office, gatherings.people
    values = needs_cache.seated_values(office.id)
    # p1..p7's sectors, regions (p7 has none) and program types, nothing else.
    assert values == sorted([("program_type", "country_focused"), ("program_type", "issue_based"),
                             ("program_type", "young_leaders"),
                             ("region_id", gatherings.dushanbe), ("region_id", gatherings.sughd),
                             ("sector_id", gatherings.energy), ("sector_id", gatherings.health)])
    this_year = needs_cache.kept_years(date.today())[1]  # the current fiscal year, kept
    for name, value in values:
        for filters in (Filters(), Filters().for_year(this_year)):
            filters = Filters(**{**filters.__dict__, name: value})
            assert needs_cache.kept_figures(office.id, filters, "events") == (
                event_figures.count(Scope(None, office.id), filters)), (name, value)
    http = login(users["officer"])
    sughd = url(gatherings, region=gatherings.sughd)
    both = url(gatherings, region=gatherings.sughd, program_type="country_focused")
    assert tables(http.get(sughd).get_data(as_text=True))[
        "events-attendance-table"]["Attended"] == ["3", "2"]  # p3 (E5), p4, p5 (E1)
    event = f.event(office, "workshop", date(2024, 1, 20))
    for person in (p[3], p[4]):  # Sughd, country-focused
        f.place(event, person, came=True)
    db.session.commit()
    # The region alone is kept: the workshop is not there until the next recount; with the
    # program type too it is counted now (its alumni are too few to show: the events held).
    html = http.get(sughd).get_data(as_text=True)
    assert "3 events held in this period." in html
    assert tables(html)["events-attendance-table"]["Attended"] == ["3", "2"]
    assert "4 events held in this period." in http.get(both).get_data(as_text=True)
    f.refresh()
    html = http.get(sughd).get_data(as_text=True)
    assert "4 events held in this period." in html
    assert tables(html)["events-attendance-table"]["Attended"] == ["5", "2"]


def test_a_person_filter_no_one_at_the_events_had_is_counted_now(gatherings, login, users,
                                                                  tables):
    office = gatherings.office
    khatlon = f.region(office, "Khatlon")
    newcomer = f.person(office, region_id=khatlon.id)
    db.session.commit()
    page = url(gatherings, region=khatlon.id)
    http = login(users["officer"])
    assert tables(http.get(page).get_data(as_text=True))[
        "events-attendance-table"]["Attended"] == ["0", "2"]
    f.place(f.event(office, "seminar", date(2024, 3, 1)), newcomer, came=True)
    db.session.commit()
    # Not among the values the recount kept: her seminar counts at once (one person: the
    # alumni's counts are withheld, the guests stay shown).
    html = http.get(page).get_data(as_text=True)
    assert "4 events held in this period." in html
    assert tables(html)["events-attendance-table"]["Attended"] == ["—", "2"]


def _states(html: str, tables) -> dict:
    return tables(html)["messages-by-state-table"]


def test_the_delivery_log_as_the_last_recount_tallied_it_and_messages_queued_since(
        gatherings, login, users, tables):
    from alumni_app.messages.models import MessageRecipient

    http = login(users["officer"])
    p, office = gatherings.people, gatherings.office
    two_years = url(gatherings, fy_from=2022, fy_to=2023)  # not kept: counted now
    html = http.get(two_years).get_data(as_text=True)
    assert "3 bulk messages sent · 9 recipients" in html
    assert _states(html, tables)["Failed"] == ["1", "0"]
    # A message queued after the recount is counted from its log at once.
    f.bulk_message(office, "announcements", date(2023, 10, 1), [
        ("email", "sent", p[5]), ("email", "queued", p[6])])
    # The failed e-mail of a message the recount tallied is sent on a retry.
    failed = db.session.scalar(db.select(MessageRecipient).where(
        MessageRecipient.state == "failed"))
    failed.state = "sent"
    db.session.commit()
    html = http.get(two_years).get_data(as_text=True)
    assert "4 bulk messages sent · 11 recipients" in html
    states = _states(html, tables)
    assert states["Queued"] == ["1", "0"]
    assert states["Sent"] == ["5", "1"]  # 4 tallied (p1, p2, p1, p2 in 2022) + p6 new
    assert states["Failed"] == ["1", "0"]  # as the last recount found it
    f.refresh()
    states = _states(http.get(two_years).get_data(as_text=True), tables)
    assert states["Sent"] == ["6", "1"] and states["Failed"] == ["0", "0"]
    assert states["Queued"] == ["1", "0"]


def test_messages_to_every_office_count_in_the_total_through_an_office_s_recount(
        gatherings, login, users, tables):
    from alumni_app.reports.refresh import refresh_figures

    p = gatherings.people
    f.bulk_message(None, "announcements", date(2023, 6, 3), [
        ("email", "sent", p[0]), ("email", "unsubscribed", p[1]), ("telegram", "sent", p[2])])
    f.refresh()
    http = login(users["admin"])
    page = "/reports/figures?fy_from=2022&fy_to=2023"
    side = tables(http.get(page).get_data(as_text=True))["offices-table"]
    # In no office's column (KG, TJ), only in the total: TJ's 9 and the 3 to everyone.
    assert side["Recipients of bulk messages"] == ["0", "9", "12"]
    assert side["Of them, skipped as unsubscribed"] == ["0", "1", "2"]
    refresh_figures(gatherings.office.id)  # the office's recount, not every office's
    db.session.commit()
    side = tables(http.get(page).get_data(as_text=True))["offices-table"]
    assert side["Recipients of bulk messages"] == ["0", "9", "12"]
    assert side["Of them, sent (to the mail server or Telegram)"] == ["0", "5", "7"]


def _side_by_side(http, tables, **args) -> dict:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return tables(http.get(f"/reports/figures?{query}").get_data(as_text=True))["offices-table"]


def test_the_offices_side_by_side_with_their_events_and_messages(gatherings, login, users,
                                                                  tables):
    side = _side_by_side(login(users["admin"]), tables, fy_from=2023, fy_to=2023)
    assert side["Figure"] == ["KG", "TJ", "All offices"]
    # TJ: E1 and E2 (ATTENDANCE_2023); KG: its seminar, its one person invited and came.
    assert side["Events held"] == ["1", "2", "3"]
    assert side["Alumni invited by the office"] == ["1", "5", "6"]
    assert side["Alumni registered ahead"] == ["1", "5", "6"]
    assert side["Alumni who attended"] == ["1", "4", "5"]
    assert side["Guests who attended"] == ["0", "2", "2"]
    # 4 of the 6 registered came: 66.7, not the offices' rates averaged (100 and 60: 80).
    assert side["Attendance rate of the alumni registered ahead (per cent)"] == [
        "100", "60", "66.7"]
    # Announcements: KG's, TJ's two, and the one to everyone (in the total only).
    assert side["Announcements published"] == ["1", "2", "4"]
    assert side["Bulk messages sent"] == ["0", "2", "2"]
    assert side["Recipients of bulk messages"] == ["0", "8", "8"]
    assert side["Of them, sent (to the mail server or Telegram)"] == ["0", "4", "4"]
    assert side["Of them, skipped as unsubscribed"] == ["0", "1", "1"]
    every = _side_by_side(login(users["admin"]), tables)
    assert every["Events held"] == ["1", "3", "4"]  # E5 of FY 2022 too


def test_every_office_s_events_are_merged_from_each_office_s_recount(gatherings, login,
                                                                     users, tables,
                                                                     other_office):
    """Every year, unfiltered or with one person filter that every office's recount kept: the
    offices' kept counts merged, the same as every office counted now."""
    from alumni_app.reports import event_figures, needs_cache
    from alumni_app.reports.filters import Filters
    from alumni_app.reports.queries import Scope

    def same(kept, live):
        return (sorted(map(str, kept["by_kind"])) == sorted(map(str, live["by_kind"]))
                and sorted(map(str, kept["by_sector"])) == sorted(map(str, live["by_sector"]))
                and kept["withheld"] == live["withheld"])

    # KG's one person at an event works in health (no region, no course).
    this_year = needs_cache.kept_years(date.today())[1]  # the current fiscal year, kept
    for filters in (Filters(), Filters().for_year(this_year),
                    Filters(sector_id=gatherings.health)):
        kept = needs_cache.kept_figures(None, filters, "events")
        assert kept is not None and same(kept, event_figures.count(Scope(None, None), filters))
    # TJ's Sughd and program types are not KG's: counted now.
    for filters in (Filters(region_id=gatherings.sughd), Filters(program_type="issue_based")):
        assert needs_cache.kept_figures(None, filters, "events") is None
    http = login(users["admin"])
    f.place(f.event(other_office, "seminar", date(2024, 3, 1)), f.person(other_office),
            came=True)
    db.session.commit()
    assert _side_by_side(http, tables)["Events held"] == ["1", "3", "4"]  # as recounted
    assert _side_by_side(http, tables, fy_from=2022, fy_to=2023)["Events held"] == [
        "2", "3", "5"]  # two years: counted now
    f.refresh()
    assert _side_by_side(http, tables)["Events held"] == ["2", "3", "5"]


def test_the_offices_side_by_side_withhold_an_office_s_few_alumni(gatherings, login, users,
                                                                   tables):
    # Health: TJ's p1, p2 and p5 (three, and three outside it) are shown; KG's one person
    # working in health is withheld, and so is the total (it minus TJ would give KG's).
    side = _side_by_side(login(users["admin"]), tables, fy_from=2023, fy_to=2023,
                         sector=gatherings.health)
    assert side["Alumni who attended"] == ["—", "3", "—"]
    assert side["Alumni registered ahead"] == ["—", "3", "—"]
    assert side["Attendance rate of the alumni registered ahead (per cent)"] == [
        "—", "66.7", "—"]
    assert side["Events held"] == ["1", "2", "3"]  # the events, not people: shown
    assert side["Guests who attended"] == ["0", "2", "2"]


def test_the_offices_side_by_side_in_russian(gatherings, login, make_user):
    admin = make_user(role="admin", second_factor=True, preferred_language="ru")
    html = login(admin).get("/reports/figures?fy_from=2023&fy_to=2023").get_data(as_text=True)
    assert "Явка выпускников, зарегистрировавшихся заранее (в процентах)" in html
    assert "66,7" in html
    assert "Из них пропущены: отписались" in html


def test_the_side_by_side_page_runs_as_many_queries_for_another_office(
        gatherings, login, users, make_office, count_queries, tables):
    http = login(users["admin"])
    counts, offices = [], ["KG", "TJ"]
    for code in ("KZ", "UZ", None):
        count_queries.clear()
        page = http.get("/reports/figures?fy_from=2023&fy_to=2023")
        counts.append(len(count_queries))
        side = tables(page.get_data(as_text=True))["offices-table"]
        assert side["Figure"] == [*offices, "All offices"]
        assert side["Alumni who attended"][-1] == str(5 + 4 * (len(offices) - 2))
        if code is None:
            break
        third = make_office(code=code, name=f"{code} Office", country=code,
                            time_zone="Asia/Almaty", currency="KZT")
        people = [f.person(third) for _n in range(4)]
        event = f.event(third, "seminar", date(2023, 11, 1))
        for person in people:
            f.place(event, person, came=True)
        f.announcement(third, date(2023, 6, 1))
        f.bulk_message(third, "events", date(2023, 6, 2), [("email", "sent", people[0])])
        f.refresh()
        offices = sorted([*offices, code], key=lambda c: f"{c} Office" if c in ("KZ", "UZ")
                         else {"KG": "Kyrgyz Republic Office", "TJ": "Tajikistan Office"}[c])
    assert counts[0] == counts[1] == counts[2], counts


SHEET = "Events and attendance"
MESSAGES = "Announcements and bulk messages"
COMPARED = [  # (page table, sheet, the title above the table in the sheet)
    ("events-attendance-table", SHEET, "Attendance of the events held: alumni and guests apart"),
    ("events-by-kind-table", SHEET, "Attendance by kind of event"),
    ("events-by-sector-table", SHEET, "Alumni who attended, by sector of work"),
    ("messages-by-kind-table", MESSAGES, "Bulk messages by kind"),
    ("messages-by-state-table", MESSAGES, "Recipients of bulk messages by outcome"),
]


def test_the_yearly_workbook_has_the_events_and_messages_the_page_shows(gatherings, login,
                                                                         users, tables):
    http = login(users["officer"])
    office_id = gatherings.office.id
    shown = tables(http.get(url(gatherings, fy_from=2023, fy_to=2023)).get_data(as_text=True))
    response = http.get(f"/reports/offices/{office_id}/yearly.xlsx?fy=2023")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert SHEET in book.sheetnames and MESSAGES in book.sheetnames
    compared = withheld = 0
    for table_id, sheet, title in COMPARED:
        in_book = f.sheet_table(book[sheet], title)
        assert list(in_book) == list(shown[table_id]), table_id
        for label, cells in shown[table_id].items():
            if label in ("Figure", "Kind of event", "Sector", "Kind of message", "Outcome"):
                continue  # the header row
            values = in_book[label]
            if "—" in cells:  # withheld on the page: the same mark in the sheet, no number
                assert values == cells, (table_id, label)
                withheld += 1
                continue
            assert all(isinstance(v, int | float) for v in values), (table_id, label)
            assert [format_decimal(v, locale="en") for v in values] == cells, (table_id, label)
            compared += 1
    assert (compared, withheld) == (21, 2)  # Energy and no sector recorded withheld
    top = {r[0]: r[1] for r in book[SHEET].iter_rows(values_only=True, max_row=4) if r[0]}
    assert top["Events held"] == 2 and top["Cancelled"] == 1
    assert f.sheet_table(book[SHEET], "Attendance of the events held: alumni and guests apart")[
        "Attendance rate (per cent)"] == [60, 100]
    cover = {r[0]: r[1] for r in book["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Events held"] == 2 and cover["Alumni who attended"] == 4
    assert cover["Guests who attended"] == 2 and cover["Recipients"] == 8


def test_the_workbook_says_which_filters_narrow_only_the_alumni(gatherings, login, users):
    response = login(users["officer"]).get(
        f"/reports/offices/{gatherings.office.id}/yearly.xlsx?fy=2023&region={gatherings.sughd}")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    texts = [r[0] for r in book[SHEET].iter_rows(values_only=True) if r[0]]
    assert any("the events and the guests are counted whatever they are" in t for t in texts)
    texts = [r[0] for r in book[MESSAGES].iter_rows(values_only=True) if r[0]]
    assert "Not filtered by: sector, region, program type." in texts
    rows = f.sheet_table(book[SHEET], "Attendance of the events held: alumni and guests apart")
    assert rows["Attended"] == [2, 2]


def test_the_sections_in_russian(gatherings, login, make_user):
    reader = make_user(role="officer", office=gatherings.office, preferred_language="ru")
    html = login(reader).get(url(gatherings, fy_from=2023, fy_to=2023)).get_data(as_text=True)
    assert "Мероприятия и посещаемость" in html and "Объявления и массовые рассылки" in html
    assert "За этот период проведено 2 мероприятия." in html
    assert "Явка (в процентах)" in html and "66,7" in html  # Health's rate, decimal comma
    assert "Присутствовавшие выпускники по отраслям работы" in html  # the chart's title
