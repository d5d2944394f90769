"""The figures are recounted on the queue's schedule; "Recount now" queues a large office's."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.jobs.models import Job
from alumni_app.reports.models import FigureRefresh, TrainingCell
from alumni_app.reports.tasks import recount_on_schedule
from tests import factories
from tests.reports import factories as f


def _people(office) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(TrainingCell.people), 0))
                             .where(TrainingCell.office_id == office.id))


def test_the_schedule_recounts_every_office(app, figures_office, other_office):
    db.session.execute(sa.delete(FigureRefresh))
    db.session.execute(sa.delete(TrainingCell))
    db.session.commit()
    recount_on_schedule.call_local()
    assert _people(figures_office.office) == 8
    counted = db.session.scalars(sa.select(FigureRefresh.office_id)).all()
    assert sorted(counted) == sorted([figures_office.office.id, other_office.id])


def test_recount_now_runs_in_the_request_for_a_small_office(app, figures_office, login,
                                                             users):
    office = figures_office.office
    reply = login(users["officer"]).post(f"/reports/offices/{office.id}/refresh",
                                         follow_redirects=True)
    assert "The figures were recounted." in reply.get_data(as_text=True)
    assert _people(office) == 8
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_recount_now_queues_a_large_office_shown_on_the_jobs_page(
        app, figures_office, login, users, task_queue):
    office = figures_office.office
    f.refresh()
    app.config["FIGURES_INLINE_MAX_ROWS"] = 5  # the office counts 8 courses taken
    factories.make_record(office)  # not counted until the recount
    counted = sa.select(FigureRefresh.refreshed_at).where(FigureRefresh.office_id == office.id)
    before = db.session.scalar(counted)
    reply = login(users["officer"]).post(f"/reports/offices/{office.id}/refresh",
                                         follow_redirects=True)
    assert "The recount was queued" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(counted) == before
    assert task_queue.run_all() == 1
    job = db.session.scalar(sa.select(Job))
    assert (job.kind, job.state, job.office_id, job.actor_id) == (
        "reports.refresh", "done", office.id, users["officer"].id)
    assert db.session.scalar(counted) > before
    jobs_page = login(users["admin"]).get("/admin/jobs").get_data(as_text=True)
    assert "Recount the figures" in jobs_page
