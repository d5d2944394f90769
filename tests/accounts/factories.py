"""URL arguments for the account routes whose object must be in a particular state."""

from __future__ import annotations

from tests.factories import make_user


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """An officer of `office` with a second factor, for the page that resets it."""
    if endpoint != "users.reset_second_factor":
        return {}
    return {"user_id": make_user(role="officer", office=office, second_factor=True).id}
