"""Grant money in each call's currency and in USD and JPY at monthly rates; the rates page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.reports.models import ExchangeRate
from tests import factories
from tests.reports import factories as f


def _grant(office, users, *, currency="TJS", usd_rate="0.0915", title="Mini-Grant Scheme"):
    call = f.call(office, currency=currency, budget="100000.00", opens_on=date(2024, 5, 10),
                  title=title)
    record = f.person(office)
    grant = f.application(call, record, factories.make_user(role="alumnus"),
                          requested="1000.00", approved="900.00", usd_rate=usd_rate,
                          submitted_on=date(2024, 6, 3), decided_on=date(2024, 7, 20),
                          decider=users["manager"])
    f.paid(grant, "500.00", date(2024, 8, 5))
    f.refunded(grant, "100.00", date(2024, 10, 2))
    return call


def _page(login, users, office, tables):
    html = login(users["officer"]).get(f"/reports/offices/{office.id}/figures").get_data(
        as_text=True)
    return html, tables(html)["money-table"]


def test_each_amount_is_converted_at_its_month_and_a_missing_rate_shows_as_missing(
        app, office, users, login, tables):
    _grant(office, users)
    f.rate("TJS", date(2024, 5, 1), usd="0.09", jpy="14")
    f.rate("TJS", date(2024, 6, 1), usd="0.091", jpy="14.1")
    f.rate("TJS", date(2024, 7, 1), usd="0.5", jpy="14.2")  # not the rate at approval
    f.rate("TJS", date(2024, 8, 1), usd="0.092", jpy="14.3")
    db.session.commit()  # no rate for October 2024: the refund's month
    _html, money = _page(login, users, office, tables)
    assert money["Mini-Grant Scheme 1 application"] == [
        "TJS", "100,000.00", "1,000.00", "900.00", "500.00", "100.00"]
    assert money["USD"] == ["9,000.00 rate of May 2024", "91.00 rate of Jun 2024",
                            "82.35 rate of Jul 2024", "46.00 rate of Aug 2024",
                            "rate missing for 1 amount"]
    assert money["JPY"] == ["1,400,000 rate of May 2024", "14,100 rate of Jun 2024",
                            "12,780 rate of Jul 2024", "7,150 rate of Aug 2024",
                            "rate missing for 1 amount"]
    assert money["Total converted to USD"][-1] == "rate missing for 1 amount"


def test_a_usd_call_is_never_converted_with_the_rate_typed_at_approval(
        app, office, users, login, tables):
    _grant(office, users, currency="USD", usd_rate="0.5")
    for month in (5, 6, 7, 8, 10):
        f.rate("USD", date(2024, month, 1), jpy="150")
    db.session.commit()
    _html, money = _page(login, users, office, tables)
    assert money["Mini-Grant Scheme 1 application"][:5] == [
        "USD", "100,000.00", "1,000.00", "900.00", "500.00"]
    assert money["USD"][:4] == ["100,000.00", "1,000.00", "900.00", "500.00"]
    assert money["JPY"][2] == "135,000 rate of Jul 2024"


def test_sums_are_per_currency_and_never_mixed(app, office, users, login, tables):
    _grant(office, users, title="In somoni")
    _grant(office, users, currency="KGS", title="In soms")
    db.session.commit()
    _html, money = _page(login, users, office, tables)
    assert money["Total in KGS"] == ["KGS", "100,000.00", "1,000.00", "900.00", "500.00",
                                     "100.00"]
    assert money["Total in TJS"][1] == "100,000.00"
    assert not any("200,000.00" in cell for row in money.values() for cell in row)


def test_administrators_keep_the_rates(app, users, login):
    admin = login(users["admin"])
    form = {"currency": "TJS", "month": "2024-11", "usd": "0,0915", "jpy": "14,1"}
    assert admin.post("/admin/rates/new", data=form).status_code == 302
    rate = db.session.scalar(sa.select(ExchangeRate))
    assert (rate.month, str(rate.usd), str(rate.jpy)) == (date(2024, 11, 1), "0.091500",
                                                          "14.100000")
    again = admin.post("/admin/rates/new", data=form)
    assert again.status_code == 400
    assert "This month already has a rate for TJS" in again.get_data(as_text=True)
    for data, message in [({**form, "month": "2024-13"}, "Enter the month, like 2026-04."),
                          ({**form, "month": "2025-01", "usd": "-1"}, "cannot be negative"),
                          ({**form, "month": "2025-01", "usd": "", "jpy": ""},
                           "in US dollars, in yen or both"),
                          ({"currency": "USD", "month": "2025-01", "usd": "2", "jpy": "150"},
                           "A dollar is a dollar")]:
        response = admin.post("/admin/rates/new", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeRate)) == 1
    assert admin.post(f"/admin/rates/{rate.id}", data={**form, "usd": "0.092"}).status_code == 302
    db.session.refresh(rate)
    assert str(rate.usd) == "0.092000"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("rate.added", "rate.changed")))) == 2
    assert "0.092" in admin.get("/admin/rates").get_data(as_text=True)
    for role in ("officer", "manager", "alumnus"):
        assert login(users[role]).get("/admin/rates").status_code == 403
        assert login(users[role]).post("/admin/rates/new", data=form).status_code == 403
