"""One action, one transaction: the domain's record step commits with the engine's
change or not at all — alone, inside a group commit (one savepoint per request), on
the waitlist path, on cancel and on promotion. Counted in the database and in Redis."""

from __future__ import annotations

import asyncio

import pytest

import booking
from models.booking import Reservation
from models.notifications import Notice
from server.errors import InvalidState, SlotFull
from services import notifications
from tests.support import make_user
from tests.support.booking import (
    NOW,
    assert_consistent,
    count_queries,
    make_resource,
    new_user,
    redis_booked,
)

pytestmark = pytest.mark.usefixtures("app")


class Refused(Exception):
    """The domain's own failure (not an engine error): must reach the caller as is."""


_recipient: list[int] = []


async def recipient() -> int:
    """One real account that receives the record steps' notices (engine users are bare
    integers, notices need an account)."""
    if not _recipient:
        _recipient.append((await make_user()).user_id)
    return _recipient[0]


def noting(*, refuse: set[int] | None = None) -> booking.Record:
    """A record step that writes a real row (an inbox notice titled after the
    reservation's user) and then, for the users in `refuse`, fails — after its write,
    so the test sees that the write is rolled back with the rest."""

    async def record(step: booking.Recording) -> int:
        notice_id = await notifications.notify(
            tx=step.tx,
            user_id=await recipient(),
            kind="test_record",
            title=f"u{step.reservation.user_id}",
            body=f"预订{step.reservation.id}",
            now=step.now,
        )
        if refuse and step.reservation.user_id in refuse:
            raise Refused(step.reservation.user_id)
        return notice_id

    return record


async def notices_of(users: list[int]) -> int:
    return await Notice.filter(kind="test_record", title__in=[f"u{u}" for u in users]).count()


async def test_record_commits_with_the_reservation_and_returns_its_row():
    rid, (slot,) = await make_resource(capacity=3)
    user = new_user()
    info = await booking.reserve(
        resource_id=rid, user_id=user, slot_ids=[slot], record=noting(), now=NOW
    )
    notice = await Notice.get(id=info.record)
    assert (notice.title, notice.body) == (f"u{user}", f"预订{info.id}")
    assert await Reservation.filter(id=info.id, status="confirmed").exists()
    assert await redis_booked(rid, slot) == 1
    await assert_consistent(rid)


async def test_a_refused_record_in_a_group_commit_fails_only_its_own_request():
    """120 concurrent accepts on one hot slot are written in shared transactions; every
    third record step fails after writing. Exactly those requests fail, with the
    domain's own error; their reservations, places and notices are all gone."""
    rid, (slot,) = await make_resource(capacity=200)
    users = [new_user() for _ in range(120)]
    unlucky = set(users[::3])
    await recipient()
    with count_queries() as queries:
        outcomes = await asyncio.gather(
            *(
                booking.reserve(
                    resource_id=rid,
                    user_id=user,
                    slot_ids=[slot],
                    record=noting(refuse=unlucky),
                    now=NOW,
                )
                for user in users
            ),
            return_exceptions=True,
        )
    inserts = [q for q in queries.statements if 'INSERT INTO "booking_reservation"' in q]
    assert len(inserts) < len(users) // 2  # requests really shared transactions
    failed = {u for u, o in zip(users, outcomes, strict=True) if isinstance(o, BaseException)}
    assert failed == unlucky
    assert all(isinstance(o, Refused) for o in outcomes if isinstance(o, BaseException))
    lucky = [u for u in users if u not in unlucky]
    assert await Reservation.filter(resource_id=rid, status="confirmed").count() == len(lucky)
    assert await Reservation.filter(resource_id=rid, user_id__in=list(unlucky)).count() == 0
    assert await notices_of(lucky) == len(lucky)
    assert await notices_of(list(unlucky)) == 0
    assert await redis_booked(rid, slot) == len(lucky)
    await assert_consistent(rid)


async def test_a_refused_record_on_the_waitlist_path_leaves_the_queue_as_it_was():
    rid, (slot,) = await make_resource(capacity=1, waitlist=True)
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    first, refused, last = new_user(), new_user(), new_user()
    await booking.reserve(
        resource_id=rid, user_id=first, slot_ids=[slot], waitlist=True, record=noting(), now=NOW
    )
    with pytest.raises(Refused):
        await booking.reserve(
            resource_id=rid,
            user_id=refused,
            slot_ids=[slot],
            waitlist=True,
            record=noting(refuse={refused}),
            now=NOW,
        )
    third = await booking.reserve(
        resource_id=rid, user_id=last, slot_ids=[slot], waitlist=True, record=noting(), now=NOW
    )
    assert third.position == 2  # the refused request never held a place in the queue
    assert await notices_of([refused]) == 0
    await assert_consistent(rid)


async def test_a_refused_cancel_record_changes_nothing():
    rid, (slot,) = await make_resource(capacity=1, waitlist=True)
    holder = await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    waiting = await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[slot], waitlist=True, now=NOW
    )

    async def refuse(step: booking.Recording) -> None:
        raise InvalidState("served")  # e.g. the till redeemed the order meanwhile

    with pytest.raises(InvalidState):
        await booking.cancel(reservation_id=holder.id, record=refuse, now=NOW)
    assert (await booking.get(reservation_id=holder.id)).status == "confirmed"
    assert (await booking.get(reservation_id=waiting.id)).status == "waitlisted"
    assert await redis_booked(rid, slot) == 1
    with pytest.raises(SlotFull):
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    await assert_consistent(rid)


async def test_a_promotion_the_domain_refuses_stays_waiting_and_consistent():
    """The promotion and the domain's row commit together: a refusing domain keeps the
    reservation waitlisted in the database AND in the Redis queue, the place free."""
    rid, (slot,) = await make_resource(capacity=1, waitlist=True)
    holder = await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    waiting = await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[slot], waitlist=True, now=NOW
    )

    async def refuse(step: booking.Recording) -> None:
        raise Refused(step.reservation.id)

    booking.on_promoted("test", refuse)
    try:
        result = await booking.cancel(reservation_id=holder.id, now=NOW)
    finally:

        async def accept(step: booking.Recording) -> None:
            return None

        booking.on_promoted("test", accept)
    assert result.promoted == []
    assert (await booking.get(reservation_id=waiting.id)).status == "waitlisted"
    assert await redis_booked(rid, slot) == 0
    await assert_consistent(rid)
    # The next release of places (here: reconcile finding the free place) promotes it.
    await booking.reconcile(resource_id=rid, now=NOW)
    assert (await booking.get(reservation_id=waiting.id)).status == "confirmed"
    await assert_consistent(rid)
