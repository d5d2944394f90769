"""Erasure in the Mini-Grant Scheme: the grant records stay, the erased person's name goes.

Amounts, states, reports and the texts of applications are grant records the office must keep
(issue: "keeping counts and grant records intact"). What names the person to everybody else
on a grant's pages goes: the timeline's messages (a co-applicant invited, confirmed, declined
or removed) and the team lists kept in each submitted version. The account itself is renamed
by alumni.privacy, so every page that shows `user.display_name` shows the placeholder.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.grants.models import ApplicationVersion, GrantApplication, GrantEvent, TeamMember


def erase_person(actor, user, record) -> None:
    """Replace the person's name on the grants they applied for or joined."""
    from alumni_app.alumni.privacy import ERASED_NAME

    name = (user.display_name or "").strip()
    if not name:
        return
    erased = ERASED_NAME.format(id=user.id)
    applications = sa.union(
        sa.select(GrantApplication.id).where(GrantApplication.applicant_id == user.id),
        sa.select(TeamMember.application_id).where(TeamMember.user_id == user.id)).subquery()
    ids = sa.select(applications.c[0])
    for event in db.session.scalars(sa.select(GrantEvent).where(
            GrantEvent.application_id.in_(ids),
            GrantEvent.message.contains(name, autoescape=True))):
        event.message = event.message.replace(name, erased)
    for version in db.session.scalars(sa.select(ApplicationVersion).where(
            ApplicationVersion.application_id.in_(ids))):
        snapshot, renamed = json.loads(version.snapshot), False
        for member in snapshot.get("team") or []:
            if member.get("name") == name:
                member["name"], renamed = erased, True
        if renamed:
            version.snapshot = json.dumps(snapshot, ensure_ascii=False)
    db.session.flush()
