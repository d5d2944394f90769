"""Static files under hashed names, precompressed, cached for a year.

`python -m alumni_app.static_files` (run by `make static`) copies each file of `alumni_app/static`
to a name carrying a hash of its content (`css/app.3f2a1b9c0d4e.css`), writes gzip and brotli
copies beside it and a manifest of the names. At start the app reads the manifest: WhiteNoise
serves the hashed files (choosing the smallest encoding the browser accepts) with a far-future
`immutable` Cache-Control, and `url_for('static', filename=...)` links to the hashed names. Without
a build (a fresh clone before `make static`, or the tests) nothing changes: Flask serves the
plain names, revalidated on each use.

A changed file gets a new name, so a browser never keeps an old copy and never asks again for an
unchanged one. CSS files must not refer to other static files by `url()`: their hashed names
are not rewritten (today they refer to none).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

SOURCE = Path(__file__).resolve().parent / "static"
MANIFEST = "manifest.json"
FILES = "files"
ONE_YEAR = "public, max-age=31536000, immutable"


def hashed_name(name: str, content: bytes) -> str:
    """`css/app.css` -> `css/app.<12 hex digits of the content's SHA-256>.css`."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def build(source: Path = SOURCE, target: Path | None = None) -> dict[str, str]:
    """Write hashed, compressed copies of `source` and their manifest to `target`; return it.

    The new build is made beside `target` and swapped in whole, so a server starting meanwhile
    reads either the old build or the new one.
    """
    target = Path(target or default_target())
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".static-", dir=target.parent))
    manifest = {}
    compressor = Compressor(quiet=True)
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        manifest[name] = hashed_name(name, path.read_bytes())
        copy = staging / FILES / manifest[name]
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        if compressor.should_compress(copy.name):
            compressor.compress(str(copy))
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def default_target() -> Path:
    from config import Config

    return Path(Config.STATIC_BUILD_DIR)


def read_manifest(folder: str | Path | None) -> dict[str, str]:
    """The names of a build, or {} when there is none (then the plain names are served)."""
    if not folder:
        return {}
    try:
        return json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def register(app: Flask) -> None:
    """Serve the build, if there is one, and link to its hashed names."""
    folder = app.config.get("STATIC_BUILD_DIR")
    manifest = read_manifest(folder)
    if not manifest:
        return
    hashed = {f"{app.static_url_path}/{name}" for name in manifest.values()}
    app.wsgi_app = WhiteNoise(
        app.wsgi_app, root=str(Path(folder) / FILES), prefix=app.static_url_path,
        max_age=None, allow_all_origins=False,
        add_headers_function=_headers_function(app, hashed),
    )

    @app.url_defaults
    def _hashed_static_names(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])


def _headers_function(app: Flask, hashed: set[str]):
    """The headers of a static file: those of every response, and a year's cache if hashed."""
    from alumni_app.security import HEADERS, HSTS

    extra = [*HEADERS, *([HSTS] if app.config["SEND_HSTS"] else [])]

    def add_headers(headers, _path, url):
        for name, value in extra:
            headers[name] = value
        if url in hashed:
            headers["Cache-Control"] = ONE_YEAR

    return add_headers


if __name__ == "__main__":
    written = build(target=Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"static files: {len(written)} hashed and compressed")
