"""Saving a draft: a page's newest save wins over its own older ones, in whatever order they
arrive; another tab's stale form is still refused; a long Russian proposal fits the save sent
when the page is left."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.test import encode_multipart

from alumni_app.extensions import db
from alumni_app.grants.forms import ApplicationForm
from alumni_app.grants.models import GrantApplication
from tests.grants import factories as f
from tests.grants.test_views import edit_form, form_data

TAB_A, TAB_B = "a" * 32, "b" * 32
AUTOSAVE = {"X-Autosave": "1"}
KEEPALIVE_BYTES = 60000  # autosave.js: what it sends with keepalive on leaving


@pytest.fixture
def draft(office, users):
    applicant = f.eligible_alumnus(office, users["alumnus"])
    return f.draft(f.make_call(office, users["manager"]), applicant)


def _save(http, draft, version, tab, seq, title, headers=AUTOSAVE, **extra):
    data = {**form_data(title=title, **extra), "action": "save", "edit_version": str(version),
            "edit_tab": tab, "edit_seq": str(seq)}
    return http.post(f"/grants/applications/{draft.id}/edit", data=data, headers=headers)


def _stored(draft) -> GrantApplication:
    db.session.expire_all()
    return db.session.get(GrantApplication, draft.id)


def test_a_save_on_leaving_wins_over_the_save_still_on_its_way(app, login, draft):
    """Typed, saved, typed more and left at once: the save sent on leaving rests on the version
    the page knew, which the first save has made older meanwhile."""
    http = login(draft.applicant)
    version = int(edit_form(http, draft)["edit_version"])
    first = _save(http, draft, version, TAB_A, 1, "Typed first")
    assert first.status_code == 200 and first.get_json()["version"] == version + 1
    leaving = _save(http, draft, version, TAB_A, 2, "Typed first, then more")
    assert leaving.status_code == 200 and leaving.get_json()["version"] == version + 2
    assert _stored(draft).title == "Typed first, then more"


def test_an_older_save_of_the_page_arriving_last_changes_nothing(app, login, draft):
    http = login(draft.applicant)
    version = int(edit_form(http, draft)["edit_version"])
    assert _save(http, draft, version, TAB_A, 2, "The newest text").status_code == 200
    late = _save(http, draft, version, TAB_A, 1, "An older text")
    assert late.status_code == 200 and late.get_json()["superseded"] is True
    assert _stored(draft).title == "The newest text"
    # The same older save posted by hand (no autosave) reads as a stale form: nothing changes.
    by_hand = _save(http, draft, version, TAB_A, 1, "An older text", headers={})
    assert by_hand.status_code == 409 and "changed in another window" in by_hand.text
    assert _stored(draft).title == "The newest text"


def test_a_save_on_leaving_after_a_failed_one_is_kept(app, login, draft):
    http = login(draft.applicant)
    version = int(edit_form(http, draft)["edit_version"])
    refused = _save(http, draft, version, TAB_A, 1, "Half typed",
                    **{"budget-0-quantity": "-1"})
    assert refused.status_code == 400
    assert _save(http, draft, version, TAB_A, 2, "Corrected").status_code == 200
    assert _stored(draft).title == "Corrected"


def test_another_tabs_stale_form_is_still_refused(app, login, draft):
    http = login(draft.applicant)
    version = int(edit_form(http, draft)["edit_version"])
    assert _save(http, draft, version, TAB_A, 1, "Tab A").status_code == 200
    stale = _save(http, draft, version, TAB_B, 5, "Tab B, opened before A saved")
    assert stale.status_code == 409 and "changed in another window" in stale.text
    assert _stored(draft).title == "Tab A"
    # Tab B reloads (at A's version) and saves; then A's next save, resting on its own older
    # version, would overwrite B's text: refused.
    assert _save(http, draft, version + 1, TAB_B, 1, "Tab B, reloaded").status_code == 200
    late = _save(http, draft, version, TAB_A, 2, "Tab A again")
    assert late.status_code == 409
    assert _stored(draft).title == "Tab B, reloaded"
    # A form without a page token (no JavaScript) rests on the current version or nothing.
    assert _save(http, draft, version + 1, "", 9, "No script", headers={}).status_code == 409
    assert _save(http, draft, version + 2, "", 0, "No script", headers={}).status_code == 302
    assert _stored(draft).title == "No script"


def _longest_russian_proposal() -> dict:
    """Every text field full, in Cyrillic (two bytes each in UTF-8, six URL-encoded)."""
    limits = {name: field.kwargs["validators"][0].max
              for name, field in vars(ApplicationForm).items()
              if name in ("title", "summary", "problem", "objectives", "activities",
                          "target_group")}
    return form_data(**{name: ("Ж" * limit) for name, limit in limits.items()})


def test_the_longest_russian_proposal_is_saved_from_the_save_sent_on_leaving(app, login,
                                                                           draft):
    proposal = _longest_russian_proposal()
    http = login(draft.applicant)
    fields = {**proposal, "action": "save", "edit_tab": TAB_A, "edit_seq": "1",
              **edit_form(http, draft), "csrf_token": "x" * 91}
    _, body = encode_multipart(fields)
    assert len(urlencode(fields).encode()) > 64 * 1024  # what the page used to send
    assert len(body) <= KEEPALIVE_BYTES  # what it sends now: within keepalive's limit
    response = http.post(f"/grants/applications/{draft.id}/edit", data=fields,
                         content_type="multipart/form-data", headers=AUTOSAVE)
    assert response.status_code == 200
    stored = _stored(draft)
    assert stored.activities == proposal["activities"] and len(stored.activities) == 10000
    assert stored.title == proposal["title"]
