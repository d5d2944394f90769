"""The import's forms: the upload, the column mapping, the commit, and the choice of a region
or sector for each value of the file that nothing matched.

One select per distinct value (not per row): what is chosen applies to every row with that
value, the dry run is repeated with it, and the import remembers it for the office
(aliases.remember).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, SelectField

from alumni_app.extensions import db
from alumni_app.forms import BaseForm
from alumni_app.imports.columns import FIELD_LABELS, MAX_COLUMNS
from alumni_app.imports.models import FIELDS
from alumni_app.imports.report import ImportReport
from alumni_app.training.models import Region, Sector

FIELD_CHOICES = [("", _l("— Ignore —")), *FIELD_LABELS.items()]
LEAVE_EMPTY = ("0", _l("— Leave empty —"))
HEADINGS = {"region": _l("Regions not recognised"), "sector": _l("Sectors not recognised")}


class UploadForm(BaseForm):
    file = FileField(_l("CSV or XLSX file"),
                     validators=[FileRequired(message=_l("Choose a file to import."))])
    office_id = SelectField(_l("Office"), coerce=int, validate_choice=True)


class MappingForm(BaseForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            # BaseForm adds a strip filter to every field; FieldList refuses filters.
            if issubclass(unbound_field.field_class, FieldList):
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)

    columns = FieldList(SelectField(_l("Field"), validate_choice=True), max_entries=MAX_COLUMNS)


class CommitForm(BaseForm):
    skip_errors = BooleanField(_l("Import the other rows and leave out the rows with errors"))


class ValuesForm(BaseForm):
    """Filled in by `values_form` with one select per unmatched value."""

    entries: list


def _choices(field: str, office_id: int) -> list[tuple[str, str]]:
    locale = str(get_locale())
    if field == "region":
        items = db.session.scalars(sa.select(Region).where(
            Region.office_id == office_id, Region.is_active).order_by(Region.name_en))
    else:
        items = db.session.scalars(sa.select(Sector).where(Sector.is_active)
                                   .order_by(Sector.name_en))
    return [LEAVE_EMPTY, *[(str(item.id), item.name(locale)) for item in items]]


def values_form(report: ImportReport, office_id: int) -> ValuesForm | None:
    """The form choosing a region or sector for each unmatched value, or None if there is none.

    Each select starts at what was chosen for the dry run shown.
    """
    fields, entries = {}, []
    for field in FIELDS:
        values = report.unmatched.get(field) or {}
        choices = _choices(field, office_id) if values else []
        chosen = report.chosen.get(field) or {}
        for number, (key, value) in enumerate(values.items()):
            name = f"{field}_{number}"
            fields[name] = SelectField(value["text"], choices=choices, validate_choice=True,
                                       default=str(chosen.get(key) or 0))
            entries.append((field, key, value, name))
    if not entries:
        return None
    form = type("ChosenValuesForm", (ValuesForm,), fields)()
    form.entries = [(field, key, value, form[name]) for field, key, value, name in entries]
    return form


def chosen_values(form: ValuesForm) -> dict[str, dict[str, int]]:
    """{field: {place key: the id chosen, 0 to leave it empty}} from a validated form."""
    chosen: dict[str, dict[str, int]] = {field: {} for field in FIELDS}
    for field, key, _value, select in form.entries:
        chosen[field][key] = int(select.data)
    return chosen
