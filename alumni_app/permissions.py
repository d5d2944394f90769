"""The access mechanism: roles, route rules, office scoping and require().

Each feature keeps the rules about its own objects in `<feature>/policy.py`; this module holds only
the cross-cutting parts and imports nothing from the features.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user


class Role(enum.StrEnum):
    ALUMNUS = "alumnus"
    OFFICER = "officer"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})
ALL_ROLES = frozenset(Role)
# People who approve money or manage accounts must use a second factor.
SECOND_FACTOR_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class Access(enum.StrEnum):
    PUBLIC = "public"  # anyone, logged in or not
    AUTHENTICATED = "authenticated"  # any logged-in user
    ROLES = "roles"  # logged in with one of the listed roles
    OBJECT = "object"  # logged in with one of the listed roles, then an object check in the view


@dataclass(frozen=True)
class Rule:
    access: Access
    roles: frozenset[Role] = ALL_ROLES
    # Reachable while a required second factor is still being set up (setup pages, logout).
    before_second_factor: bool = False
    description: str = ""

    def admits_role(self, role: Role | None) -> bool:
        if self.access is Access.PUBLIC:
            return True
        return role is not None and role in self.roles


# Endpoints that are not view functions of ours.
BUILTIN_RULES = {"static": Rule(Access.PUBLIC, description="static files")}


def _attach(rule: Rule) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.access_rule = rule
        return view

    return decorator


def public(view: Callable | None = None, *, before_second_factor: bool = True):
    """Declare a route open to everyone."""
    decorator = _attach(Rule(Access.PUBLIC, before_second_factor=before_second_factor))
    return decorator(view) if view is not None else decorator


def authenticated(view: Callable | None = None, *, before_second_factor: bool = False):
    """Declare a route open to any logged-in user."""
    decorator = _attach(Rule(Access.AUTHENTICATED, before_second_factor=before_second_factor))
    return decorator(view) if view is not None else decorator


def role_required(*roles: Role) -> Callable:
    """Declare a route open to logged-in users with one of `roles`."""
    return _attach(Rule(Access.ROLES, roles=frozenset(roles)))


def object_rule(*roles: Role, description: str) -> Callable:
    """Declare a route whose view loads an object and calls require(can_...(user, obj))."""
    rule = Rule(Access.OBJECT, roles=frozenset(roles or ALL_ROLES), description=description)
    return _attach(rule)


def rule_for_endpoint(endpoint: str | None) -> Rule | None:
    """Return the rule a route declared, or None when it declared none."""
    if endpoint is None:
        return None
    if endpoint in BUILTIN_RULES:
        return BUILTIN_RULES[endpoint]
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


# Who may see an object at all, by the object's class; each feature registers its own
# (`@reaches(ActionPlan)` on plans.policy.can_view_plan), so this module imports none of them.
REACH_RULES: dict[type, Callable] = {}


def reaches(model: type) -> Callable:
    """Declare `rule(user, obj)` as who may see a `model` at all (else it is 'not found')."""
    def register(rule: Callable) -> Callable:
        REACH_RULES[model] = rule
        return rule

    return register


def can_reach(user, obj) -> bool:
    """Whether `user` may see `obj` at all (True for a class without a reach rule)."""
    rule = REACH_RULES.get(type(obj))
    return rule is None or bool(rule(user, obj))


def require(allowed: bool, obj=None) -> None:
    """Turn a 'no' from a policy function into a 403, or a 404 when `obj` is out of reach.

    Someone who may not even see `obj` is told it does not exist, as for a missing id: a 403
    would tell a member of another office, or another alumnus, which ids exist. Someone who
    sees it but may not do this (a published call is not edited) gets a 403. A refusal for a
    whole route (a role it does not admit) is a 403 too, from enforce_route_rule(), before any
    object is loaded.
    """
    if not allowed:
        abort(404 if obj is not None and not can_reach(current_user, obj) else 403)


def user_role(user) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Role(user.role)


def is_staff(user) -> bool:
    return user_role(user) in STAFF_ROLES


def is_admin(user) -> bool:
    return user_role(user) is Role.ADMIN


def needs_second_factor_setup(user) -> bool:
    return user_role(user) in SECOND_FACTOR_ROLES and not user.has_second_factor


def same_office(user, office_id: int | None) -> bool:
    """Staff see their own office's data; admins see every office."""
    if is_admin(user):
        return True
    return is_staff(user) and office_id is not None and user.office_id == office_id


def scope_to_office(query, office_column, user):
    """Restrict a select() on office data to what `user` may see (the one place for scoping)."""
    if is_admin(user):
        return query
    if is_staff(user) and user.office_id is not None:
        return query.where(office_column == user.office_id)
    return query.where(False)


def enforce_route_rule():
    """Before each request: apply the rule declared by the matched route (fail closed)."""
    if request.endpoint is None:
        return None  # 404/405 are raised by routing itself
    rule = rule_for_endpoint(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s declares no access rule; denied", request.endpoint)
        abort(403)
    if rule.access is Access.PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if needs_second_factor_setup(current_user) and not rule.before_second_factor:
        return redirect(url_for("accounts.two_factor"))
    if not rule.admits_role(user_role(current_user)):
        abort(403)
    return None


def template_globals() -> dict:
    return {"Role": Role, "is_staff": is_staff, "is_admin": is_admin, "STAFF_ROLES": STAFF_ROLES}
