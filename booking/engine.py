"""Reserve: the Redis step first, then the database write (booking/store.py).

`reserve` runs one Lua step (RESERVE) that either rejects (one round trip, no database
query) or takes every place and counter. An accepted request is written in a
transaction, grouped with the others accepted at the same moment (booking/batch.py);
success is returned only after the commit. If the write fails, the
places are given back (COMPENSATE) to the copy of the state they were taken from.
Cancellation and promotion are in booking/release.py.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError

from booking import batch, lua, store
from booking.convert import full_error, info_of, known_id, reservation_info
from booking.domains import RecordFailed, run_record
from booking.release import promote
from booking.types import (
    CounterExhausted,
    Record,
    ReservationInfo,
    ResourceClosed,
)
from models.booking import Occupancy, Reservation, Resource, Slot, WaitlistEntry
from server import metrics
from server.errors import (
    AppError,
    Conflict,
    InvalidInput,
    LimitReached,
    NotFound,
    ServiceUnavailable,
)
from server.tx import Tx, transaction
from services import idempotency
from services.idempotency import Keyed

log = logging.getLogger("booking")
MAX_ATTEMPTS = 400
# Steps that took (or may take) places and run on even if their caller went away.
_in_flight: set[asyncio.Future[Any]] = set()


async def settled() -> None:
    """Wait until every accepted request whose caller went away is written or given
    back (tests and graceful shutdown; the engine never needs it itself)."""
    while _in_flight:
        await asyncio.gather(*list(_in_flight), return_exceptions=True)


@dataclass(frozen=True)
class Request:
    resource_id: int
    user_id: int
    slot_ids: list[int]
    quantity: int
    counters: dict[str, int]
    idempotency_key: str | None
    waitlist: bool
    hold: bool
    record: Record | None = None


def validate(request: Request) -> None:
    """Client mistakes caught before any Redis or database work."""
    known_id(request.resource_id, "预订资源")
    for slot_id in request.slot_ids:
        known_id(slot_id, "时段")
    problems: dict[str, str] = {}
    if not request.slot_ids:
        problems["slot_ids"] = "至少选择一个时段"
    elif len(set(request.slot_ids)) != len(request.slot_ids):
        problems["slot_ids"] = "时段不能重复"
    if request.quantity < 1:
        problems["quantity"] = "数量至少为1"
    for name, amount in request.counters.items():
        if amount < 1 or not name or any(ch in name for ch in "|;=,"):
            problems["counters"] = "计数项无效"
    if request.idempotency_key is not None and not (0 < len(request.idempotency_key) <= 128):
        problems["idempotency_key"] = "幂等键长度应为1-128"
    if problems:
        raise InvalidInput(problems)


# Write tokens (the Lua step's mark of a pending write) need only be unique across
# processes and restarts: a random prefix drawn per process, then a counter — not a
# uuid4 (an os.urandom call and a UUID object) per attempt.
_token_state: dict[str, Any] = {}


def _write_token() -> str:
    if _token_state.get("pid") != os.getpid():
        _token_state.update(pid=os.getpid(), prefix=secrets.token_hex(8), n=itertools.count(1))
    return f"{_token_state['prefix']}{next(_token_state['n']):016x}"


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
    allows it. Raises SlotFull/Conflict, LimitReached, CounterExhausted, ResourceClosed, NotFound,
    InvalidInput (empty or non-consecutive run). The same idempotency_key from the same
    user returns the existing reservation (created=False, record not run again), even
    under concurrency.

    `record` writes the domain's row (an order, a meeting booking) in the same
    transaction as the reservation — group commits included (booking/batch.py: a
    refusing step fails only its own request) — so both commit or neither does; its
    result is `.record`.
    """
    request = Request(
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
    try:
        info = await reserve_request(request, now=now)
    except AppError as refused:
        await metrics.booking(resource_id, refused.code)
        raise
    except Exception:
        await metrics.booking(resource_id, "error")
        raise
    await metrics.booking(resource_id, info.status if info.created else "replayed")
    return info


async def reserve_request(request: Request, *, now: datetime) -> ReservationInfo:
    validate(request)
    rid = request.resource_id
    ikey = f"i:{request.user_id}:{request.idempotency_key}" if request.idempotency_key else ""
    args: list[Any] = [
        request.user_id,
        request.quantity,
        request.idempotency_key or "",
        "",
        "1" if request.waitlist else "0",
        len(request.slot_ids),
        *request.slot_ids,
    ]
    for name, amount in request.counters.items():
        args += [name, amount]
    keys = [store.state_key(rid), *(store.queue_key(rid, s) for s in request.slot_ids)]
    for attempt in range(MAX_ATTEMPTS):
        token = _write_token()
        # Once the Lua step may have taken places, the write and its settling in Redis
        # must finish even if the caller goes away (a client hang-up cancels the request
        # task, possibly while the reply is on its way), or Redis and the database would
        # disagree. So the step and everything after it run shielded.
        step = asyncio.ensure_future(
            _step(request, keys=keys, args=[*args[:3], token, *args[4:]], ikey=ikey, now=now)
        )
        _in_flight.add(step)
        step.add_done_callback(_in_flight.discard)
        outcome = await asyncio.shield(step)
        if isinstance(outcome, ReservationInfo):
            return outcome
        reply = outcome
        kind = reply[0]
        if kind == "MISSING":
            await store.hydrate(rid)
        elif kind in ("NOSLOT", "NOCOUNTER"):
            await _learn_definitions(rid, kind, reply[1])
        elif kind == "INVALID":
            raise InvalidInput({"slot_ids": "所选时段必须是连续的一段"})
        elif kind == "REPLAY":
            if not reply[1].startswith("P:"):
                return await reservation_info(int(reply[1]), created=False)
            await asyncio.sleep(min(0.001 * (attempt + 1), 0.02))  # the owner is writing it
        elif (refused := _refusal(reply, quantity=request.quantity)) is not None:
            raise refused
        # "RETRY": the copy was replaced while writing; take the places again.
    raise ServiceUnavailable("预订服务繁忙，请稍后再试")


def _refusal(reply: list[str], *, quantity: int) -> AppError | None:
    """The error a refusing RESERVE reply stands for (None: not a refusal)."""
    kind = reply[0]
    if kind == "DUP":
        return Conflict("您已预订该时段", details={"slot_id": int(reply[1])})
    if kind == "LIMIT":
        return LimitReached(details={"limit": int(reply[1])})
    if kind == "FULL":
        return full_error(reply, quantity=quantity)
    if kind == "COUNTER":
        return CounterExhausted(reply[1])
    if kind == "CLOSED":
        return ResourceClosed()
    if kind == "INVALID":
        return InvalidInput({"slot_ids": "所选时段必须是连续的一段"})
    return None


async def _step(
    request: Request, *, keys: list[str], args: list[Any], ikey: str, now: datetime
) -> list[str] | ReservationInfo:
    """The Lua step and, if it took places, the write: the reply or the reservation."""
    reply: list[str] = await store.run(lua.RESERVE, keys=keys, args=args)
    if reply[0] not in ("OK", "WAIT"):
        return reply
    info = await _settle(request, reply, token=str(args[3]), ikey=ikey, now=now)
    return ["RETRY"] if info is None else info


async def _settle(
    request: Request, reply: list[str], *, token: str, ikey: str, now: datetime
) -> ReservationInfo | None:
    """Write an accepted request, then finalize or give back; None = start again."""
    rid = request.resource_id
    waiting = reply[0] == "WAIT"
    epoch, caps = reply[1], [int(c) for c in reply[2].split(",")]
    policy = Written(one_per_slot=reply[3] == "1", hold_ttl_s=int(reply[4]))
    seq = int(reply[5]) if waiting else None
    # The caller's Idempotency-Key rides in the transaction that writes the
    # reservation, which may be a group commit run by another request's task.
    keyed = idempotency.current()
    try:
        if waiting:
            reservation, value = await _write(
                request, caps=caps, seq=seq, epoch=epoch, policy=policy, keyed=keyed, now=now
            )
        else:
            reservation, value = await batch.submit(
                _pending(request, caps=caps, epoch=epoch, policy=policy, keyed=keyed, now=now)
            )
    except store.Stale:
        return None
    except RecordFailed as failed:  # the domain refused: nothing committed, give back
        await _compensate(request, epoch=epoch, token=token, ikey=ikey, seq=seq)
        raise failed.error from None
    except IntegrityError:
        await _compensate(request, epoch=epoch, token=token, ikey=ikey, seq=seq)
        return await _explain_integrity(request)
    except BaseException:
        await _compensate(request, epoch=epoch, token=token, ikey=ikey, seq=seq)
        raise
    if ikey or seq is not None:  # nothing was marked in flight otherwise
        await store.run(
            lua.FINALIZE,
            keys=[store.state_key(rid)],
            args=[ikey, token, reservation.id, seq if seq is not None else ""],
        )
    if waiting:
        # Places may have been freed while this entry was pending (not promotable).
        await promote(resource_id=rid, slot_ids=request.slot_ids, now=now)
        info = await reservation_info(reservation.id, created=True)
    else:
        info = await info_of(reservation, created=True)
    return replace(info, record=value)


async def _learn_definitions(resource_id: int, kind: str, name: str) -> None:
    """A slot or counter unknown to the copy: add it from the database, or reject."""
    from models.booking import Counter

    if kind == "NOSLOT":
        exists = await Slot.filter(id=int(name), resource_id=resource_id).exists()
        if not exists:
            raise NotFound("时段不存在")
    else:
        exists = await Counter.filter(resource_id=resource_id, name=name).exists()
        if not exists:
            raise InvalidInput({"counters": f"未定义的计数项：{name}"})
    await store.patch(resource_id)


@dataclass(frozen=True)
class Written:
    """The parts of the policy the write needs, read from the copy by the Lua step."""

    one_per_slot: bool
    hold_ttl_s: int


async def _write(
    request: Request,
    *,
    caps: list[int],
    seq: int | None,
    epoch: str,
    policy: Written,
    keyed: Keyed | None,
    now: datetime,
) -> tuple[Reservation, Any]:
    """The database write of an accepted request and the domain's record step, in one
    transaction: (the reservation, what the record step returned). Raises store.Stale
    to start again, RecordFailed when the domain refused."""
    async with transaction(keyed=keyed) as tx:
        await store.lock_resource(tx.conn, request.resource_id, exclusive=False)
        await store.check_epoch(request.resource_id, epoch)
        reservation = await _insert(tx, request, caps=caps, seq=seq, policy=policy, now=now)
        tx.created(reservation.id)
        value = await run_record(
            request.record, tx, await info_of(reservation, created=True), now=now
        )
    return reservation, value


async def _insert(
    tx: Tx,
    request: Request,
    *,
    caps: list[int],
    seq: int | None,
    policy: Written,
    now: datetime,
) -> Reservation:
    """The reservation's rows (reservation, occupancies, waitlist entries) in `tx`."""
    conn = tx.conn
    occupying = seq is None
    status = "waitlisted" if not occupying else ("held" if request.hold else "confirmed")
    expires_at = None
    if status == "held" and policy.hold_ttl_s > 0:
        expires_at = now + timedelta(seconds=policy.hold_ttl_s)
    reservation = await Reservation.create(
        using_db=conn,
        resource_id=request.resource_id,
        user_id=request.user_id,
        slot_ids=request.slot_ids,
        quantity=request.quantity,
        status=status,
        idempotency_key=request.idempotency_key,
        counters=request.counters,
        wait_seq=seq,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )
    await Occupancy.bulk_create(
        [
            Occupancy(
                reservation_id=reservation.id,
                slot_id=slot_id,
                user_id=request.user_id,
                quantity=request.quantity,
                occupied=occupying,
                exclusive_key=str(slot_id) if occupying and cap == 1 else None,
                user_slot_key=(f"{slot_id}:{request.user_id}" if policy.one_per_slot else None),
            )
            for slot_id, cap in zip(request.slot_ids, caps, strict=True)
        ],
        using_db=conn,
    )
    if seq is not None:
        await WaitlistEntry.bulk_create(
            [
                WaitlistEntry(
                    reservation_id=reservation.id, slot_id=slot_id, seq=seq, created_at=now
                )
                for slot_id in request.slot_ids
            ],
            using_db=conn,
        )
    return reservation


def _pending(
    request: Request,
    *,
    caps: list[int],
    epoch: str,
    policy: Written,
    keyed: Keyed | None,
    now: datetime,
) -> batch.Pending:
    """An accepted (place-taking) request for the group commit, with its lone fallback."""
    status = "held" if request.hold else "confirmed"
    expires_at = None
    if request.hold and policy.hold_ttl_s > 0:
        expires_at = now + timedelta(seconds=policy.hold_ttl_s)
    reservation = Reservation(
        resource_id=request.resource_id,
        user_id=request.user_id,
        slot_ids=request.slot_ids,
        quantity=request.quantity,
        status=status,
        idempotency_key=request.idempotency_key,
        counters=request.counters,
        wait_seq=None,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )
    occupancies = [
        Occupancy(
            slot_id=slot_id,
            user_id=request.user_id,
            quantity=request.quantity,
            occupied=True,
            exclusive_key=str(slot_id) if cap == 1 else None,
            user_slot_key=f"{slot_id}:{request.user_id}" if policy.one_per_slot else None,
        )
        for slot_id, cap in zip(request.slot_ids, caps, strict=True)
    ]

    async def write_alone() -> tuple[Reservation, Any]:
        return await _write(
            request, caps=caps, seq=None, epoch=epoch, policy=policy, keyed=keyed, now=now
        )

    return batch.Pending(
        resource_id=request.resource_id,
        epoch=epoch,
        reservation=reservation,
        occupancies=occupancies,
        record=request.record,
        now=now,
        write_alone=write_alone,
        keyed=keyed,
    )


async def _compensate(
    request: Request, *, epoch: str, token: str, ikey: str, seq: int | None
) -> None:
    rid = request.resource_id
    args: list[Any] = [
        epoch,
        request.user_id,
        request.quantity,
        ikey,
        token,
        "take" if seq is None else "wait",
        seq if seq is not None else "",
        len(request.slot_ids),
        *request.slot_ids,
    ]
    for name, amount in request.counters.items():
        args += [name, amount]
    keys = [store.state_key(rid), *(store.queue_key(rid, s) for s in request.slot_ids)]
    await store.run(lua.COMPENSATE, keys=keys, args=args)


async def _explain_integrity(request: Request) -> ReservationInfo:
    """A database constraint refused what Redis let through (Redis was bypassed or stale)."""
    if request.idempotency_key:
        existing = await Reservation.filter(
            resource_id=request.resource_id,
            user_id=request.user_id,
            idempotency_key=request.idempotency_key,
        ).first()
        if existing is not None:
            return await reservation_info(existing.id, created=False)
    taken = await Occupancy.filter(
        exclusive_key__in=[str(s) for s in request.slot_ids]
    ).values_list("slot_id", flat=True)
    if taken:
        resource = await Resource.get(id=request.resource_id)
        if resource.full_code == "conflict":
            raise Conflict("该时段已被预订", details={"slot_id": taken[0]})
        raise full_error(["FULL", str(taken[0]), "slot_full", "0:0"], quantity=request.quantity)
    raise Conflict("您已预订该时段", details={"slot_ids": request.slot_ids})


# --- several runs taken one by one, written together ----------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Taken:
    """A run whose places the Lua step took, waiting for the shared transaction."""

    request: Request
    reply: list[str]
    token: str


async def reserve_each(
    *,
    resource_id: int,
    user_id: int,
    runs: list[list[int]],
    hold: bool = False,
    record: Callable[[Tx, list[ReservationInfo | AppError]], Awaitable[T]],
    now: datetime,
) -> tuple[list[ReservationInfo | AppError], T | None]:
    """Take each run of slots (all of a run or none of it) on its own, then write every
    taken run and the domain's `record` step in ONE transaction.

    For things made together that must exist together or not at all — a weekly
    meeting series is its weeks, its series row and its one announcement: a crash at
    any instant leaves either all of them or none (the places a crash left taken in
    Redis are freed by the reconcile at start). A refused run is reported as its error
    in the outcome list and the others go on; `record` sees the outcome of every run
    (a ReservationInfo or the refusal) and may raise to refuse the whole request, which
    gives every place back. Nothing is written and `record` is not called when every
    run is refused. No waitlist and no engine idempotency key: the caller's request
    key covers the whole set.
    """
    requests = [
        Request(
            resource_id=resource_id,
            user_id=user_id,
            slot_ids=list(slot_ids),
            quantity=1,
            counters={},
            idempotency_key=None,
            waitlist=False,
            hold=hold,
        )
        for slot_ids in runs
    ]
    for request in requests:
        validate(request)
    for _ in range(MAX_ATTEMPTS):
        # As in reserve(): once places may be taken, writing or giving them back must
        # finish even if the caller goes away.
        step = asyncio.ensure_future(_take_and_write_each(requests, record=record, now=now))
        _in_flight.add(step)
        step.add_done_callback(_in_flight.discard)
        outcome = await asyncio.shield(step)
        if outcome is not None:
            for item in outcome[0]:
                code = item.code if isinstance(item, AppError) else item.status
                await metrics.booking(resource_id, code)
            return outcome
    raise ServiceUnavailable("预订服务繁忙，请稍后再试")


async def _take_and_write_each(
    requests: list[Request],
    *,
    record: Callable[[Tx, list[ReservationInfo | AppError]], Awaitable[T]],
    now: datetime,
) -> tuple[list[ReservationInfo | AppError], T | None] | None:
    """One attempt: None when a copy was replaced meanwhile (start again)."""
    taken: list[Taken] = []
    outcomes: list[Taken | AppError] = []
    try:
        for request in requests:
            result = await _take(request)
            if isinstance(result, Taken):
                taken.append(result)
            outcomes.append(result)
        if not taken:
            return [item for item in outcomes if isinstance(item, AppError)], None
        async with transaction() as tx:
            await store.lock_resource(tx.conn, requests[0].resource_id, exclusive=False)
            for epoch in {item.reply[1] for item in taken}:
                await store.check_epoch(requests[0].resource_id, epoch)
            written: dict[int, ReservationInfo] = {}
            for item in taken:
                reservation = await _insert(
                    tx,
                    item.request,
                    caps=[int(c) for c in item.reply[2].split(",")],
                    seq=None,
                    policy=Written(
                        one_per_slot=item.reply[3] == "1", hold_ttl_s=int(item.reply[4])
                    ),
                    now=now,
                )
                written[id(item)] = await info_of(reservation, created=True)
            infos: list[ReservationInfo | AppError] = [
                written[id(item)] if isinstance(item, Taken) else item for item in outcomes
            ]
            value = await record(tx, infos)
    except store.Stale:
        await _give_back(taken)
        return None
    except BaseException:
        await _give_back(taken)
        raise
    return infos, value


async def _take(request: Request) -> Taken | AppError:
    """The Lua step for one run: its places taken, or why not."""
    rid = request.resource_id
    keys = [store.state_key(rid), *(store.queue_key(rid, s) for s in request.slot_ids)]
    for _ in range(MAX_ATTEMPTS):
        token = _write_token()
        args: list[Any] = [
            request.user_id,
            1,
            "",
            token,
            "0",
            len(request.slot_ids),
            *request.slot_ids,
        ]
        reply: list[str] = await store.run(lua.RESERVE, keys=keys, args=args)
        kind = reply[0]
        if kind == "OK":
            return Taken(request=request, reply=reply, token=token)
        if kind == "MISSING":
            await store.hydrate(rid)
        elif kind in ("NOSLOT", "NOCOUNTER"):
            await _learn_definitions(rid, kind, reply[1])
        elif (refused := _refusal(reply, quantity=1)) is not None:
            return refused
    raise ServiceUnavailable("预订服务繁忙，请稍后再试")


async def _give_back(taken: list[Taken]) -> None:
    for item in taken:
        await _compensate(item.request, epoch=item.reply[1], token=item.token, ikey="", seq=None)
