"""A language picked in the session wins over the stored preference until changed."""

from __future__ import annotations

import re

from tests.auth.helpers import flashes, path_of, post_login, reload, text
from tests.factories import PASSWORD, current_code

OFFER_RU = "Всегда использовать русский"  # "Always use Russian", as the Russian page says it
OFFER_EN = "Always use English"
SAVED_RU = "Сохранено: язык вашей учётной записи теперь — русский, в том числе для писем."


def page_language(response) -> str:
    return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)


def choose(client, lang: str, **extra):
    response = client.post("/language", data={"lang": lang, "next": "/dashboard", **extra})
    assert response.status_code == 302
    return response


def test_russian_chosen_on_the_login_page_stays_after_login(client, make_user):
    user = make_user(preferred_language="en")
    assert page_language(client.get("/login")) == "en"
    choose(client, "ru")
    assert page_language(client.get("/login")) == "ru"

    response = post_login(client, user.email)

    assert response.status_code == 302 and path_of(response) == "/dashboard"
    dashboard = client.get("/dashboard")
    assert page_language(dashboard) == "ru"
    assert OFFER_RU in text(dashboard)  # offered, not done behind the person's back
    assert reload(user).preferred_language == "en"
    assert page_language(client.get("/account")) == "ru"  # and on every page after


def test_the_offer_stores_the_preference_and_goes_away(client, make_user, outbox):
    user = make_user(preferred_language="en")
    choose(client, "ru")
    post_login(client, user.email)

    response = choose(client, "ru", save="1")

    assert path_of(response) == "/dashboard"
    assert reload(user).preferred_language == "ru"
    dashboard = client.get("/dashboard")
    assert page_language(dashboard) == "ru"
    assert SAVED_RU in flashes(dashboard)
    assert OFFER_RU not in text(dashboard) and 'name="save"' not in text(dashboard)


def test_a_switch_while_logged_in_lasts_the_session_and_is_offered(client, make_user):
    user = make_user(preferred_language="ru")
    post_login(client, user.email)
    assert page_language(client.get("/dashboard")) == "ru"

    choose(client, "en")

    page = client.get("/dashboard")
    assert page_language(page) == "en" and OFFER_EN in text(page)
    assert reload(user).preferred_language == "ru"
    choose(client, "ru")  # back to the stored language: nothing to offer
    page = client.get("/dashboard")
    assert page_language(page) == "ru" and 'name="save"' not in text(page)


def test_without_a_choice_the_stored_preference_wins_over_the_browser(client, make_user):
    user = make_user(preferred_language="en")
    headers = {"Accept-Language": "ru"}
    assert page_language(client.get("/login", headers=headers)) == "ru"

    client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=headers)

    page = client.get("/dashboard", headers=headers)
    assert page_language(page) == "en" and 'name="save"' not in text(page)


def test_the_choice_survives_the_second_factor(client, make_user, office):
    manager = make_user(role="manager", office=office, second_factor=True,
                        preferred_language="en")
    choose(client, "ru")
    assert path_of(post_login(client, manager.email)) == "/login/code"

    response = client.post("/login/code", data={"code": current_code()})

    assert path_of(response) == "/dashboard"
    assert page_language(client.get("/account")) == "ru"


def test_after_logout_the_next_person_gets_their_own_language(client, make_user):
    first, second = make_user(preferred_language="en"), make_user(preferred_language="en")
    choose(client, "ru")
    post_login(client, first.email)
    client.post("/logout")
    assert page_language(client.get("/login")) == "ru"  # the login page stays as it was

    post_login(client, second.email)

    page = client.get("/dashboard")
    assert page_language(page) == "en" and 'name="save"' not in text(page)


def test_saving_the_account_settings_ends_the_session_choice(client, make_user):
    user = make_user(preferred_language="en", display_name="Settings Person")
    choose(client, "ru")
    post_login(client, user.email)

    client.post("/account", data={"display_name": "Settings Person", "preferred_language": "en"})

    page = client.get("/dashboard")
    assert page_language(page) == "en" and 'name="save"' not in text(page)
    assert reload(user).preferred_language == "en"
