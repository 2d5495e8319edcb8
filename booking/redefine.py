"""Change what a resource offers while it is booked: slot capacities, counter limits
(a dish's stock), closing it to new reservations — never below what is taken.

The Redis gate and the database must agree at every instant, or a request could be
accepted against a capacity the database no longer has. The order of the steps makes
every interleaving and every crash leave the gate at most *stricter* than the database,
never looser (booking/store.py has the design of the copy):

1. Under the exclusive lock on the resource row (the one hydration and reconcile take;
   writers in flight hold it shared, so they have committed or wait), the committed
   counts are read from the database: a value below them is refused.
2. In the same transaction, one Lua step (TIGHTEN) checks every lowered value against
   the copy's counts — which include requests that took places and are still writing —
   and applies the lowered ones and the closing, all or none. From this instant no
   request can take what is no longer offered.
3. The database rows change (the engine's and the domain's, through `record`) and
   commit. If anything fails after step 2, the copy is set back from the database.
4. After the commit, raised values are copied from the database (`store.patch`, under
   the same exclusive lock, so a later change is never overwritten by an earlier one)
   and the waitlist heads that now fit are promoted.

A process killed between 2 and 3 leaves the gate stricter than the database until
reconcile rewrites the copy; killed between 3 and 4, raised values wait for the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from booking import lua, release, store
from booking.convert import known_id
from booking.types import BelowTaken
from models.booking import Counter, Resource, Slot
from server import faults
from server.errors import InvalidInput, NotFound, ServiceUnavailable
from server.logs import get_logger
from server.tx import Tx, transaction

log = get_logger("booking")

# The domain's rows that change with the engine's, in the same transaction.
Step = Callable[[Tx], Awaitable[Any]]


class _Missing(Exception):
    """The copy vanished (a Redis restart) between hydration and the Lua step."""


async def redefine(
    *,
    resource_id: int,
    capacities: dict[int, int] | None = None,
    limits: dict[str, int] | None = None,
    closed: bool | None = None,
    record: Step | None = None,
    now: datetime,
) -> Any:
    """Set slot capacities (slot id → places), counter limits (name → amount) and
    whether the resource is closed, together with the domain's `record` step, in one
    transaction. Raises BelowTaken (nothing changed) when a value is below what is
    taken. Returns what `record` returned.
    """
    known_id(resource_id, "预订资源")
    capacities, limits = dict(capacities or {}), dict(limits or {})
    problems = {f"capacities.{s}": "不能为负" for s, c in capacities.items() if c < 0}
    problems |= {f"limits.{n}": "不能为负" for n, c in limits.items() if c < 0}
    if problems:
        raise InvalidInput(problems)
    for _attempt in range(3):
        await store.hydrate(resource_id)
        tightened = False
        try:
            async with transaction() as tx:
                conn = tx.conn
                await store.lock_resource(conn, resource_id, exclusive=True)
                await _check_definitions(tx, resource_id, capacities, limits)
                truth = await store.load_truth(conn, resource_id)
                _refuse_below(truth.fields, capacities, limits)
                tightened = True
                await _tighten(resource_id, capacities, limits, close=closed is True)
                await faults.point("booking.redefine.after_tighten")
                for slot_id, capacity in capacities.items():
                    await Slot.filter(id=slot_id).using_db(conn).update(capacity=capacity)
                for name, limit in limits.items():
                    await (
                        Counter.filter(resource_id=resource_id, name=name)
                        .using_db(conn)
                        .update(limit=limit)
                    )
                if closed is not None:
                    await Resource.filter(id=resource_id).using_db(conn).update(closed=closed)
                value = await record(tx) if record is not None else None
        except _Missing:
            continue
        except BaseException:
            if tightened:
                await _set_back(resource_id)
            raise
        await store.patch(resource_id)
        await _promote_what_fits(
            resource_id, capacities, more_of_all=bool(limits) or closed is False, now=now
        )
        return value
    raise ServiceUnavailable("预订服务繁忙，请稍后再试")


async def _check_definitions(
    tx: Tx, resource_id: int, capacities: dict[int, int], limits: dict[str, int]
) -> None:
    """The resource exists, and every slot and counter named is one of its own."""
    conn = tx.conn
    if not await Resource.filter(id=resource_id).using_db(conn).exists():
        raise NotFound("预订资源不存在")
    if capacities:
        slot_ids: list[Any] = (
            await Slot.filter(resource_id=resource_id, id__in=list(capacities))
            .using_db(conn)
            .values_list("id", flat=True)
        )
        if missing := [s for s in capacities if s not in {int(i) for i in slot_ids}]:
            raise NotFound("时段不存在", details={"slot_ids": missing})
    if limits:
        names: list[Any] = (
            await Counter.filter(resource_id=resource_id, name__in=list(limits))
            .using_db(conn)
            .values_list("name", flat=True)
        )
        if missing_names := [n for n in limits if n not in {str(i) for i in names}]:
            raise NotFound("计数项不存在", details={"counters": missing_names})


def _refuse_below(
    fields: dict[str, str], capacities: dict[int, int], limits: dict[str, int]
) -> None:
    """What the database has committed, against the values asked."""
    slots = {s: int(fields.get(f"b:{s}", 0)) for s in capacities}
    counters = {n: int(fields.get(f"U:{n}", 0)) for n in limits}
    slots = {s: taken for s, taken in slots.items() if taken > capacities[s]}
    counters = {n: used for n, used in counters.items() if used > limits[n]}
    if slots or counters:
        raise BelowTaken(slots=slots, counters=counters)


async def _tighten(
    resource_id: int, capacities: dict[int, int], limits: dict[str, int], *, close: bool
) -> None:
    """The Lua step: check against the copy's counts and apply what lowers, at once."""
    args: list[Any] = ["1" if close else "", len(capacities)]
    for slot_id, capacity in capacities.items():
        args += [slot_id, capacity]
    for name, limit in limits.items():
        args += [name, limit]
    reply = await store.run(lua.TIGHTEN, keys=[store.state_key(resource_id)], args=args)
    if reply[0] == "MISSING":
        raise _Missing()
    if reply[0] == "BELOW":
        slots: dict[int, int] = {}
        counters: dict[str, int] = {}
        for field, taken in zip(reply[1::2], reply[2::2], strict=True):
            kind, _, name = str(field).partition(":")
            if kind == "b":
                slots[int(name)] = int(taken)
            else:
                counters[name] = int(taken)
        raise BelowTaken(slots=slots, counters=counters)


async def _set_back(resource_id: int) -> None:
    """After a failure past the Lua step: the copy's definitions from the database
    again (the failed change never committed). If even this fails, the copy stays
    stricter than the database until reconcile rewrites it."""
    try:
        await store.patch(resource_id)
    except Exception:
        log.exception("booking: definitions of resource %s not set back", resource_id)


async def _promote_what_fits(
    resource_id: int, capacities: dict[int, int], *, more_of_all: bool, now: datetime
) -> None:
    """Waiting requests that fit the raised values take their places now, as they would
    after a cancellation (nothing to do for a resource without a waitlist)."""
    if not await Resource.filter(id=resource_id, waitlist=True).exists():
        return
    slot_ids = list(capacities)
    if more_of_all:  # a counter or the resource itself concerns every slot
        found: list[Any] = await Slot.filter(resource_id=resource_id).values_list("id", flat=True)
        slot_ids = [int(s) for s in found]
    if slot_ids:
        await release.promote(resource_id=resource_id, slot_ids=slot_ids, now=now)


async def has_slots_after(*, resource_id: int, moment: datetime) -> bool:
    """Whether the resource has a slot ending after `moment`: a domain whose slots are
    made on demand on a grid (rooms) may change the grid only while it has none."""
    return await Slot.filter(resource_id=resource_id, end__gt=moment.astimezone(UTC)).exists()
