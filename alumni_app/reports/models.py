"""Exchange rates per month, which administrators keep, to show grant money in USD and JPY."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app.db import TimestampMixin
from alumni_app.extensions import db
from alumni_app.grants.models import RATE

# Headquarters' currencies: every amount is also shown in these.
HQ_CURRENCIES = ("USD", "JPY")


class ExchangeRate(TimestampMixin, db.Model):
    """What one unit of a currency was worth in US dollars and in yen during one month.

    The same convention as the rate a manager records at approval (GrantApplication.usd_rate:
    1 unit of the currency in USD, 6 decimal places). A currency's own column stays empty:
    1 USD is 1 USD whatever is typed, so a USD row only says what a dollar was in yen.
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("currency", "month"),
        sa.CheckConstraint("length(currency) = 3", name="currency_length"),
        sa.CheckConstraint("usd IS NULL OR usd > 0", name="usd_positive"),
        sa.CheckConstraint("jpy IS NULL OR jpy > 0", name="jpy_positive"),
        sa.CheckConstraint("usd IS NOT NULL OR jpy IS NOT NULL", name="some_rate"),
        sa.CheckConstraint("currency <> 'USD' OR usd IS NULL", name="usd_not_in_usd"),
        sa.CheckConstraint("currency <> 'JPY' OR jpy IS NULL", name="jpy_not_in_jpy"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    month: Mapped[date] = mapped_column(sa.Date())  # the first day of the month
    usd: Mapped[Decimal | None] = mapped_column(RATE)  # 1 unit of the currency in USD
    jpy: Mapped[Decimal | None] = mapped_column(RATE)  # 1 unit of the currency in JPY
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
