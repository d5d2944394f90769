"""Formatted text of announcements: Markdown in, sanitised HTML out (links, lists, emphasis,
headings); never a script, a `javascript:` link or a picture fetched from another host."""

from __future__ import annotations

import html as html_escapes
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is shown as text, not interpreted; nh3 then keeps only these tags.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
TAGS = {"p", "br", "a", "ul", "ol", "li", "em", "strong", "h2", "h3", "h4", "blockquote",
        "code", "pre", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}
# What the form refuses, so the author sees why rather than finding it silently gone.
SCRIPT = re.compile(r"<\s*/?\s*script|\bjavascript\s*:|\bvbscript\s*:|\bon[a-z]+\s*=",
                    re.IGNORECASE)
IMAGE = re.compile(r"!\[[^\]]*\]\(|<\s*img\b", re.IGNORECASE)


def problem(source: str) -> str | None:
    """'script' or 'image' when the text holds what is never published; None when fine."""
    if SCRIPT.search(source or ""):
        return "script"
    if IMAGE.search(source or ""):
        return "image"
    return None


def _demote_headings(html: str) -> str:
    # The page has its h1 (and the item its title): the text's headings start at h2.
    return re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(4, int(m.group(2)) + 1)}>",
                  html)


def to_html(source: str) -> Markup:
    """The text as safe HTML for a page or an e-mail."""
    html = _demote_headings(_markdown.render(source or ""))
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def to_text(source: str) -> str:
    """The text for a plain-text e-mail or Telegram: Markdown reads well as it is."""
    return (source or "").strip()


def first_words(source: str, limit: int = 200) -> str:
    """The start of the text without its marks, for lists and the dashboard."""
    plain = nh3.clean(_markdown.render(source or ""), tags=set())
    plain = " ".join(html_escapes.unescape(plain).split())
    return plain if len(plain) <= limit else plain[:limit].rsplit(" ", 1)[0] + "…"
