"""Fixtures of the import tests: uploads in a private folder, a region of the office."""

from __future__ import annotations

import pytest

from alumni_app.extensions import db
from alumni_app.training.models import Region


@pytest.fixture
def app(app, tmp_path):
    """The app keeping uploads in a private folder."""
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return app


@pytest.fixture
def region(office):
    region = Region(office_id=office.id, name_en="Sughd", name_ru="Согдийская область")
    db.session.add(region)
    db.session.commit()
    return region
