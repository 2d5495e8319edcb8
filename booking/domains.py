"""What the engine knows of the domains that book through it: their record steps.

The registry of domains (server/registry.py, imported by every entry point) installs
each domain's steps here; the engine imports no domain. It calls the steps inside its
own transactions, so a domain row and the reservation it stands for never part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from booking.types import Record, Recording, ReservationInfo
from server.tx import Tx

RowsOf = Callable[[list[int]], Awaitable[set[int]]]


@dataclass(frozen=True)
class Hooks:
    promoted: Record | None = None  # a waitlisted reservation got a place
    recorded: RowsOf | None = None  # which reservation ids have their domain row


_hooks: dict[str, Hooks] = {}


def on_promoted(domain: str, record: Record) -> None:
    """The domain's step for a waitlisted reservation that got a place (confirm its row,
    tell its owner). It runs inside the promotion's transaction, whichever path
    promoted (a cancel, a freed place found by reconcile, a late waitlist entry)."""
    _hooks[domain] = replace(hooks(domain), promoted=record)


def on_orphans(domain: str, recorded: RowsOf) -> None:
    """How `repair_orphans` learns which of a domain's reservations have their row:
    `recorded(reservation_ids)` returns the ids that do."""
    _hooks[domain] = replace(hooks(domain), recorded=recorded)


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
