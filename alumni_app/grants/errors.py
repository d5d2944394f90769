"""The error grant services raise for a broken rule: a code, its message, a field, a status."""

from __future__ import annotations

from decimal import Decimal

from alumni_app.errors import DomainError


class GrantError(DomainError):
    """A refused change; `message` is in the user's language, `field` names the form field."""

    status = 400

    def format_param(self, value):
        from alumni_app.grants.template_helpers import money

        return money(value) if isinstance(value, Decimal) else value
