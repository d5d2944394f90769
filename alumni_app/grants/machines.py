"""The grant workflow's machines: which model each is, its states, and the refusal for a state.

Below the workflow, its guards and the services: they name a machine or say "not in this state"
without importing the workflow.
"""

from __future__ import annotations

import enum

from alumni_app.grants import policy
from alumni_app.grants.errors import WorkflowError
from alumni_app.grants.labels import state_label
from alumni_app.grants.models import AppState, CallState, GrantApplication, GrantCall
from alumni_app.grants.money_models import (
    GrantReport,
    MoveState,
    Reallocation,
    ReportState,
    Tranche,
    TrancheState,
)


class Machine(enum.StrEnum):
    CALL = "call"
    APPLICATION = "application"
    TRANCHE = "tranche"
    REPORT = "report"
    MOVE = "move"  # money moved between budget lines beyond the free share


MODELS = {Machine.CALL: GrantCall, Machine.APPLICATION: GrantApplication,
          Machine.TRANCHE: Tranche, Machine.REPORT: GrantReport, Machine.MOVE: Reallocation}
STATES = {Machine.CALL: tuple(CallState), Machine.APPLICATION: tuple(AppState),
          Machine.TRANCHE: tuple(TrancheState), Machine.REPORT: tuple(ReportState),
          Machine.MOVE: tuple(MoveState)}


def machine_of(obj) -> Machine:
    return next(machine for machine, model in MODELS.items() if isinstance(obj, model))


application_of = policy._application_of


def state_error(obj) -> WorkflowError:
    codes = {Machine.CALL: "wrong-call-state", Machine.APPLICATION: "wrong-state"}
    return WorkflowError(codes.get(machine_of(obj), "wrong-part-state"), state=state_label(obj))
