"""The engine's public types: policies, slots, reservations, statuses, its own error.

Domains code against exactly these names (re-exported by `booking`). The functions
live in booking/catalog.py (definitions, reads), booking/engine.py (reserve),
booking/batch.py (group commit), booking/release.py (confirm, cancel, finish,
promotions), booking/domains.py (the domains' steps), booking/store.py (database
truth, hydration; the design of the Redis/database consistency is in its docstring),
booking/lua.py (the atomic steps) and booking/healing.py (self-healing, hold expiry).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from server.errors import AppError
from server.tx import Tx

# Statuses of a reservation. Places are occupied by held, confirmed, completed and
# no_show (a served lunch or a finished meeting still used its place); cancelled,
# released, expired and rejected give them back; waitlisted occupies nothing.
OCCUPYING = ("held", "confirmed", "completed", "no_show")
LIVE = ("held", "confirmed", "waitlisted")
FREED = ("cancelled", "released", "expired", "rejected")
Status = Literal[
    "held",
    "confirmed",
    "waitlisted",
    "cancelled",
    "released",
    "expired",
    "rejected",
    "completed",
    "no_show",
]


@dataclass(frozen=True)
class Policy:
    """What distinguishes one domain's resource from another's: data, not code."""

    capacity: int = 1  # default capacity of a new slot (places per slot)
    consecutive: bool = False  # one reservation may take a run of consecutive slots
    per_user_limit: int | None = (
        None  # live reservations (held/confirmed/waitlisted) per user per resource
    )
    one_per_user_per_slot: bool = True  # a user holds at most one live reservation of a slot
    waitlist: bool = False  # a full slot may queue requests (reserve(waitlist=True))
    hold_ttl_s: int | None = (
        None  # held reservations expire after this; None = until confirmed/cancelled
    )
    full_code: Literal["slot_full", "conflict"] = "slot_full"  # error when a slot has no room


@dataclass(frozen=True)
class SlotSpec:
    start: datetime
    end: datetime
    capacity: int


@dataclass(frozen=True)
class SlotInfo:
    id: int
    resource_id: int
    start: datetime
    end: datetime
    capacity: int


@dataclass(frozen=True)
class SlotAvailability:
    slot_id: int
    start: datetime
    end: datetime
    capacity: int
    booked: int  # places occupied
    available: int  # capacity - booked, never negative
    waitlist: int  # waiting reservations


@dataclass(frozen=True)
class ReservationInfo:
    id: int
    resource_id: int
    user_id: int
    slot_ids: list[int]  # one slot, or a run of consecutive slots in order
    quantity: int
    status: Status
    position: int | None  # 1-based waitlist position while waitlisted, else None
    counters: dict[str, int]  # extra counters taken (e.g. {"dish:12": 2})
    idempotency_key: str | None
    created_at: datetime
    created: bool = True  # False when an idempotent replay returned an existing one
    record: Any = None  # what the domain's record step returned (None on a replay)


@dataclass(frozen=True)
class Recording:
    """What a domain's record step gets: the engine's open transaction, the reservation
    as it will commit, and the time of the action."""

    tx: Tx
    reservation: ReservationInfo
    now: datetime


# A domain's record step: runs INSIDE the engine's transaction (write with
# `using_db=step.tx.conn`, tell people with `notify(tx=step.tx, ...)`) and returns the
# domain row. If it raises, nothing of the action commits (the engine gives its places
# back) and the error reaches the caller unchanged.
Record = Callable[[Recording], Awaitable[Any]]


@dataclass(frozen=True)
class CancelResult:
    reservation: ReservationInfo
    promoted: list[ReservationInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ReconcileReport:
    resources: int
    keys_repaired: int
    details: list[dict[str, Any]] = field(default_factory=list)


class CounterExhausted(AppError):
    """An extra counter (e.g. a dish's stock) has not enough left; details.counter."""

    status, code, message = 409, "sold_out", "库存不足"

    def __init__(self, counter: str) -> None:
        super().__init__(details={"counter": counter})
        self.counter = counter


class ResourceClosed(AppError):
    """The resource takes no new reservations (closed); existing ones are unchanged.
    Domains say what closed means to them (a withdrawn menu, a closed room)."""

    status, code, message = 409, "invalid_state", "该资源已停止预订"

    def __init__(self) -> None:
        super().__init__(details={"state": "closed"})


class BelowTaken(AppError):
    """A capacity or counter limit asked below what is already taken: `slots` maps slot
    id to places taken, `counters` counter name to amount used. Nothing changed."""

    status, code, message = 409, "conflict", "不能低于已预订的数量"

    def __init__(self, *, slots: dict[int, int], counters: dict[str, int]) -> None:
        super().__init__(details={"slots": slots, "counters": counters})
        self.slots = slots
        self.counters = counters
