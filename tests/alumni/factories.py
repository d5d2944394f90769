"""URL arguments of the record-part routes: an earlier post and a participation of the record."""

from __future__ import annotations

from alumni_app.alumni.models import RecordPosition
from alumni_app.extensions import db
from alumni_app.training.models import Participation
from tests import factories


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """An earlier post and a participation of the record `values` points at."""
    if endpoint and not endpoint.startswith("record_parts."):
        return {}
    post = RecordPosition(record_id=values["record_id"], organization="Ministry of Energy")
    participation = Participation(record_id=values["record_id"],
                                  course_id=factories.make_course().id)
    db.session.add_all([post, participation])
    db.session.commit()
    return {"post_id": post.id, "participation_id": participation.id}
