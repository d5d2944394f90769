"""What the dashboards list: staff's work waiting (WorkItem) and an alumnus's next steps (NextStep).

Providers are registration hooks (alumni_app/hooks.py, kinds WORK_ITEMS and NEXT_STEPS): each
feature registers functions that take the user and return what that user can act on
(`<feature>/work.py`, registered by create_app in `register_dashboard_items`), so this module
imports no feature. A provider counts in SQL with
a fixed number of statements, whatever the size of the office.

A provider may return the dataclasses below, or plain dicts with the same keys
(`{"label", "count", "url"}` for work, `{"label", "url", "due"}` for a next step): a feature
can plug in without importing this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from alumni_app import hooks


@dataclass(frozen=True)
class WorkItem:
    """Work waiting in the office: how much, and the list that shows it (filtered)."""

    label: str
    count: int
    url: str
    urgent: bool = False


@dataclass(frozen=True)
class NextStep:
    """Something an alumnus should do, with the page where it is done (and when it is due)."""

    label: str
    url: str
    due: date | None = None
    kind: str = ""


Provider = Callable[[object], Iterable]


def _key(provider: Provider) -> str:
    """One entry per function (a function registered twice counts once; two lambdas, twice)."""
    return f"{provider.__module__}.{provider.__qualname__}@{id(provider):x}"


def register(app, *, work: Provider | None = None, next_steps: Provider | None = None) -> None:
    """Add a feature's providers: `work(user)` for staff, `next_steps(user)` for alumni."""
    if work is not None:
        hooks.register(app, hooks.WORK_ITEMS, _key(work), work)
    if next_steps is not None:
        hooks.register(app, hooks.NEXT_STEPS, _key(next_steps), next_steps)


def as_work_item(item) -> WorkItem:
    if isinstance(item, WorkItem):
        return item
    return WorkItem(str(item["label"]), int(item["count"]), item["url"],
                    bool(item.get("urgent", False)))


def as_next_step(item) -> NextStep:
    if isinstance(item, NextStep):
        return item
    due = item.get("due")
    if isinstance(due, datetime):
        due = due.date()
    return NextStep(str(item["label"]), item["url"], due, item.get("kind", ""))


def work_items(user) -> list[WorkItem]:
    """The work waiting for `user`, in the order features registered it; nothing counted 0."""
    found = []
    for provider in hooks.registered(hooks.WORK_ITEMS).values():
        found += [as_work_item(item) for item in provider(user) or ()]
    return [item for item in found if item.count > 0]


def next_steps(user) -> list[NextStep]:
    """What the alumnus should do next: what is due first comes first, undated ones last."""
    found = []
    for provider in hooks.registered(hooks.NEXT_STEPS).values():
        found += [as_next_step(item) for item in provider(user) or ()]
    return sorted(found, key=lambda step: (step.due is None, step.due or date.max))
