"""The office figures page: counts, filters, disclosure control, access, queries per page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from alumni_app.extensions import db
from alumni_app.plans import services as plan_services
from alumni_app.plans.models import ActionPlan, Barrier
from tests import factories
from tests.reports import factories as f


def url(ids, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/reports/offices/{ids.office.id}/figures" + (f"?{query}" if query else "")


def test_trained_counts_by_year_program_sector_region_gender_and_kind(
        figures_office, login, users, tables):
    page = login(users["officer"]).get(url(figures_office))
    assert page.status_code == 200
    t = tables(page.get_data(as_text=True))
    assert "8 ex-participants trained" in page.get_data(as_text=True)  # p1 twice; not KG
    assert t["trained-per-year-table"] == {"Fiscal year": ["Ex-participants"],
                                           "2022": ["3"], "2023": ["5"]}
    programs = t["trained-by-program-table"]
    assert programs["Training and dialogue program (issue-based)"] == ["3"]
    assert programs["Country-focused training and dialogue"] == ["4"]
    assert programs["Young leaders program"] == ["1"]
    assert programs["Long-term degree program"] == ["0"]
    assert t["trained-by-sector-table"] == {"Sector": ["Ex-participants"], "Energy": ["4"],
                                            "Health": ["4"]}
    assert t["trained-by-region-table"] == {"Region": ["Ex-participants"], "Dushanbe": ["4"],
                                            "Sughd": ["3"], "Not recorded": ["1"]}
    genders = t["trained-by-gender-table"]
    assert genders["Female"] == ["5"] and genders["Male"] == ["3"]
    kinds = t["trained-by-org-kind-table"]
    assert kinds["Government"] == ["6"] and kinds["Universities and schools"] == ["1"]
    assert kinds["NGOs"] == ["1"] and kinds["Companies"] == ["0"]


def test_filters_apply_to_every_count(figures_office, login, users, tables):
    http = login(users["officer"])
    t = tables(http.get(url(figures_office, sector=figures_office.health)).get_data(as_text=True))
    assert t["trained-by-sector-table"] == {"Sector": ["Ex-participants"], "Health": ["4"]}
    assert t["trained-per-year-table"] == {"Fiscal year": ["Ex-participants"], "2022": ["3"],
                                           "2023": ["1"]}
    t = tables(http.get(url(figures_office, region=figures_office.sughd, fy_from=2023,
                            fy_to=2023)).get_data(as_text=True))
    assert t["trained-per-year-table"] == {"Fiscal year": ["Ex-participants"], "2023": ["2"]}
    t = tables(http.get(url(figures_office, program_type="young_leaders")).get_data(
        as_text=True))
    assert t["trained-by-gender-table"]["Female"] == ["1"]
    assert t["trained-by-gender-table"]["Male"] == ["0"]


def test_odd_filter_values_are_ignored_with_a_notice_and_downloads_refuse_them(
        figures_office, login, users, other_office, tables):
    http = login(users["officer"])
    foreign_region = f.region(other_office, "Osh")
    f.refresh()
    for args, notice in [({"fy_from": "20x4"}, "a fiscal year is a year like 2024"),
                         ({"fy_from": "99999999999999999999"}, "was ignored"),
                         ({"sector": "-1"}, "sector asked for is not in the list"),
                         ({"region": foreign_region.id}, "not one of this office"),
                         ({"program_type": "<script>"}, "program type asked for does not"),
                         ({"fy_from": 2024, "fy_to": 2022}, "ends before it starts")]:
        page = http.get(url(figures_office, **args))
        assert page.status_code == 200, args
        html = page.get_data(as_text=True)
        assert notice in html, args
        assert "<script>" not in html.split("<main", 1)[1]
        download = http.get(url(figures_office, **args).replace("/figures", "/figures.xlsx"))
        if "ends before" not in notice:
            assert download.status_code == 400, args
            assert notice in download.get_data(as_text=True)
    # the swapped period is read as 2022-2024
    t = tables(http.get(url(figures_office, fy_from=2024, fy_to=2022)).get_data(as_text=True))
    assert t["trained-per-year-table"]["2022"] == ["3"]


def test_staff_see_only_their_office_and_admins_every_office(figures_office, login, users,
                                                              make_user, other_office):
    other_staff = login(make_user(role="officer", office=other_office))
    for path in ("/figures", "/figures.xlsx", "/needs", "/needs.xlsx", "/yearly.xlsx?fy=2023",
                 "/fact-sheet.pdf?fy=2023"):
        response = other_staff.get(f"/reports/offices/{figures_office.office.id}{path}")
        assert response.status_code == 404, path
    assert other_staff.get("/reports/figures").status_code == 403
    assert login(users["alumnus"]).get(url(figures_office)).status_code == 403
    assert other_staff.get("/reports").headers["Location"].endswith(
        f"/reports/offices/{other_office.id}/figures")
    admin = login(users["admin"])
    assert admin.get(url(figures_office)).status_code == 200
    assert admin.get("/reports").headers["Location"].endswith("/reports/figures")
    chosen = admin.get(f"/reports/figures?office={other_office.id}&sector=5")
    assert chosen.headers["Location"].endswith(
        f"/reports/offices/{other_office.id}/figures?sector=5")


def test_administrators_see_the_offices_side_by_side_with_the_total(figures_office, login,
                                                                     users, tables):
    page = login(users["admin"]).get("/reports/figures").get_data(as_text=True)
    side = tables(page)["offices-table"]
    assert side["Figure"] == ["KG", "TJ", "All offices"]
    assert side["Ex-participants trained"] == ["1", "8", "9"]
    assert "9 ex-participants trained" in page


def _plans(ids, statuses):
    for participation, status in zip(ids.participations, statuses, strict=False):
        f.plan(participation, status)
    f.refresh()


def test_plans_by_status_are_withheld_while_a_course_has_one_or_two_authors(
        figures_office, login, users, tables):
    # C1: three authors; C2: two (p4, p5): too few, so the office's breakdown is withheld.
    _plans(figures_office, ["in_progress", "completed", "stalled", "in_progress", "stalled"])
    http = login(users["officer"])
    html = http.get(url(figures_office)).get_data(as_text=True)
    assert "5 action plans" in html and "How they stand is not shown" in html
    assert tables(html)["plans-by-status-table"]["In progress"] == ["—"]
    assert 'id="plans-by-status-title"' not in html  # no chart of withheld figures
    # C2 alone (by its sector) is withheld; C1 alone is shown.
    t = tables(http.get(url(figures_office, sector=figures_office.health)).get_data(
        as_text=True))
    assert t["plans-by-status-table"]["Completed"] == ["1"]
    # A third author on C2: every course shows, so does the office.
    f.plan(figures_office.participations[5], "completed")
    f.refresh()
    t = tables(http.get(url(figures_office)).get_data(as_text=True))
    assert t["plans-by-status-table"]["In progress"] == ["2"]
    assert t["plans-by-status-table"]["Stalled"] == ["2"]
    assert t["plans-by-status-table"]["Completed"] == ["2"]


def test_a_region_filter_withholds_what_the_unfiltered_page_minus_it_would_reveal(
        figures_office, login, users, tables):
    # C2's four people all wrote plans: Sughd has p4 and p5 (two), Dushanbe p6, none p7.
    _plans(figures_office, ["in_progress"] * 3 + ["completed", "stalled", "draft", "draft"])
    http = login(users["officer"])
    t = tables(http.get(url(figures_office)).get_data(as_text=True))
    assert t["plans-by-status-table"]["Draft"] == ["2"]  # every course has 3 or 4 authors
    t = tables(http.get(url(figures_office, region=figures_office.sughd)).get_data(
        as_text=True))
    assert t["plans-by-status-table"]["Completed"] == ["—"]


def test_recent_updates_activities_reach_and_the_multiplier(figures_office, login, users):
    _plans(figures_office, ["in_progress", "completed", "stalled"])
    recent, old = datetime.now(UTC) - timedelta(days=20), datetime.now(UTC) - timedelta(days=300)
    for plan, when in zip(db.session.scalars(db.select(ActionPlan).order_by(ActionPlan.id)),
                          (recent, recent, old), strict=True):
        plan.last_update_at = when
    f.activity(figures_office.participations[0], total=30, women=10, men=20,
               sector_id=figures_office.health, region_id=figures_office.dushanbe)
    f.activity(figures_office.participations[3], total=12, women=6, men=6,
               sector_id=figures_office.energy, region_id=figures_office.sughd)
    f.refresh()
    html = login(users["officer"]).get(url(figures_office)).get_data(as_text=True)
    assert "2 of them (66.7 per cent) had an update in the last six months" in html
    assert "2 activities" in html and "42 people reached" in html
    assert "5.3 people reached per ex-participant" in html  # 42 / 8 courses taken
    assert re.search(r"Health</th><td[^>]*>30</td><td[^>]*>1</td><td[^>]*>7.5", html)  # 30/4


def test_the_page_runs_the_same_number_of_queries_for_more_data(
        app, office, login, users, count_queries):
    http = login(users["officer"])
    counts = {}
    for size in (1, 12):
        _grow(office, users, size)
        count_queries.clear()
        page = http.get(f"/reports/offices/{office.id}/figures")
        assert page.status_code == 200
        counts[size] = len(count_queries)
        events = {1: "1 event held", 12: "13 events held"}[size]
        recipients = {1: "8 recipients", 12: "104 recipients"}[size]
        assert events in page.get_data(as_text=True)
        assert recipients in page.get_data(as_text=True)
    assert counts[1] == counts[12], counts


def _grow(office, users, size: int) -> None:
    """`size` more courses, each with 4 people, plans, updates, activities and a grant."""
    plan_services.ensure_default_barriers()
    barriers = db.session.scalars(db.select(Barrier.id).order_by(Barrier.id)).all()
    sector = f.sector(f"Sector {size}")
    region = f.region(office, f"Region {size}")
    records = []
    for n in range(size):
        course = f.course(2015 + n % 8, sector.id, "issue_based", f"Host {n}")
        call = f.call(office, budget="50000.00", opens_on=date(2016 + n % 8, 5, 1))
        for k in range(4):
            record = f.person(office, gender=("female", "male")[k % 2], region_id=region.id,
                              sectors=[sector.id])
            part = f.took(record, course)
            plan = f.plan(part, "in_progress")
            f.update(plan, barriers=[barriers[k % 3]], check_in_month=3, support="help")
            f.activity(part, total=10, sector_id=sector.id, region_id=region.id)
            grant = f.application(call, record, factories.make_user(role="alumnus"),
                                  requested="1000.00", approved="900.00", usd_rate="0.09",
                                  decider=users["manager"])
            f.paid(grant, "500.00", date(2016 + n % 8, 8, 1))
            records.append(record)
        _gatherings(office, records[-4:], n, date(2016 + n % 8, 10, 1))
    f.refresh()


def _gatherings(office, records, n: int, on: date) -> None:
    """An event with the course's people (one came, one walked in) and a guest, and a bulk
    message to them on two channels."""
    event = f.event(office, ("seminar", "workshop", "annual_meeting")[n % 3], on)
    for k, record in enumerate(records):
        f.place(event, record, source="walk_in" if k == 3 else "invited", came=k % 2 == 1)
    f.place(event, f.guest(office, f"Guest{event.id}"), came=True)
    f.announcement(office, on)
    f.bulk_message(office, "events", on, [(channel, state, record) for record, state in zip(
        records, ("sent", "failed", "bounced", "unsubscribed"), strict=True)
        for channel in ("email", "telegram")])


def test_every_figure_has_a_chart_readable_by_screen_readers(figures_office, login, users):
    response = login(users["officer"]).get(url(figures_office))
    html = response.get_data(as_text=True)
    # Charts: every SVG but the decorative icons hidden from screen readers (the menu's).
    svgs = [svg for svg in re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)
            if 'aria-hidden="true"' not in svg.split(">", 1)[0]]
    assert len(svgs) >= 6
    for svg in svgs:
        labelled = re.search(r'role="img" aria-labelledby="([^" ]+) ([^"]+)"', svg)
        assert labelled, svg[:200]
        assert f'<title id="{labelled[1]}">' in svg and f'<desc id="{labelled[2]}">' in svg
        assert " style=" not in svg and "<style" not in svg and "<script" not in svg
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert "largest is Energy with 4 ex-participants" in html  # the description


def test_charts_and_numbers_in_russian(figures_office, login, make_user, office):
    f.activity(figures_office.participations[0], total=1234, women=600, men=634,
               sector_id=figures_office.health, region_id=figures_office.dushanbe)
    f.refresh()
    reader = make_user(role="officer", office=office, preferred_language="ru")
    html = login(reader).get(url(figures_office)).get_data(as_text=True)
    assert "Здравоохранение" in html and "Душанбе" in html
    assert "Бывшие участники по отраслям курсов" in html  # a chart's title
    assert "Финансовый год" in html  # an axis
    assert "1\xa0234" in html  # Russian digit grouping
    assert "154,3" in html  # 1 234 people reached / 8 courses taken, decimal comma
    assert figures_office.courses[0].code not in html  # courses are counted, never named


def test_figures_count_what_was_there_at_the_last_recount(figures_office, login, users, app):
    newcomer = f.person(figures_office.office, gender="male")
    f.took(newcomer, figures_office.courses[1])
    db.session.commit()
    http = login(users["officer"])
    page = http.get(url(figures_office)).get_data(as_text=True)
    assert "8 ex-participants trained" in page and "Counted at" in page
    reply = http.post(f"/reports/offices/{figures_office.office.id}/refresh",
                      data={"sector": figures_office.energy, "bogus": "x"})
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(
        f"/reports/offices/{figures_office.office.id}/figures?sector={figures_office.energy}")
    assert "9 ex-participants trained" in http.get(url(figures_office)).get_data(as_text=True)
    f.took(f.person(figures_office.office), figures_office.courses[0])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["refresh-figures", "--office", "tj"])
    assert result.exit_code == 0, result.output
    assert "10 ex-participants trained" in http.get(url(figures_office)).get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["refresh-figures", "--office", "XX"]).exit_code


def test_other_offices_cannot_recount_an_office(figures_office, login, make_user, other_office,
                                                users):
    other = login(make_user(role="officer", office=other_office))
    assert other.post(f"/reports/offices/{figures_office.office.id}/refresh").status_code == 404
    assert other.post("/reports/refresh").status_code == 403
    assert login(users["admin"]).post("/reports/refresh").status_code == 303
