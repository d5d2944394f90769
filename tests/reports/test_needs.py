"""Needs for next year's course requests: barriers and support, ranked; host institutions."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl

from alumni_app.extensions import db
from alumni_app.plans.models import Barrier


def _barrier(name: str) -> int:
    return db.session.scalar(db.select(Barrier.id).where(Barrier.name_en == name))


def _report(ids, who: list[int], barriers: list[str], support: dict | None = None,
            posted_on=date(2024, 5, 1)):
    from tests.reports import factories as f

    for index in who:
        plan = f.plan(ids.participations[index], "in_progress")
        f.update(plan, barriers=[_barrier(b) for b in barriers],
                 support=(support or {}).get(index, ""), posted_on=posted_on)
    db.session.commit()
    f.refresh()  # the recount keeps the needs' counts, as it keeps the figures'


def _page(login, users, ids, tables, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    html = login(users["officer"]).get(
        f"/reports/offices/{ids.office.id}/needs?{query}").get_data(as_text=True)
    return html, tables(html)


def test_barriers_and_support_ranked_by_sector(figures_office, login, users, tables):
    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    _report(figures_office, [0, 1, 2], [names[0]], support={1: "A trainer, please"})
    _report(figures_office, [3, 4, 5], [names[0], names[1]])
    html, t = _page(login, users, figures_office, tables)
    sectors = t["needs-by-sector"]
    assert sectors["Energy"] == ["3", "0", f"{names[0]} 3, {names[1]} 3"]
    assert sectors["Health"] == ["3", "1", f"{names[0]} 3"]
    assert sectors["All sectors"] == ["6", "1", f"{names[0]} 6, {names[1]} 3"]
    assert "Person" not in html  # no names of people
    # Reported before the period chosen: not counted.
    _html, t = _page(login, users, figures_office, tables, fy_from=2025)
    assert "Energy" not in t["needs-by-sector"]


def test_a_sector_with_a_course_of_one_or_two_reporting_is_withheld(figures_office, login,
                                                                    users, tables):
    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    _report(figures_office, [0, 1, 2], [names[0]])
    _report(figures_office, [3, 4], [names[2]])  # two people on C2
    _html, t = _page(login, users, figures_office, tables)
    assert t["needs-by-sector"]["Energy"] == ["2", "0", "— not shown"]
    assert t["needs-by-sector"]["Health"] == ["3", "0", f"{names[0]} 3"]
    assert t["needs-by-sector"]["All sectors"][2] == "— not shown"


def test_small_organizations_are_pooled_so_that_none_can_be_worked_out(figures_office, login,
                                                                       users, tables):
    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    _report(figures_office, [4, 5, 6], [names[0]])  # Ministry of Energy: three people
    _report(figures_office, [0], [names[1]])  # Ministry of Health: one
    _html, t = _page(login, users, figures_office, tables)
    # The pool of one would be the total minus the Ministry of Energy: it takes that one in.
    assert t["needs-by-organization"] == {
        "Organization": ["People reporting barriers", "Plans asking for support",
                         "Barriers reported (plans), most reported first"],
        "Other organizations (fewer than 3 people each)": [
            "4", "0", f"{names[0]} 3, {names[1]} 1"]}
    _report(figures_office, [1, 2], [names[1]])  # now three in the pool
    _html, t = _page(login, users, figures_office, tables)
    assert t["needs-by-organization"]["Ministry of Energy"] == ["3", "0", f"{names[0]} 3"]
    assert t["needs-by-organization"]["Other organizations (fewer than 3 people each)"] == [
        "3", "0", f"{names[1]} 3"]


def test_host_institutions_feedback_and_the_download(figures_office, login, users, tables):
    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    _report(figures_office, [0, 1, 2, 3, 4, 5], [names[0]])
    _html, t = _page(login, users, figures_office, tables)
    hosts = t["hosts-table"]
    assert hosts["Host A"][:3] == ["2", "3", "3"]  # C1 and C3; p1, p2, p3; three plans
    assert hosts["Host A"][3] == "In progress 3" and hosts["Host A"][4] == f"{names[0]} 3"
    assert hosts["Host B"][:3] == ["1", "4", "3"]
    response = login(users["officer"]).get(
        f"/reports/offices/{figures_office.office.id}/needs.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Cover", "Barriers and needs", "Host institutions"]
    rows = {r[0]: r for r in book["Host institutions"].iter_rows(values_only=True)}
    assert rows["Host B"][1:4] == (1, 4, 3)
    needs = {r[0]: r for r in book["Barriers and needs"].iter_rows(values_only=True)}
    assert needs["Energy"][1] == 3


def test_the_page_reads_the_kept_counts_and_counts_other_filters_now(figures_office, login,
                                                                     users, tables):
    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    _report(figures_office, [3, 4, 5], [names[0]], posted_on=date(2024, 5, 1))
    from tests.reports import factories as f

    for index in (0, 1, 2):  # reported after the recount: not in the kept counts yet
        f.update(f.plan(figures_office.participations[index], "in_progress"),
                 barriers=[_barrier(names[1])], posted_on=date(2024, 6, 1))
    db.session.commit()
    html, t = _page(login, users, figures_office, tables)
    assert "Counted at" in html and "Health" not in t["needs-by-sector"]
    assert t["needs-by-sector"]["Energy"] == ["3", "0", f"{names[0]} 3"]
    # A sector chosen: counted now, so the latest reports are in.
    html, t = _page(login, users, figures_office, tables, sector=figures_office.health)
    assert "Counted now" in html and t["needs-by-sector"]["Health"][0] == "3"
    f.refresh()
    _html, t = _page(login, users, figures_office, tables)
    assert t["needs-by-sector"]["Health"] == ["3", "0", f"{names[1]} 3"]


def _discussion(office, starts: datetime, barrier_sets: list[list[str]], state="finished"):
    """An event of `office` begun at `starts` whose one session has a note per barrier set."""
    from alumni_app.events.models import AgendaSession, Event, SessionNote

    event = Event(office_id=office.id, kind="annual_meeting", title_en="Annual meeting",
                  starts_at=starts, ends_at=starts + timedelta(hours=6), state=state)
    session = AgendaSession(event=event, starts_at=starts, title_en="Challenges and needs")
    db.session.add_all([event, session])
    for names in barrier_sets:
        db.session.add(SessionNote(session=session, kind="challenge", text="Noted",
                                   barriers=[db.session.get(Barrier, _barrier(n))
                                             for n in names]))
    db.session.commit()
    from tests.reports import factories as f

    f.refresh()  # the recount keeps them with the needs' counts


def test_barriers_named_in_event_discussions_are_counted_beside(figures_office, login, users,
                                                                  tables, other_office):
    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    june_2024 = datetime(2024, 6, 10, 4, tzinfo=UTC)  # fiscal year 2024
    _discussion(figures_office.office, june_2024, [[names[0], names[1]], [names[0]], []])
    _discussion(figures_office.office, june_2024, [[names[2]]], state="cancelled")
    _discussion(other_office, june_2024, [[names[3]]])
    expected = {"Barrier": ["Discussion notes naming it"], names[0]: ["2"], names[1]: ["1"]}
    html, t = _page(login, users, figures_office, tables)
    assert t["needs-discussed"] == expected
    # A sector chosen does not narrow a discussion; a period without events shows none.
    _html, t = _page(login, users, figures_office, tables, sector=figures_office.health)
    assert t["needs-discussed"] == expected
    html, t = _page(login, users, figures_office, tables, fy_from=2025)
    assert "needs-discussed" not in t
    assert "No barriers were noted in event discussions in this period." in html
    response = login(users["officer"]).get(
        f"/reports/offices/{figures_office.office.id}/needs.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Barriers and needs"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0]]
    title = next(i for i, r in enumerate(rows) if r[0] == "Barriers raised in event discussions")
    assert rows[title + 2][:2] == (names[0], 2) and rows[title + 3][:2] == (names[1], 1)


def test_counts_kept_before_discussions_were_counted_are_counted_again(figures_office, login,
                                                                        users, tables):
    """A snapshot kept by an earlier version has no discussions: the page counts now rather
    than say that none were noted."""
    import json

    from alumni_app.reports.models import NeedsSnapshot

    names = [b.name_en for b in db.session.scalars(db.select(Barrier).order_by(Barrier.id))]
    _discussion(figures_office.office, datetime(2024, 6, 10, 4, tzinfo=UTC), [[names[0]]])
    snapshots = db.session.scalars(db.select(NeedsSnapshot)).all()
    assert snapshots
    for kept in snapshots:
        data = json.loads(kept.data)
        del data["needs"]["discussed"]
        kept.data = json.dumps(data)
    db.session.commit()
    html, t = _page(login, users, figures_office, tables)
    assert "Counted now" in html and t["needs-discussed"][names[0]] == ["1"]
