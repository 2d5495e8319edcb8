"""A server killed after its object committed and before its answer was kept.

A real server process (`python -m server run`, the suite's database and Redis) runs
with the fault point `idempotency.before_answer` armed to kill: the creating request
commits its object, and the process dies (SIGKILL) before the Idempotency-Key's answer
is written. The client never got an answer and replays the same key later, past the
time a claim may be held (`X-Test-Now`, no sleeping): the replay must answer the
original status with the object that was created, never create a second one (API.md
§1: "once the object is committed, every replay at any later time returns it").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from models.carwash import Card
from models.idempotency import IdempotencyRecord
from models.library import Hold
from models.meals import Order
from models.meetings import Booking
from models.procurement import PurchaseRequest
from models.repairs import Ticket
from models.visitors import Pass
from tests.support import Actor, make_user
from tests.support.carwash import card_type, pay
from tests.support.library import make_title
from tests.support.meals import BEFORE, make_menu, order_body
from tests.support.meetings import EVE, at, new_room
from tests.support.processes import ServerProcess
from tests.support.procurement import make_cast, request_body
from tests.support.visitors import NOW, pass_body

pytestmark = pytest.mark.slow  # real server processes

API = "/api/v1"
KILL_AFTER_COMMIT = {"RUN_JOBS": "false", "FAULT_POINTS": "idempotency.before_answer=kill"}


def later(moment: str | datetime, minutes: int = 10) -> dict[str, str]:
    """A clock past any claim's lifetime (the replay comes long after the crash)."""
    start = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return {"X-Test-Now": (start + timedelta(minutes=minutes)).isoformat()}


async def _killed_after_commit(path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    """Send the request to a server that dies between the commit and the answer."""
    server = ServerProcess(env=KILL_AFTER_COMMIT).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            with pytest.raises(httpx.HTTPError):  # the process died: no answer at all
                await http.post(path, json=body, headers=headers)
    finally:
        server.stop()


async def _replays_the_one_object(
    client: Any,
    actor: Actor,
    path: str,
    body: dict[str, Any],
    *,
    first: dict[str, str],
    replay: dict[str, str],
    count: Callable[[], Awaitable[list[int]]],
    id_of: Callable[[dict[str, Any]], int] = lambda answer: int(answer["id"]),
    answered_in_commit: bool = False,
) -> dict[str, Any]:
    """`answered_in_commit`: the route's answer commits with its object (the record
    has it before the process dies); otherwise it is told again from the object."""
    key = {"Idempotency-Key": uuid.uuid4().hex}
    await _killed_after_commit(path, body, actor.with_headers(**first, **key))
    created = await count()
    assert len(created) == 1, f"the killed request committed {created}"
    record = await IdempotencyRecord.get(user_id=actor.user_id)
    assert record.ref is not None  # what was created, committed with it
    assert (record.status == 201) is answered_in_commit, record.status

    again = await client.post(path, json=body, headers=actor.with_headers(**replay, **key))
    assert again.status_code == 201, again.text
    assert id_of(again.json()) == created[0]
    assert await count() == created  # nothing created by the replay
    await record.refresh_from_db()
    assert record.status == 201
    once_more = await client.post(path, json=body, headers=actor.with_headers(**replay, **key))
    assert (once_more.status_code, once_more.text) == (201, again.text)
    assert once_more.headers.get("idempotent-replay") == "true"
    return again.json()  # type: ignore[no-any-return]


async def test_carwash_purchase_killed_after_commit(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin, per_user_limit=1)

    async def cards() -> list[int]:
        return await Card.filter(owner_id=buyer.user_id).values_list("id", flat=True)  # type: ignore[return-value]

    stamp = {"X-Test-Now": NOW.isoformat()}
    answer = await _replays_the_one_object(
        client,
        buyer,
        f"{API}/carwash/purchases",
        {"card_type_id": kind["id"]},
        first=stamp,
        replay=later(NOW),
        count=cards,
        id_of=lambda answer: int(answer["card"]["id"]),
    )
    card = await Card.get(owner_id=buyer.user_id)
    assert card.prepay_id and answer["pay_params"]["package"] == f"prepay_id={card.prepay_id}"
    # The answer told again pays the one order (and leaves no unpaid card behind).
    assert (await pay(fake_pay, answer))["delivered"] is True
    await card.refresh_from_db()
    assert card.status == "active"


async def test_procurement_request_killed_after_commit(client):
    cast = await make_cast()

    async def requests() -> list[int]:
        return await PurchaseRequest.filter(requester_id=cast.requester.user_id).values_list(  # type: ignore[return-value]
            "id", flat=True
        )

    await _replays_the_one_object(
        client,
        cast.requester,
        f"{API}/procurement/requests",
        request_body(),
        first={"X-Test-Now": NOW.isoformat()},
        replay=later(NOW),
        count=requests,
    )


async def test_a_replay_at_once_after_the_kill_gets_the_object_not_still_processing(client):
    """The client retries as soon as the server is back, on the same clock: the dead
    request's lease on the key must not make it wait its whole lifetime (409 "still
    processing" for two minutes); once its process is known to be gone, the replay is
    answered from what it committed."""
    cast = await make_cast()

    async def requests() -> list[int]:
        return await PurchaseRequest.filter(requester_id=cast.requester.user_id).values_list(  # type: ignore[return-value]
            "id", flat=True
        )

    stamp = {"X-Test-Now": NOW.isoformat()}
    await _replays_the_one_object(
        client,
        cast.requester,
        f"{API}/procurement/requests",
        request_body(),
        first=stamp,
        replay=stamp,
        count=requests,
    )


async def test_visitor_pass_killed_after_commit(client):
    host = await make_user()

    async def passes() -> list[int]:
        return await Pass.filter(host_id=host.user_id).values_list("id", flat=True)  # type: ignore[return-value]

    await _replays_the_one_object(
        client,
        host,
        f"{API}/visitors/passes",
        pass_body(),
        first={"X-Test-Now": NOW.isoformat()},
        replay=later(NOW),
        count=passes,
    )


async def test_repair_ticket_killed_after_commit(client):
    reporter = await make_user()
    ticket = {"category": "hvac", "location": "C座5楼 512室", "description": "空调不制热"}

    async def tickets() -> list[int]:
        return await Ticket.filter(requester_id=reporter.user_id).values_list("id", flat=True)  # type: ignore[return-value]

    await _replays_the_one_object(
        client,
        reporter,
        f"{API}/repairs",
        {**ticket, "photo_ids": []},
        first={"X-Test-Now": NOW.isoformat()},
        replay=later(NOW),
        count=tickets,
    )


async def test_lunch_order_killed_after_commit_is_answered_after_the_deadline_too(client):
    menu = await make_menu(client)
    staff = await make_user()

    async def orders() -> list[int]:
        return await Order.filter(user_id=staff.user_id).values_list("id", flat=True)  # type: ignore[return-value]

    await _replays_the_one_object(
        client,
        staff,
        f"{API}/meals/orders",
        order_body(menu),
        first=BEFORE,
        replay=later(BEFORE["X-Test-Now"], minutes=120),  # past the order deadline
        count=orders,
        answered_in_commit=True,
    )


async def test_meeting_booking_killed_after_commit_is_the_201_not_409(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    body = {
        "room_id": room["id"],
        "start": at("09:00"),
        "end": at("10:00"),
        "title": "项目周例会",
        "attendees": 6,
    }

    async def bookings() -> list[int]:
        return await Booking.filter(room_id=room["id"]).values_list("id", flat=True)  # type: ignore[return-value]

    await _replays_the_one_object(
        client,
        staff,
        f"{API}/meetings/bookings",
        body,
        first={"X-Test-Now": EVE},
        replay=later(EVE),
        count=bookings,
    )


async def test_library_hold_killed_after_commit_is_the_201_not_409(client):
    librarian, reader = await make_user("librarian"), await make_user()
    title = await make_title(client, librarian, copies=1)

    async def holds() -> list[int]:
        return await Hold.filter(user_id=reader.user_id).values_list("id", flat=True)  # type: ignore[return-value]

    await _replays_the_one_object(
        client,
        reader,
        f"{API}/library/holds",
        {"title_id": title["id"]},
        first={"X-Test-Now": NOW.isoformat()},
        replay=later(NOW),
        count=holds,
    )
