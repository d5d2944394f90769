"""The demo data makes the figures pages show real charts, with every rate they need."""

from __future__ import annotations

import re

import sqlalchemy as sa

from alumni_app import demo
from alumni_app.accounts.models import User
from alumni_app.extensions import db


def test_the_demo_figures_show_charts_and_money_in_usd_and_jpy(app, login, tables):
    demo.seed()
    db.session.commit()
    # The administrator first: the test's app context keeps the first request's language.
    admin = db.session.scalar(sa.select(User).filter_by(email="admin@example.org"))
    page = login(admin).get("/reports/figures").get_data(as_text=True)
    side = tables(page)["offices-table"]
    assert side["Figure"] == ["KZ", "KG", "TJ", "All offices"]
    for row in ("Approved, in USD", "Approved, in JPY", "Disbursed, in USD"):
        assert all(value not in ("0", "—", "rate missing") for value in side[row]), row
    # Dollars with their cents, yen in whole units, as everywhere else money is shown.
    for row in ("Approved, in USD", "Disbursed, in USD"):
        assert all(re.fullmatch(r"[\d,]+\.\d\d", value) for value in side[row]), side[row]
    assert all(re.fullmatch(r"[\d,]+", value) for value in side["Approved, in JPY"])
    officer = db.session.scalar(sa.select(User).filter_by(email="officer.tj@example.org"))
    html = login(officer).get(f"/reports/offices/{officer.office_id}/figures").get_data(
        as_text=True)
    for chart in ("trained-per-year", "plans-by-status", "reach-by-sector", "money-per-call",
                  "retention", "events-by-kind", "events-by-sector", "messages-by-state"):
        assert f'<title id="{chart}-title">' in html, chart
    # The page is in Russian here (see above): rows by their place. Attended, then Sent.
    attendance = list(tables(html)["events-attendance-table"].values())
    assert all(int(n) > 0 for n in attendance[4]), attendance  # the past meeting and seminar
    assert int(list(tables(html)["messages-by-state-table"].values())[2][0]) > 0
