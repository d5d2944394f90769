"""A draft keeps what was typed: leaving the page without saving (also while a save is on its
way, and with a long Russian text), and submitting mid-autosave.

The demo alumnus starts an application to the demo's open call ("Mini-Grant Scheme 2027").
"""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_grants import Person, day
from tests.e2e.test_language import ALUMNUS_EMAIL

pytestmark = pytest.mark.e2e
OPEN_CALL = "Mini-Grant Scheme 2027"


def _start(alumnus: Person) -> str:
    alumnus.go("/grants")
    alumnus.page.get_by_role("link", name=OPEN_CALL, exact=True).click()
    alumnus.click("Start an application")
    alumnus.flash("Your draft was created. It is kept until you submit it: come back to it at "
                  "any time.")
    return alumnus.page.url


def _reopened_value(alumnus: Person, url: str, label: str, expected: str) -> None:
    """Open the draft again until the save sent on leaving has landed (a few seconds)."""
    field = alumnus.page.get_by_label(label, exact=True)
    for _ in range(20):
        alumnus.page.goto(url)
        if field.input_value() == expected:
            return
        time.sleep(0.25)
    expect(field).to_have_value(expected)


def test_text_typed_and_left_unsaved_is_there_when_the_draft_is_reopened(browser, live_server):
    alumnus = Person(browser, live_server, ALUMNUS_EMAIL, "en")
    url = _start(alumnus)
    alumnus.fill("Title of the project", "Typed, never saved by hand")
    alumnus.fill("The problem it addresses", "Rural teachers have never used computers.")
    alumnus.go("/grants")  # away at once: no button pressed, no pause for the autosave
    _reopened_value(alumnus, url, "Title of the project", "Typed, never saved by hand")
    expect(alumnus.page.get_by_label("The problem it addresses", exact=True)).to_have_value(
        "Rural teachers have never used computers.")

    # The window closed: a second tab of the same person types and is closed.
    tab = alumnus.context.new_page()
    tab.goto(url)
    tab.get_by_label("Summary", exact=True).fill("Written in a tab that was closed.")
    tab.close(run_before_unload=True)
    _reopened_value(alumnus, url, "Summary", "Written in a tab that was closed.")
    alumnus.close()


def test_submitting_while_an_autosave_is_on_its_way_is_not_refused_as_stale(browser,
                                                                            live_server):
    alumnus = Person(browser, live_server, ALUMNUS_EMAIL, "en")
    _start(alumnus)
    held = []

    def answer_late(route, request):
        """The autosave reaches the server, but its answer is held back (a slow network)."""
        if request.method == "POST" and request.headers.get("x-autosave"):
            held.append((route, route.fetch()))
        else:
            route.continue_()

    alumnus.page.route("**/edit", answer_late)
    for label, value in [("Title of the project", "Tablets for rural teachers"),
                         ("Summary", "Eight schools learn to teach with tablets."),
                         ("The problem it addresses", "No computers in rural schools."),
                         ("Objectives", "40 teachers run ICT lessons."),
                         ("Activities and timeline", "Month 1: training. Month 2: lessons."),
                         ("Activities start on", day(40)), ("Activities end on", day(120))]:
        alumnus.fill(label, value)
    alumnus.select("Category", value="equipment", nth=0)
    alumnus.fill("What it pays for", "Tablets", nth=0)
    alumnus.fill("Quantity", "8", nth=0)
    alumnus.fill("Unit cost", "1200", nth=0)
    alumnus.page.wait_for_timeout(4500)  # the pause after which the autosave starts
    assert held, "the autosave did not start"
    alumnus.click("Save and submit")
    expect(alumnus.page.get_by_text("Saving, then sending…")).to_be_visible()
    route, response = held.pop()
    route.fulfill(response=response)
    alumnus.flash("Your application was submitted. You will receive an e-mail confirming it.")
    expect(alumnus.page.get_by_role("heading", level=1)).to_contain_text(
        "Tablets for rural teachers")
    alumnus.close()


def test_leaving_while_a_save_is_on_its_way_keeps_the_last_text(browser, live_server):
    """Typed, the autosave starts (and has not reached the server), typed more, left at once:
    the save sent on leaving rests on the version the page knew, and wins over the first."""
    alumnus = Person(browser, live_server, ALUMNUS_EMAIL, "en")
    url = _start(alumnus)
    held = []

    def hold_the_first(route, request):
        if request.method == "POST" and request.headers.get("x-autosave") and not held:
            held.append(route)  # on its way: neither at the server nor answered
        else:
            route.continue_()

    alumnus.context.route("**/edit", hold_the_first)
    alumnus.fill("Title of the project", "First words")
    alumnus.page.wait_for_timeout(4500)  # the pause after which the autosave starts
    assert held, "the autosave did not start"
    alumnus.fill("Title of the project", "First words, then the last ones")
    alumnus.go("/grants")  # away at once
    _reopened_value(alumnus, url, "Title of the project", "First words, then the last ones")
    # The first save comes in last, if the browser still sends it (else it died with the
    # page: as good).
    with contextlib.suppress(Exception):
        held[0].continue_()
    alumnus.page.wait_for_timeout(500)
    alumnus.page.goto(url)
    expect(alumnus.page.get_by_label("Title of the project", exact=True)).to_have_value(
        "First words, then the last ones")
    alumnus.close()


def test_a_long_russian_proposal_left_unsaved_is_there_when_reopened(browser, live_server):
    """More than 64 KiB once URL-encoded (six bytes a Cyrillic letter), under it as UTF-8."""
    alumnus = Person(browser, live_server, ALUMNUS_EMAIL, "en")
    url = _start(alumnus)
    texts = {"The problem it addresses": "Проблема: " + "в сельских школах нет компьютеров. "
             * 140,
             "Objectives": "Цели: " + "сорок учителей проводят уроки ИКТ. " * 135,
             "Activities and timeline": "Мероприятия: " + "обучение учителей в Худжанде. "
             * 330}
    texts = {label: text.strip() for label, text in texts.items()}
    assert all(len(text) <= limit for text, limit in zip(texts.values(), (5000, 5000, 10000),
                                                     strict=True))
    for label, text in texts.items():
        alumnus.fill(label, text)
    alumnus.go("/grants")  # away at once: no button pressed, no pause for the autosave
    _reopened_value(alumnus, url, "Activities and timeline", texts["Activities and timeline"])
    for label, text in texts.items():
        expect(alumnus.page.get_by_label(label, exact=True)).to_have_value(text)
    alumnus.close()


def test_text_too_long_to_be_saved_on_leaving_makes_the_browser_ask(browser, live_server):
    """More than the save sent on leaving can carry (the fields' limits keep a proposal well
    under it: here one is lifted): leaving asks first instead of dropping the text silently."""
    alumnus = Person(browser, live_server, ALUMNUS_EMAIL, "en")
    url = _start(alumnus)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    alumnus.page.on("dialog", answer)
    field = alumnus.page.get_by_label("Activities and timeline", exact=True)
    field.evaluate("(area) => area.removeAttribute('maxlength')")
    field.click()  # a person's click: browsers ask before leaving only after one
    field.fill("Обучение учителей в Худжанде. " * 1200)
    alumnus.page.get_by_role("link", name="← Mini-grants").click()
    alumnus.page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert alumnus.page.url == url
    alumnus.close()
