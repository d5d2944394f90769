"""Static files: small on the wire, cached for a year under hashed names, plain without a build."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from alumni_app import create_app
from alumni_app.extensions import db
from alumni_app.static_files import build
from tests import factories

A_YEAR = "public, max-age=31536000, immutable"
BROWSER = {"Accept-Encoding": "gzip, deflate, br",
           "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class _Links(HTMLParser):
    """What a browser fetches after the page: stylesheets, icons, scripts, images."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            self.urls.append((attrs.get("rel", ""), attrs["href"]))
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append((tag, attrs["src"]))


def _links(html: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def _wire_bytes(response) -> int:
    """The status line, headers and body as sent (the body as encoded, not decoded)."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + 2
    head += sum(len(f"{name}: {value}\r\n") for name, value in response.headers)
    return head + len(response.get_data())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("static") / "build"
    build(target=target)
    return target


def _client(static_build):
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "STATIC_BUILD_DIR": static_build and str(static_build)})
    with app.app_context():
        db.create_all()
    return app.test_client()


def test_the_login_page_and_what_it_links_weigh_under_60_kb_on_first_visit(built):
    client = _client(built)
    page = client.get("/login", headers=BROWSER)
    assert page.status_code == 200
    linked = _links(page.get_data(as_text=True))
    assert {kind for kind, _url in linked} >= {"stylesheet", "icon"}
    total = _wire_bytes(page)
    for _kind, url in linked:
        # Same origin only: the page's Content-Security-Policy allows 'self' and nothing else.
        assert url.startswith("/static/"), url
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200, url
        total += _wire_bytes(response)
    assert total < 60 * 1024, total
    bootstrap = next(url for _kind, url in linked if "bootstrap" in url)
    assert client.get(bootstrap, headers=BROWSER).headers["Content-Encoding"] == "br"
    gzip_only = client.get(bootstrap, headers={"Accept-Encoding": "gzip"})
    assert gzip_only.headers["Content-Encoding"] == "gzip" and len(gzip_only.data) < 40_000


def test_hashed_names_are_cached_for_a_year_and_plain_names_are_not(built):
    client = _client(built)
    stylesheet = next(url for kind, url in _links(client.get("/login").get_data(as_text=True))
                      if "app" in url and kind == "stylesheet")
    assert stylesheet != "/static/css/app.css" and stylesheet.endswith(".css")
    hashed = client.get(stylesheet, headers=BROWSER)
    assert hashed.headers["Cache-Control"] == A_YEAR
    assert "Accept-Encoding" in hashed.headers["Vary"]
    assert hashed.headers["Content-Type"].startswith("text/css")
    # The same security headers as every response, once each.
    assert hashed.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert "default-src 'self'" in hashed.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in hashed.headers
    again = client.get(stylesheet, headers={**BROWSER, "If-None-Match": hashed.headers["ETag"]})
    assert again.status_code == 304

    plain = client.get("/static/css/app.css", headers=BROWSER)
    assert plain.status_code == 200
    assert "immutable" not in plain.headers.get("Cache-Control", "")
    assert "31536000" not in plain.headers.get("Cache-Control", "")
    page = client.get("/login")
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("folder", [None, "missing"])
def test_without_a_build_the_plain_names_are_linked_and_served(folder, tmp_path):
    client = _client(folder and tmp_path / folder)
    urls = [url for _kind, url in _links(client.get("/login").get_data(as_text=True))]
    assert "/static/css/app.css" in urls and "/static/favicon.svg" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_the_favicon_is_a_tiny_svg(built):
    client = _client(built)
    icon = next(url for kind, url in _links(client.get("/login").get_data(as_text=True))
                if kind == "icon")
    response = client.get(icon)
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert response.data.startswith(b"<svg") and b"<script" not in response.data
    assert len(response.data) < 1024


def test_a_changed_file_gets_a_new_name_and_the_old_build_goes(tmp_path):
    source, target = tmp_path / "source", tmp_path / "build"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text("body { color: #111; }\n" * 50)
    first = build(source, target)["css/site.css"]
    assert first.startswith("css/site.") and first.endswith(".css") and first != "css/site.css"
    assert (target / "files" / f"{first}.gz").is_file()
    (source / "css" / "site.css").write_text("body { color: #222; }\n" * 50)
    second = build(source, target)["css/site.css"]
    assert second != first
    assert (target / "files" / second).is_file()
    assert not (target / "files" / first).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "source"]  # no leftovers
