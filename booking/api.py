"""The engine's public types and functions (contract for meals, meetings and later domains).

Signatures and semantics are fixed here; domains code against exactly these names. The
implementation lives in booking/catalog.py (definitions, reads), booking/engine.py
(reserve), booking/batch.py (group commit), booking/release.py (cancel, finish,
promotions), booking/store.py (database truth, hydration; the design of the
Redis/database consistency is in its docstring), booking/lua.py (the atomic steps) and
booking/healing.py (self-healing, hold expiry).
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


async def create_resource(*, domain: str, ref_id: int, name: str, policy: Policy) -> int:
    """A bookable thing (a menu's pickup line, a meeting room) with its policy."""
    from booking import catalog

    return await catalog.create_resource(domain=domain, ref_id=ref_id, name=name, policy=policy)


async def add_slots(*, resource_id: int, slots: list[SlotSpec]) -> list[SlotInfo]:
    """Create slots (start < end; capacity >= 0). Returns them in start order."""
    from booking import catalog

    return await catalog.add_slots(resource_id=resource_id, slots=slots)


async def ensure_slots(
    *, resource_id: int, start: datetime, end: datetime, step_minutes: int, capacity: int = 1
) -> list[SlotInfo]:
    """Get or create the grid slots covering [start, end) (for rooms: made on demand).

    Concurrent calls for the same grid create each slot once (unique resource+start).
    """
    from booking import catalog

    return await catalog.ensure_slots(
        resource_id=resource_id, start=start, end=end, step_minutes=step_minutes, capacity=capacity
    )


async def define_counter(*, resource_id: int, name: str, limit: int) -> None:
    """An extra counter that reservations may take from in the same atomic step."""
    from booking import catalog

    await catalog.define_counter(resource_id=resource_id, name=name, limit=limit)


async def reserve(
    *,
    resource_id: int,
    user_id: int,
    slot_ids: list[int],
    quantity: int = 1,
    counters: dict[str, int] | None = None,
    idempotency_key: str | None = None,
    waitlist: bool = False,
    hold: bool = False,
    record: Record | None = None,
    now: datetime,
) -> ReservationInfo:
    """Take `quantity` places in every slot of `slot_ids` (all or none) and `counters`.

    Status `confirmed`, or `held` with hold=True (e.g. awaiting approval), or
    `waitlisted` (with position) when the slot is full and waitlist=True and the policy
    allows it. Raises SlotFull/Conflict, LimitReached, CounterExhausted, NotFound,
    InvalidInput (empty or non-consecutive run). The same idempotency_key from the same
    user returns the existing reservation (created=False, record not run again), even
    under concurrency.

    `record` writes the domain's row (an order, a meeting booking) in the same
    transaction as the reservation — group commits included, each request in its own
    savepoint — so both commit or neither does; its result is `.record`.
    """
    from booking import engine

    request = engine.Request(
        resource_id=resource_id,
        user_id=user_id,
        slot_ids=list(slot_ids),
        quantity=quantity,
        counters=dict(counters or {}),
        idempotency_key=idempotency_key,
        waitlist=waitlist,
        hold=hold,
        record=record,
    )
    return await engine.reserve(request, now=now)


async def confirm(
    *, reservation_id: int, record: Record | None = None, now: datetime
) -> ReservationInfo:
    """held → confirmed (InvalidState otherwise); `record` rides in its transaction."""
    from booking import release

    return await release.confirm(reservation_id=reservation_id, record=record, now=now)


async def cancel(
    *,
    reservation_id: int,
    status: str = "cancelled",
    record: Record | None = None,
    now: datetime,
) -> CancelResult:
    """End a live reservation with a freeing status and give its places back.

    `record` (the domain's status change) commits with the cancellation; if it raises,
    nothing changes. After the commit the places go back and waitlisted reservations at
    the head of the slot's queue that now fit (places and counters) are promoted, each
    recorded by its domain's `on_promoted` step in the promotion's transaction.
    """
    from booking import release

    reservation, promoted = await release.cancel(
        reservation_id=reservation_id, status=status, record=record, now=now
    )
    return CancelResult(reservation=reservation, promoted=promoted)


async def finish(
    *, reservation_id: int, status: str, record: Record | None = None, now: datetime
) -> ReservationInfo:
    """Terminal status that keeps the places counted (completed, no_show)."""
    from booking import release

    return await release.finish(
        reservation_id=reservation_id, status=status, record=record, now=now
    )


def on_promoted(domain: str, record: Record) -> None:
    """The domain's step for a waitlisted reservation that got a place (confirm its row,
    tell its owner). It runs inside the promotion's transaction, whichever path
    promoted (a cancel, a freed place found by reconcile, a late waitlist entry)."""
    from booking import domains

    domains.register(domain, promoted=record)


def on_orphans(domain: str, recorded: Callable[[list[int]], Awaitable[set[int]]]) -> None:
    """How `repair_orphans` learns which of a domain's reservations have their row:
    `recorded(reservation_ids)` returns the ids that do."""
    from booking import domains

    domains.register(domain, recorded=recorded)


async def repair_orphans(*, now: datetime) -> list[dict[str, Any]]:
    """Give back the places of live reservations whose domain row was never written
    (left by code before "one action, one transaction"); each one is logged."""
    from booking import healing

    return await healing.repair_orphans(now=now)


async def get(*, reservation_id: int) -> ReservationInfo:
    """One reservation with its current waitlist position (NotFound if unknown)."""
    from booking import views

    return await views.reservation_info(reservation_id, created=False)


async def availability(
    *, resource_id: int, slot_ids: list[int] | None = None
) -> list[SlotAvailability]:
    """Places per slot from the Redis copy (all slots in start order when slot_ids is None)."""
    from booking import catalog

    return await catalog.availability(resource_id=resource_id, slot_ids=slot_ids)


async def counters_remaining(*, resource_id: int, names: list[str]) -> dict[str, int]:
    """What is left of each extra counter (limit - taken by occupying reservations)."""
    from booking import catalog

    return await catalog.counters_remaining(resource_id=resource_id, names=names)


async def busy(
    *, resource_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Merged intervals within [start, end) whose slots are fully occupied."""
    from booking import catalog

    return await catalog.busy(resource_id=resource_id, start=start, end=end)


async def reconcile(*, resource_id: int | None = None, now: datetime) -> ReconcileReport:
    """Compare Redis with the database and repair drift (the database wins)."""
    from booking import healing

    return await healing.reconcile(resource_id=resource_id, now=now)


async def settled() -> None:
    """Wait until the requests whose callers hung up are written or given back."""
    from booking import engine

    await engine.settled()


async def expire_holds(*, now: datetime) -> int:
    """Held reservations past the policy's hold_ttl_s become expired (places freed)."""
    from booking import healing

    return await healing.expire_holds(now=now)
