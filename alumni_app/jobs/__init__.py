"""Background work on a task queue (Huey): the queue, job tracking and the worker.

Features declare their tasks in `<feature>/tasks.py` with `task()`; `flask worker` runs them.
"""

from huey import crontab

from alumni_app.jobs.queue import QUEUE_ERRORS, TASKS, enqueue, huey, queue_length
from alumni_app.jobs.tracking import needs_run, progress, run_tracked, task

__all__ = ["QUEUE_ERRORS", "TASKS", "crontab", "enqueue", "huey", "needs_run", "progress",
           "queue_length", "run_tracked", "task"]
