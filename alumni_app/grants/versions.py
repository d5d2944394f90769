"""An application's submitted versions: what it said at each submission, kept as plain data."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants.models import ApplicationVersion, GrantApplication

TEXT_FIELDS = ("title", "summary", "problem", "objectives", "activities", "target_group")


def snapshot(application: GrantApplication) -> dict:
    """What the application says now, as plain data (a version keeps this)."""
    region = application_region_name(application)
    return {
        **{name: getattr(application, name) or "" for name in TEXT_FIELDS},
        "starts_on": _iso(application.starts_on), "ends_on": _iso(application.ends_on),
        "region": region, "people_to_reach": application.people_to_reach,
        "language": application.language,
        "plan": application_plan_title(application),
        "budget": [{"category": line.category, "description": line.description,
                    "quantity": str(line.quantity), "unit_cost": str(line.unit_cost),
                    "total": str(line.total)} for line in application.budget_lines],
        "total": str(application.budget_total),
        "team": [{"name": m.user.display_name, "role": m.role, "state": m.state}
                 for m in application.team],
        "files": [f.original_name for f in application.files],
    }


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def application_region_name(application: GrantApplication) -> str:
    from alumni_app.training.models import Region

    region = db.session.get(Region, application.region_id) if application.region_id else None
    return region.name_en if region else ""


def application_plan_title(application: GrantApplication) -> str:
    from alumni_app.plans.models import ActionPlan

    plan = db.session.get(ActionPlan, application.plan_id) if application.plan_id else None
    return plan.title if plan else ""


def keep_version(actor, application: GrantApplication) -> ApplicationVersion:
    number = (db.session.scalar(sa.select(sa.func.max(ApplicationVersion.number)).where(
        ApplicationVersion.application_id == application.id)) or 0) + 1
    version = ApplicationVersion(application_id=application.id, number=number,
                                 submitted_by_id=actor.id,
                                 snapshot=json.dumps(snapshot(application), ensure_ascii=False))
    db.session.add(version)
    db.session.flush()
    return version


def versions(application: GrantApplication) -> list[ApplicationVersion]:
    return list(db.session.scalars(
        sa.select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
        .order_by(ApplicationVersion.number)))
