"""Tortoise migrations, one package per domain (app)."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


class StateOnly(ops.TortoiseOperation):
    """An operation on the migration state alone: a model that moves from one app to
    another keeps its table and rows (the database is left as it is)."""

    def __init__(self, operation: ops.TortoiseOperation) -> None:
        self.operation = operation

    def describe(self) -> str:
        return f"{self.operation.describe()} (state only)"

    def state_forward(self, app_label: str, state: Any) -> None:
        self.operation.state_forward(app_label, state)
