"""Country offices: the tenants whose staff see only their own records."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app.db import TimestampMixin
from alumni_app.extensions import db


class Office(TimestampMixin, db.Model):
    __tablename__ = "offices"
    __table_args__ = (
        sa.CheckConstraint("length(code) BETWEEN 2 AND 10", name="code_length"),
        sa.CheckConstraint("length(currency) = 3", name="currency_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    country: Mapped[str] = mapped_column(sa.String(80))
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    currency: Mapped[str] = mapped_column(sa.String(3))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Where alumni's answers to the office's bulk messages go (their Reply-To); empty: none.
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")

    def __repr__(self) -> str:
        return f"<Office {self.code}>"
