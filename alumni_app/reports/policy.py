"""Who may see an office's figures, every office's, and keep the exchange rates."""

from __future__ import annotations

from alumni_app.permissions import is_admin, is_staff, same_office


def can_view_figures(user, office) -> bool:
    """The office's staff; administrators for every office."""
    return office is not None and is_staff(user) and same_office(user, office.id)


def can_view_all_offices(user) -> bool:
    """Administrators see the offices side by side and the region's totals."""
    return is_admin(user)


def can_keep_rates(user) -> bool:
    """Administrators keep the monthly exchange rates (headquarters' figures rest on them)."""
    return is_admin(user)
