"""Resources, slots and counters (definitions), and the read side (availability, get).

Definitions are written in the caller's transaction (`tx`): a domain creates its own
rows (a menu, a room, a day of wash slots) and the engine's in one action, so a crash
leaves all of it or none, and nothing is ever undone by hand. The Redis copy learns a
new slot or counter after the commit (`store.patch`); if that never runs, the engine
adds what the copy lacks when it first meets it (NOSLOT / NOCOUNTER).

Availability reads come from the Redis copy (hydrated on demand): the menu page and
the room grid are read far more often than anything is booked. `get` reads the
database (a reservation and its waitlist position).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from booking import store
from booking.convert import known_id, reservation_info
from booking.types import Policy, ReservationInfo, SlotAvailability, SlotInfo, SlotSpec
from models.booking import Counter, Resource, Slot
from server import resources
from server.clock import utc
from server.errors import InvalidInput, NotFound
from server.tx import Tx, savepoint


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput({field: "时间需带时区"})
    return moment


def _slot_info(slot: Slot) -> SlotInfo:
    return SlotInfo(
        id=slot.id,
        resource_id=slot.resource_id,
        start=slot.start,
        end=slot.end,
        capacity=slot.capacity,
    )


async def create_resource(*, tx: Tx, domain: str, ref_id: int, name: str, policy: Policy) -> int:
    """A bookable thing (a menu's pickup line, a meeting room) with its policy, in `tx`."""
    problems: dict[str, str] = {}
    if policy.capacity < 0:
        problems["capacity"] = "容量不能为负"
    if policy.per_user_limit is not None and policy.per_user_limit < 0:
        problems["per_user_limit"] = "个人上限不能为负"
    if policy.hold_ttl_s is not None and policy.hold_ttl_s <= 0:
        problems["hold_ttl_s"] = "保留时长必须为正"
    if policy.full_code not in ("slot_full", "conflict"):
        problems["full_code"] = "无效的约满代码"
    if not domain or not name:
        problems["name"] = "名称不能为空"
    if problems:
        raise InvalidInput(problems)
    resource = await Resource.create(
        using_db=tx.conn,
        domain=domain,
        ref_id=ref_id,
        name=name,
        capacity=policy.capacity,
        consecutive=policy.consecutive,
        per_user_limit=policy.per_user_limit,
        one_per_user_per_slot=policy.one_per_user_per_slot,
        waitlist=policy.waitlist,
        hold_ttl_s=policy.hold_ttl_s,
        full_code=policy.full_code,
    )

    async def forget_any_copy() -> None:
        await store.forget(resource.id)

    tx.after_commit(forget_any_copy)
    return resource.id


async def _require_resource(resource_id: int, tx: Tx | None = None) -> Resource:
    resource = await Resource.get_or_none(
        id=known_id(resource_id, "预订资源"), using_db=tx.conn if tx else None
    )
    if resource is None:
        raise NotFound("预订资源不存在")
    return resource


async def add_slots(*, tx: Tx, resource_id: int, slots: list[SlotSpec]) -> list[SlotInfo]:
    """Create slots (start < end; capacity >= 0) in `tx`. Returns them in start order.

    A start the resource already has is 400 (and `tx` is spoilt: the caller's action
    fails as a whole)."""
    await _require_resource(resource_id, tx)
    for i, spec in enumerate(slots):
        _aware(spec.start, f"slots[{i}].start")
        _aware(spec.end, f"slots[{i}].end")
        if spec.start >= spec.end:
            raise InvalidInput({f"slots[{i}]": "结束时间必须晚于开始时间"})
        if spec.capacity < 0:
            raise InvalidInput({f"slots[{i}]": "容量不能为负"})
    if len({spec.start for spec in slots}) != len(slots):
        raise InvalidInput({"slots": "时段开始时间重复"})
    try:
        created = [
            await Slot.create(
                using_db=tx.conn,
                resource_id=resource_id,
                start=spec.start,
                end=spec.end,
                capacity=spec.capacity,
            )
            for spec in slots
        ]
    except IntegrityError as exc:
        raise InvalidInput({"slots": "该资源已有相同开始时间的时段"}) from exc
    _patch_after(tx, resource_id)
    return [_slot_info(slot) for slot in sorted(created, key=lambda s: s.start)]


async def ensure_slots(
    *, resource_id: int, start: datetime, end: datetime, step_minutes: int, capacity: int = 1
) -> list[SlotInfo]:
    """Get or create the grid slots covering [start, end) (for rooms: made on demand).

    Concurrent calls for the same grid create each slot once (unique resource+start).
    """
    await _require_resource(resource_id)
    _aware(start, "start")
    _aware(end, "end")
    if step_minutes <= 0 or start >= end:
        raise InvalidInput({"end": "时间范围无效"})
    if (end - start) / timedelta(minutes=step_minutes) > 24 * 60:
        raise InvalidInput({"end": "时间范围过大"})
    step = timedelta(minutes=step_minutes)
    wanted = []
    moment = start
    while moment < end:
        wanted.append(moment)
        moment += step
    existing = {
        utc(slot.start): slot
        for slot in await Slot.filter(resource_id=resource_id, start__in=wanted)
    }
    made = False
    for moment in wanted:
        if utc(moment) in existing:
            continue
        try:
            slot = await Slot.create(
                resource_id=resource_id, start=moment, end=moment + step, capacity=capacity
            )
            made = True
        except IntegrityError:  # a concurrent call created it: same grid, same slot
            slot = await Slot.get(resource_id=resource_id, start=moment)
        existing[utc(moment)] = slot
    if made:
        await store.patch(resource_id)
    return [_slot_info(existing[utc(m)]) for m in wanted]


async def define_counter(*, tx: Tx, resource_id: int, name: str, limit: int) -> None:
    """An extra counter that reservations may take from in the same atomic step (in
    `tx`; defining an existing name sets its limit)."""
    await _require_resource(resource_id, tx)
    if not name or len(name) > 64 or any(ch in name for ch in "|;=,"):
        raise InvalidInput({"name": "计数项名称无效"})
    if limit < 0:
        raise InvalidInput({"limit": "数量不能为负"})
    try:
        async with savepoint(tx) as step:  # a refused insert must not spoil `tx`
            await Counter.create(
                using_db=step.conn, resource_id=resource_id, name=name, limit=limit
            )
    except IntegrityError:
        await (
            Counter.filter(resource_id=resource_id, name=name).using_db(tx.conn).update(limit=limit)
        )
    _patch_after(tx, resource_id)


def _patch_after(tx: Tx, resource_id: int) -> None:
    """Once `tx` commits, add its new definitions to the Redis copy, if one exists."""

    async def patch() -> None:
        await store.patch(resource_id)

    tx.after_commit(patch)


async def _copy_fields(resource_id: int, names: list[str]) -> list[str | None]:
    """Fields of the Redis copy, hydrating it first if it is missing."""
    redis = resources.redis()
    key = store.state_key(resource_id)
    for _ in range(3):
        values: list[str | None] = await redis.hmget(  # type: ignore[assignment]
            key, ["epoch", *names]
        )
        if values[0] is not None:
            return values[1:]
        await store.hydrate(resource_id)
    raise NotFound("预订资源不存在")


async def availability(
    *, resource_id: int, slot_ids: list[int] | None = None
) -> list[SlotAvailability]:
    """Places per slot from the Redis copy (all slots in start order when slot_ids is None)."""
    await _require_resource(resource_id)
    if slot_ids is None:
        listed = (await _copy_fields(resource_id, ["slots"]))[0] or ""
        slot_ids = [int(s) for s in listed.split(",") if s]
    names = [f"{prefix}:{s}" for s in slot_ids for prefix in ("c", "t", "b")]
    values = await _copy_fields(resource_id, names)
    if any(values[i] is None for i in range(0, len(values), 3)):
        await store.patch(resource_id)  # slots created after the copy was built
        values = await _copy_fields(resource_id, names)
    redis = resources.redis()
    async with redis.pipeline(transaction=False) as pipe:
        for s in slot_ids:
            pipe.llen(store.queue_key(resource_id, s))
        waiting = await pipe.execute()
    out = []
    for i, slot_id in enumerate(slot_ids):
        cap, times, booked = values[3 * i : 3 * i + 3]
        if cap is None or times is None:
            raise NotFound("时段不存在")
        start, end = (int(x) for x in times.split(":"))
        capacity, taken = int(cap), int(booked or 0)
        out.append(
            SlotAvailability(
                slot_id=slot_id,
                start=datetime.fromtimestamp(start, tz=UTC),
                end=datetime.fromtimestamp(end, tz=UTC),
                capacity=capacity,
                booked=taken,
                available=max(capacity - taken, 0),
                waitlist=int(waiting[i]),
            )
        )
    return out


async def counters_remaining(*, resource_id: int, names: list[str]) -> dict[str, int]:
    """What is left of each extra counter (limit - taken by occupying reservations)."""
    await _require_resource(resource_id)
    values = await _copy_fields(resource_id, [f"{p}:{n}" for n in names for p in ("L", "U")])
    if any(values[i] is None for i in range(0, len(values), 2)):
        await store.patch(resource_id)
        values = await _copy_fields(resource_id, [f"{p}:{n}" for n in names for p in ("L", "U")])
    out = {}
    for i, name in enumerate(names):
        limit, used = values[2 * i], values[2 * i + 1]
        if limit is None:
            raise NotFound(f"计数项不存在：{name}")
        out[name] = max(int(limit) - int(used or 0), 0)
    return out


async def busy(
    *, resource_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Merged intervals within [start, end) whose slots are fully occupied."""
    spans = sorted(
        (slot.start, slot.end)
        for slot in await availability(resource_id=resource_id)
        if slot.available <= 0 and slot.start < end and slot.end > start
    )
    merged: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


async def get(*, reservation_id: int) -> ReservationInfo:
    """One reservation with its current waitlist position (NotFound if unknown)."""
    return await reservation_info(reservation_id, created=False)
