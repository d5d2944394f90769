"""Jobs for tests, and the URL arguments of the jobs page's routes."""

from __future__ import annotations

import json
from datetime import timedelta

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs.models import Job


def make_job(kind: str = "auth.prune_sessions", state: str = "failed", *, args=(),
             office=None, actor=None, minutes_ago: int = 5, **values) -> Job:
    started = utcnow() - timedelta(minutes=minutes_ago)
    job = Job(kind=kind, state=state, params=json.dumps(list(args)),
              office_id=getattr(office, "id", None), actor_id=getattr(actor, "id", None),
              attempts=values.pop("attempts", 1), created_at=started, started_at=started,
              heartbeat_at=values.pop("heartbeat_at", started),
              finished_at=None if state in ("running", "retrying") else started, **values)
    db.session.add(job)
    db.session.commit()
    return job


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    if endpoint and not endpoint.startswith("jobs."):
        return {}
    return {"job_id": make_job(office=office, error="OperationalError: database is locked").id}
