"""Registration hooks: how a lower feature lets higher ones take part in what it does.

One registry, one shape. A feature that must react when something happens lower down (a person
erased, two records merged, a person's data downloaded, a course taken off a record, the
dashboards listing work) registers a function under a kind and its own key; the lower feature
calls what is registered, in registration order, without importing the higher one:

    hooks.register(app, hooks.ERASURE, "grants", erase_person)
    for erase in hooks.registered(hooks.ERASURE): erase(actor, user, record)

The registry lives in `app.extensions["hooks"]`: kind -> {key: function}. Registering the same
key again replaces it (create_app may run many times in one process).
"""

from __future__ import annotations

from flask import current_app

PERSONAL_DATA = "personal_data"  # key -> (title, collect(user, record)): the data download
PERSONAL_DATA_LABELS = "personal_data_labels"  # key -> state_label(code) on the readable page
ERASURE = "erasure"  # key -> erase(actor, user, record)
MERGE = "merge"  # key -> move(actor, keep, duplicate)
PARTICIPATION_USE = "participation_use"  # key -> uses(participation) -> what rests on it, or None
WORK_ITEMS = "work_items"  # key -> provider(user): staff's work waiting (core/dashboard_items)
NEXT_STEPS = "next_steps"  # key -> provider(user): an alumnus's next steps
ALUMNUS_ZONE = "alumnus_zone"  # key -> find(user): the zone of an alumnus's record's office
COURSE_PEOPLE = "course_people"  # key -> count(course_id, user): people of user's office on it
TEMPLATE_GLOBALS = "template_globals"  # key -> a helper templates call by that name
# key -> section(user, record) -> None, or a dict with "template" (and what it shows): a part of
# the person's page in the directory drawn by a higher feature (events: attendance)
RECORD_SECTIONS = "record_sections"
# key -> notify(user, key, subject, body): a reminder e-mailed to `user` also goes out on
# another channel (Telegram), queued in the caller's transaction, once per `key`
OTHER_CHANNELS = "other_channels"
OTHER_CHANNELS_DELIVERY = "other_channels_delivery"  # key -> deliver(): send what is queued


def _registry(app=None) -> dict:
    return (app or current_app).extensions.setdefault("hooks", {})


def register(app, kind: str, key: str, function) -> None:
    """Register `function` under `kind` and `key` (a feature's name, or the function's)."""
    _registry(app).setdefault(kind, {})[key] = function
    if kind == TEMPLATE_GLOBALS:
        app.jinja_env.globals[key] = function


def registered(kind: str, app=None) -> dict:
    """What is registered under `kind`: key -> function, in registration order."""
    return dict(_registry(app).get(kind, {}))


def also_elsewhere(user, key: str, subject: str, body: str) -> None:
    """Send a reminder e-mailed to `user` on the other channels they linked too (one call
    for the features that send reminders; what it does is registered by `messages`)."""
    for notify in registered(OTHER_CHANNELS).values():
        notify(user, key, subject, body)


def deliver_elsewhere() -> None:
    """After the reminders' commit: send what `also_elsewhere` queued."""
    for deliver in registered(OTHER_CHANNELS_DELIVERY).values():
        deliver()
