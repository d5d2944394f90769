"""Jobs as operators see them, and the heartbeats of the workers that run them."""

from __future__ import annotations

import enum
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alumni_app.db import UTCDateTime, utcnow
from alumni_app.extensions import db


class JobState(enum.StrEnum):
    QUEUED = "queued"  # an operator asked for it again; a worker has not taken it yet
    RUNNING = "running"
    RETRYING = "retrying"  # it failed and the queue tries it again after a wait
    DONE = "done"
    FAILED = "failed"  # it failed every time it was tried
    INTERRUPTED = "interrupted"  # its worker stopped or died while it ran


# A job in these states may be taken by a worker; a retry button is offered for the last two.
TAKEABLE = (JobState.QUEUED, JobState.RETRYING, JobState.FAILED, JobState.INTERRUPTED)
RETRYABLE = (JobState.FAILED, JobState.INTERRUPTED)


class Job(db.Model):
    """One run of a background task: what, for whom, how far, and how it ended.

    `key` makes a job idempotent: the day's reminders of an office run once, whoever asks.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'retrying', 'done', 'failed', 'interrupted')",
            name="state_known"),
        sa.Index("ix_jobs_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    state: Mapped[str] = mapped_column(sa.String(20), default=JobState.RUNNING.value)
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    task_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    office_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("offices.id", ondelete="SET NULL"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The task's arguments (ids, dates as text), so the job can be queued again.
    params: Mapped[str] = mapped_column(sa.Text, default="[]")
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None] = mapped_column()
    counts: Mapped[str] = mapped_column(sa.Text, default="{}")
    error: Mapped[str | None] = mapped_column(sa.String(1000))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def arguments(self) -> list:
        return json.loads(self.params or "[]")

    @property
    def count_items(self) -> list[tuple[str, int]]:
        return sorted(json.loads(self.counts or "{}").items())


class WorkerHeartbeat(db.Model):
    """A worker process (host:pid), written when it starts and every WORKER_HEARTBEAT_SECONDS."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    workers: Mapped[int] = mapped_column(default=1)
    runs_schedule: Mapped[bool] = mapped_column(default=True)
