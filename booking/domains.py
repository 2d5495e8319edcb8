"""What the engine knows of the domains that book through it: their record steps.

A domain registers once at import time (services/meals.py:
`booking.on_promoted("meals", record_promotion)`). The engine calls the steps inside
its own transactions, so a domain row and the reservation it stands for never part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from booking.api import Record, Recording, ReservationInfo
from server.tx import Tx

RowsOf = Callable[[list[int]], Awaitable[set[int]]]


@dataclass(frozen=True)
class Hooks:
    promoted: Record | None = None  # a waitlisted reservation got a place
    recorded: RowsOf | None = None  # which reservation ids have their domain row


_hooks: dict[str, Hooks] = {}


def register(
    domain: str, *, promoted: Record | None = None, recorded: RowsOf | None = None
) -> None:
    current = _hooks.get(domain, Hooks())
    if promoted is not None:
        current = replace(current, promoted=promoted)
    if recorded is not None:
        current = replace(current, recorded=recorded)
    _hooks[domain] = current


def hooks(domain: str) -> Hooks:
    return _hooks.get(domain, Hooks())


def registered() -> dict[str, Hooks]:
    return dict(_hooks)


class RecordFailed(Exception):
    """A domain's record step raised: the action rolls back and `error` is re-raised
    to the caller as it was (told apart from the engine's own constraint errors)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(repr(error))
        self.error = error


async def run_record(record: Record | None, tx: Tx, info: ReservationInfo, *, now: datetime) -> Any:
    """Run a record step inside the engine's transaction (None when there is none)."""
    if record is None:
        return None
    try:
        return await record(Recording(tx=tx, reservation=info, now=now))
    except Exception as exc:
        raise RecordFailed(exc) from exc
