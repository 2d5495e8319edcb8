"""The one time-slot engine every domain books through (DESIGN.md "The booking engine").

Domains (meals, meeting rooms, later car-wash bays and gym classes) differ only in
data: a `Policy` on their resource. Redis is the gate (one Lua step checks capacity,
the per-user limit, extra counters and the idempotency key, and takes every place of
a run or none); the database is the truth (a reservation is committed before success
is reported; if the write fails the places are given back in Redis).

Public API (all keyword-only, `now=` passed in; import from `booking`, which re-exports
the functions from the modules that implement them and the types of booking/types.py):

    create_resource(tx=, domain=, ref_id=, name=, policy=) -> int     # in the caller's tx
    add_slots(tx=, resource_id=, slots=[SlotSpec]) -> list[SlotInfo]
    ensure_slots(resource_id=, start=, end=, step_minutes=, capacity=1) -> list[SlotInfo]
    define_counter(tx=, resource_id=, name=, limit=) -> None
    reserve(resource_id=, user_id=, slot_ids=, quantity=1, counters=None,
            idempotency_key=None, waitlist=False, hold=False, record=None, now=)
        -> ReservationInfo (.record = what the record step returned)
    confirm(reservation_id=, record=None, now=) -> ReservationInfo   # held -> confirmed
    cancel(reservation_id=, status="cancelled", record=None, now=) -> CancelResult
    finish(reservation_id=, status=, record=None, now=) -> ReservationInfo  # completed / no_show
    get(reservation_id=) -> ReservationInfo
    availability(resource_id=, slot_ids=None) -> list[SlotAvailability]
    counters_remaining(resource_id=, names=) -> dict[str, int]
    busy(resource_id=, start=, end=) -> list[tuple[datetime, datetime]]
    redefine(resource_id=, capacities=None, limits=None, closed=None, record=None, now=)
        -> what record(tx) returned; never below what is taken (BelowTaken)
    has_slots_after(resource_id=, moment=) -> bool
    reconcile(resource_id=None, now=) -> ReconcileReport
    heal_at_start(now=) -> ReconcileReport  # a starting process: resources booked now
    expire_holds(now=) -> int                                  # held past hold_ttl_s
    settled() -> None     # wait for accepted requests whose callers hung up
    on_promoted(domain, record)      # record(step) in the promotion's transaction
    on_orphans(domain, recorded)     # recorded(ids) -> ids that have their domain row
    repair_orphans(now=) -> list[dict]   # live reservations without a row: given back

One action, one transaction: `record(step)` is the domain's step (write its row with
`using_db=step.tx.conn`, notices with `notify(tx=step.tx, ...)`), run inside the engine's own
database transaction — in a group commit a refusing step fails only its own request — so the
reservation and the domain row commit together or not at all, whatever kills the
process when. No domain writes undo code.

Errors raised (subclasses of server.errors.AppError, so they render as API.md codes):
`SlotFull` (409 slot_full, details.slot_id and details.alternatives), `Conflict`
(409 conflict, when the policy's full_code is "conflict", e.g. rooms),
`LimitReached` (409 limit_reached), `CounterExhausted` (409, details.counter; a
domain maps it, e.g. meals → sold_out with dish_id), `ResourceClosed` (409
invalid_state, the resource was closed by `redefine`), `NotFound`, `InvalidInput`;
`redefine` raises `BelowTaken` (409 conflict, details.slots/counters).
"""

from booking.catalog import (
    add_slots,
    availability,
    busy,
    counters_remaining,
    create_resource,
    define_counter,
    ensure_slots,
    get,
)
from booking.domains import on_orphans, on_promoted
from booking.engine import reserve, reserve_each, settled
from booking.healing import expire_holds, heal_at_start, reconcile, repair_orphans
from booking.redefine import has_slots_after, redefine
from booking.release import cancel, confirm, finish
from booking.types import (
    BelowTaken,
    CancelResult,
    CounterExhausted,
    Policy,
    ReconcileReport,
    Record,
    Recording,
    ReservationInfo,
    ResourceClosed,
    SlotAvailability,
    SlotInfo,
    SlotSpec,
)

__all__ = [
    "BelowTaken",
    "CancelResult",
    "CounterExhausted",
    "Policy",
    "ReconcileReport",
    "Record",
    "Recording",
    "ReservationInfo",
    "ResourceClosed",
    "SlotAvailability",
    "SlotInfo",
    "SlotSpec",
    "add_slots",
    "availability",
    "busy",
    "cancel",
    "confirm",
    "counters_remaining",
    "create_resource",
    "define_counter",
    "ensure_slots",
    "expire_holds",
    "finish",
    "get",
    "has_slots_after",
    "heal_at_start",
    "on_orphans",
    "on_promoted",
    "reconcile",
    "redefine",
    "repair_orphans",
    "reserve",
    "reserve_each",
    "settled",
]
