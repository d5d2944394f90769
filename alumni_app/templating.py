"""Jinja globals and filters: permissions, languages, locale-aware formatting, pagination links."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import (
    format_date,
    get_locale,
    get_translations,
)
from jinja2 import pass_context
from markupsafe import Markup

from alumni_app.countries import country_name
from alumni_app.forms import errors_alert
from alumni_app.i18n import language_name, language_to_offer
from alumni_app.number_format import format_number
from alumni_app.permissions import template_globals
from alumni_app.times import format_moment, zone_name


def page_url(page: int) -> str:
    """Return the current URL with another page number, keeping the other query arguments."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def sort_url(column: str) -> str:
    """Return the current URL sorted by `column`, flipping the direction if already sorted so."""
    args = request.args.to_dict(flat=True)
    current = args.get("sort", "")
    args["sort"] = f"-{column}" if current == column else column
    args.pop("page", None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _newstyle_gettext(translate):
    """Jinja's "newstyle" gettext (autoescaped, always %-formatted) around `translate`."""

    @pass_context
    def gettext(context, string, **variables):
        text = translate(string)
        # As Jinja does: the catalog is trusted, the variables are escaped by Markup.__mod__.
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    return gettext


def _newstyle_ngettext(translate):
    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translate(singular, plural, num)
        # As Jinja does: the catalog is trusted, the variables are escaped by Markup.__mod__.
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    return ngettext


def bound_translations() -> dict:
    """gettext, ngettext and the locale bound once per render.

    Flask-Babel's template gettext looks the translations up again for every string (a page
    has 20-40), through several context-local lookups each; a page needs them once.
    """
    translations = get_translations()
    locale = str(get_locale())
    return {
        "gettext": _newstyle_gettext(translations.ugettext),
        "ngettext": _newstyle_ngettext(translations.ungettext),
        "current_locale": lambda: locale,
    }


def register(app: Flask) -> None:
    app.context_processor(bound_translations)
    app.jinja_env.globals.update(
        template_globals(),
        page_url=page_url,
        sort_url=sort_url,
        current_locale=lambda: str(get_locale()),
        languages=app.config["LANGUAGES"],
        language_to_offer=language_to_offer,
        language_name=language_name,
        time_zone_name=zone_name,
        errors_alert=errors_alert,
    )
    app.jinja_env.filters.update(
        datetime=format_moment,
        date=lambda v, fmt="medium": format_date(v, fmt) if v else "",
        number=lambda v: format_number(v) if v is not None else "",
        country=country_name,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
