"""Idempotency keys outlive Redis: the first answer lives in the database.

Each creating POST is sent with a key, Redis is flushed (as FLUSHALL or a restart
without persistence would), and the replay must return the first response and create
nothing. A refusal writes nothing and is evaluated again on replay.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from models.idempotency import IdempotencyRecord
from models.meals import Order
from models.meetings import Booking
from models.repairs import Ticket
from models.visitors import Pass
from server import resources
from services import idempotency
from tests.support import assert_error, make_user
from tests.support.meals import BEFORE, make_menu, order_body, slot_specs
from tests.support.meetings import at, book, new_room
from tests.support.repairs import make_cast
from tests.support.visitors import pass_body

API = "/api/v1"
TICKET = {
    "category": "hvac",
    "location": "C座5楼 512室",
    "description": "空调不制热",
    "photo_ids": [],
}


def keyed(actor, **extra: str) -> dict[str, str]:
    return actor.with_headers(**{"Idempotency-Key": uuid.uuid4().hex}, **extra)


async def _lose_redis() -> None:
    """What FLUSHALL or a restart without persistence does to our keys."""
    await resources.redis().flushdb()


async def test_ticket_replay_after_flush_returns_the_first_answer(client):
    cast = await make_cast()
    headers = keyed(cast.requester)
    first = await client.post(f"{API}/repairs", json=TICKET, headers=headers)
    assert first.status_code == 201, first.text
    await _lose_redis()
    again = await client.post(f"{API}/repairs", json=TICKET, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers.get("idempotent-replay") == "true"
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == 1
    other = await client.post(f"{API}/repairs", json={**TICKET, "location": "A座"}, headers=headers)
    assert_error(other, 409, "idempotency_mismatch")


async def test_pass_replay_after_flush_creates_no_second_pass(client):
    host = await make_user()
    headers, body = keyed(host), pass_body()
    first = await client.post(f"{API}/visitors/passes", json=body, headers=headers)
    assert first.status_code == 201, first.text
    await _lose_redis()
    again = await client.post(f"{API}/visitors/passes", json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert await Pass.filter(host_id=host.user_id).count() == 1


async def test_meeting_booking_replay_after_flush_is_the_stored_201_not_409(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = await book(client, staff, room["id"], at("09:00"), at("10:00"), headers=key)
    assert first.status_code == 201, first.text
    await _lose_redis()
    again = await book(client, staff, room["id"], at("09:00"), at("10:00"), headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert await Booking.filter(room_id=room["id"]).count() == 1


async def test_order_replay_after_flush_and_concurrent_replays_make_one_order(client):
    menu = await make_menu(client)
    staff = await make_user()
    headers = keyed(staff, **BEFORE)
    first = await client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)
    assert first.status_code == 201, first.text
    await _lose_redis()
    replies = await asyncio.gather(
        *(
            client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)
            for _ in range(20)
        )
    )
    assert {(r.status_code, r.text) for r in replies} == {(201, first.text)}
    assert await Order.filter(user_id=staff.user_id).count() == 1


async def test_concurrent_first_requests_create_one_object_with_one_record(client):
    cast = await make_cast()
    headers = keyed(cast.requester)
    await _lose_redis()
    replies = await asyncio.gather(
        *(client.post(f"{API}/repairs", json=TICKET, headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["id"] for r in replies}) == 1
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == 1
    assert await IdempotencyRecord.filter(user_id=cast.requester.user_id).count() == 1


async def test_a_refusal_is_evaluated_again_and_a_lost_answer_is_told_from_the_object(client):
    """A 4xx created nothing and is not kept (its replay answers the same, evaluated
    again); a record whose process died before its answer is answered from the ticket."""
    cast = await make_cast()
    headers = keyed(cast.requester)
    bad = {**TICKET, "category": "no-such-category"}
    first = await client.post(f"{API}/repairs", json=bad, headers=headers)
    assert_error(first, 400, "invalid_input")
    assert not await IdempotencyRecord.exists(user_id=cast.requester.user_id)
    await _lose_redis()
    again = await client.post(f"{API}/repairs", json=bad, headers=headers)
    assert (again.status_code, again.text) == (400, first.text)

    # A claim whose process died before storing an answer (claimed long ago, no status).
    headers = keyed(cast.requester)
    first = await client.post(f"{API}/repairs", json=TICKET, headers=headers)
    record = await IdempotencyRecord.filter(user_id=cast.requester.user_id).order_by("-id").first()
    assert record is not None and record.status == 201
    await IdempotencyRecord.filter(id=record.id).update(
        status=None, body=None, claimed_at=datetime.now(UTC) - timedelta(minutes=10)
    )
    await _lose_redis()
    told_again = await client.post(f"{API}/repairs", json=TICKET, headers=headers)
    assert (told_again.status_code, told_again.json()) == (201, first.json())
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == 1
    await record.refresh_from_db()
    assert record.status == 201


async def test_a_keyed_refusal_writes_nothing_and_its_replay_is_evaluated_again(client):
    """slot_full with a key: no record, no reservation, no order; once a place is free
    the same key (the same intent, retried) gets the order."""
    from models.booking import Reservation

    menu = await make_menu(client, slots=slot_specs(1, 1))
    holder, late = await make_user(), await make_user()
    taken = await client.post(
        f"{API}/meals/orders", json=order_body(menu), headers=keyed(holder, **BEFORE)
    )
    assert taken.status_code == 201, taken.text
    headers = keyed(late, **BEFORE)
    refused = await client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)
    assert_error(refused, 409, "slot_full")
    assert not await IdempotencyRecord.exists(user_id=late.user_id)
    assert not await Reservation.exists(user_id=late.user_id)
    assert not await Order.exists(user_id=late.user_id)
    again = await client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)
    assert_error(again, 409, "slot_full")  # evaluated again: still full
    cancel = await client.post(
        f"{API}/meals/orders/{taken.json()['id']}/cancel", headers=holder.with_headers(**BEFORE)
    )
    assert cancel.status_code == 200, cancel.text
    placed = await client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)
    assert placed.status_code == 201, placed.text
    replay = await client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)
    assert (replay.status_code, replay.text) == (201, placed.text)
    assert await Order.filter(user_id=late.user_id).count() == 1


async def test_expired_records_are_purged_by_the_job(client):
    from jobs.idempotency import JOBS
    from jobs.scheduler import run_once

    staff = await make_user()
    headers = keyed(staff)
    created = await client.post(f"{API}/visitors/passes", json=pass_body(), headers=headers)
    assert created.status_code == 201
    record = await IdempotencyRecord.get(user_id=staff.user_id)
    # Kept at least 24 h (API.md §1).
    assert record.expires_at >= datetime.now(UTC) + timedelta(hours=23, minutes=59)
    assert await idempotency.purge_expired(now=datetime.now(UTC)) >= 0
    assert await IdempotencyRecord.exists(id=record.id)
    later = datetime.now(UTC) + timedelta(hours=25)
    (job,) = JOBS
    assert await run_once(job, now=later) is True
    assert await run_once(job, now=later) is False  # once per run slot across the cluster
    assert not await IdempotencyRecord.exists(id=record.id)
