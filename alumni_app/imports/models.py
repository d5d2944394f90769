"""The import's own tables: uploads waiting for their import, and how an office's files write
its regions and sectors."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni_app.db import TimestampMixin, UTCDateTime
from alumni_app.extensions import db
from alumni_app.jobs.models import Job
from alumni_app.offices.models import Office
from alumni_app.training.models import Region, Sector

FIELDS = ("region", "sector")


class ImportAlias(TimestampMixin, db.Model):
    """A way an office writes one of its regions, or a sector, in its files."""

    __tablename__ = "import_aliases"
    __table_args__ = (
        sa.UniqueConstraint("office_id", "field", "key"),
        sa.CheckConstraint(
            "(field = 'region' AND region_id IS NOT NULL AND sector_id IS NULL) OR "
            "(field = 'sector' AND sector_id IS NOT NULL AND region_id IS NULL)",
            name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(120))  # place_names.place_key of the text
    text: Mapped[str] = mapped_column(sa.String(120))  # as the file first wrote it
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"))
    # Who chose it, on which dry run (created_at: when the file was imported).
    chosen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    office: Mapped[Office] = relationship()
    region: Mapped[Region | None] = relationship()
    sector: Mapped[Sector | None] = relationship()


class ImportUpload(TimestampMixin, db.Model):
    """A file uploaded for import, kept between its dry run and its commit.

    The file itself waits in the upload folder under `token` (never the uploader's name);
    this row says whose it is, what the last dry run found (`report`) and how the last job
    ended (`outcome`); the job's state and progress are the `jobs` row `job_id` points at.
    """

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(sa.String(120))
    ext: Mapped[str] = mapped_column(sa.String(5))
    size: Mapped[int] = mapped_column(default=0)
    # The regions and sectors staff chose for values nothing matched: {field: {key: id}}.
    chosen: Mapped[str] = mapped_column(sa.Text, default="{}")
    report: Mapped[str | None] = mapped_column(sa.Text)  # ImportReport.to_dict() as JSON
    outcome: Mapped[str | None] = mapped_column(sa.Text)  # {"kind": ..., ...} as JSON
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship()
    job: Mapped[Job | None] = relationship()

    @property
    def chosen_values(self) -> dict:
        return json.loads(self.chosen or "{}")

    @property
    def report_data(self) -> dict | None:
        return json.loads(self.report) if self.report else None

    @property
    def outcome_data(self) -> dict:
        return json.loads(self.outcome) if self.outcome else {}
