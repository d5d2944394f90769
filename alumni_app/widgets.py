"""Text inputs for numbers: the phone's number keyboard without `type=number`."""

from __future__ import annotations

from wtforms.widgets import TextInput


class DecimalInput(TextInput):
    """A text box for a number with decimals, with the phone's number keyboard.

    Not `type=number`: a browser set to English refuses "12,5" there and sends nothing, and a
    Russian one refuses "12.5"; the server reads both (alumni_app.amounts).
    """

    def __call__(self, field, **kwargs):
        kwargs.setdefault("inputmode", "decimal")
        return super().__call__(field, **kwargs)


class WholeNumberInput(TextInput):
    """A text box for a count or a year, with the phone's digit keyboard (not `type=number`,
    whose value a mouse wheel changes and which browsers check by their own rules)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("inputmode", "numeric")
        return super().__call__(field, **kwargs)
