"""No form draws a type=number box: browsers refuse "12,5" there (or "12.5", by their language),
send nothing, and a mouse wheel changes the number."""

from __future__ import annotations

import importlib
import pkgutil

from wtforms import Form
from wtforms.fields.core import UnboundField
from wtforms.widgets import NumberInput, RangeInput

import alumni_app


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_form_field_is_drawn_as_a_number_box():
    for module in pkgutil.walk_packages(alumni_app.__path__, "alumni_app."):
        importlib.import_module(module.name)
    checked, number_boxes = 0, []
    for form in set(_subclasses(Form)):
        if not form.__module__.startswith("alumni_app."):
            continue
        for name in dir(form):
            field = getattr(form, name, None)
            if not isinstance(field, UnboundField):
                continue
            checked += 1
            widget = field.kwargs.get("widget") or field.field_class.widget
            if isinstance(widget, NumberInput | RangeInput):
                number_boxes.append(f"{form.__module__}.{form.__name__}.{name}")
    assert checked > 100
    assert number_boxes == []
