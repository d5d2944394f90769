"""The error grant services raise for a broken rule: a code, its message, a field, a status."""

from __future__ import annotations

from decimal import Decimal

from alumni_app.errors import DomainError


class GrantError(DomainError):
    """A refused change; `message` is in the user's language, `field` names the form field."""

    MESSAGES: dict = {}

    def __init__(self, code: str, field: str | None = None, status: int = 400, **params):
        super().__init__(code)
        self.code, self.field, self.status, self.params = code, field, status, params

    @property
    def message(self) -> str:
        from alumni_app.grants.template_helpers import money

        text = str(self.MESSAGES[self.code])
        params = {k: money(v) if isinstance(v, Decimal) else v for k, v in self.params.items()}
        return text % params if params else text
