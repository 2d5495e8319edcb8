"""A Hypothesis state machine against the real engine (real Redis, real database).

Rules: reserve (with or without waitlist and idempotency key), cancel, finish, flush
Redis (and its script cache), reconcile. After every step: capacity holds, a user holds
at most one live reservation per slot, promotions are FIFO, Redis = database.

The machine runs in a worker thread (Hypothesis is synchronous) and sends each
coroutine to the test's event loop, which owns the Redis and database connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import booking
from models.booking import Reservation
from server import resources
from server.errors import Conflict, SlotFull
from tests.support.booking import NOW, assert_consistent, make_resource, new_user

pytestmark = pytest.mark.usefixtures("app")
T = TypeVar("T")
CAPACITY = 1


def machine_for(loop: asyncio.AbstractEventLoop) -> type[RuleBasedStateMachine]:
    def run(awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), loop).result(timeout=60)

    class BookingMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.rid, self.slots = run(make_resource(slots=2, capacity=CAPACITY, waitlist=True))
            self.users = [new_user() for _ in range(5)]
            self.status: dict[int, str] = {}
            self.owner: dict[int, tuple[int, int]] = {}  # reservation -> (user, slot)
            self.queue: dict[int, list[int]] = {s: [] for s in self.slots}
            self.keys: dict[tuple[int, str], int] = {}

        def booked(self, slot: int) -> int:
            return sum(
                1
                for r, (_, s) in self.owner.items()
                if s == slot and self.status[r] in ("confirmed", "completed")
            )

        def live_on(self, user: int, slot: int) -> bool:
            return any(
                (u, s) == (user, slot) and self.status[r] in ("confirmed", "waitlisted")
                for r, (u, s) in self.owner.items()
            )

        @rule(
            who=st.integers(0, 4),
            which=st.integers(0, 1),
            waitlist=st.booleans(),
            key=st.none() | st.sampled_from(["a", "b"]),
        )
        def reserve(self, who: int, which: int, waitlist: bool, key: str | None) -> None:
            user, slot = self.users[who], self.slots[which]
            try:
                got = run(
                    booking.reserve(
                        resource_id=self.rid,
                        user_id=user,
                        slot_ids=[slot],
                        waitlist=waitlist,
                        idempotency_key=key,
                        now=NOW,
                    )
                )
            except Conflict:
                assert self.live_on(user, slot) and (user, key) not in self.keys
                return
            except SlotFull:
                assert not waitlist and self.booked(slot) == CAPACITY
                assert (user, key) not in self.keys and not self.live_on(user, slot)
                return
            if key is not None and (user, key) in self.keys:
                assert got.id == self.keys[(user, key)] and not got.created
                return
            assert got.created and not self.live_on(user, slot)
            if self.booked(slot) < CAPACITY:
                assert got.status == "confirmed"
            else:
                assert got.status == "waitlisted" and waitlist
                self.queue[slot].append(got.id)
                assert got.position == len(self.queue[slot])
            self.status[got.id] = got.status
            self.owner[got.id] = (user, slot)
            if key is not None:
                self.keys[(user, key)] = got.id

        # More weight on the booking traffic than on the disasters.
        reserve_again = reserve
        reserve_once_more = reserve

        def live(self) -> list[int]:
            return sorted(r for r, s in self.status.items() if s in ("confirmed", "waitlisted"))

        @precondition(lambda self: bool(self.live()))
        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            target = data.draw(st.sampled_from(self.live()))
            slot = self.owner[target][1]
            result = run(booking.cancel(reservation_id=target, now=NOW))
            promoted = [p.id for p in result.promoted]
            if self.status[target] == "waitlisted":
                self.queue[slot].remove(target)
                assert promoted == []
            else:  # one place freed: the head of the queue (FIFO) gets it
                assert promoted == self.queue[slot][:1]
                for p in promoted:
                    self.queue[slot].remove(p)
                    self.status[p] = "confirmed"
            self.status[target] = "cancelled"

        @precondition(lambda self: any(s == "confirmed" for s in self.status.values()))
        @rule(data=st.data())
        def finish(self, data: st.DataObject) -> None:
            target = data.draw(
                st.sampled_from(sorted(r for r, s in self.status.items() if s == "confirmed"))
            )
            run(booking.finish(reservation_id=target, status="completed", now=NOW))
            self.status[target] = "completed"

        cancel_again = cancel

        @rule(scripts=st.booleans())
        def flush_redis(self, scripts: bool) -> None:
            run(resources.redis().flushdb())
            if scripts:
                run(resources.redis().script_flush())

        @rule()
        def reconcile(self) -> None:
            report = run(booking.reconcile(resource_id=self.rid, now=NOW))
            assert report.keys_repaired == 0, report.details

        @invariant()
        def database_and_redis_agree(self) -> None:
            if not hasattr(self, "rid"):
                return
            run(assert_consistent(self.rid))
            rows = dict(run(Reservation.filter(resource_id=self.rid).values_list("id", "status")))
            assert rows == self.status
            for slot in self.slots:
                assert self.booked(slot) <= CAPACITY

    return BookingMachine


@pytest.mark.slow
async def test_engine_state_machine():
    loop = asyncio.get_running_loop()
    machine = machine_for(loop)
    await asyncio.to_thread(
        run_state_machine_as_test,
        machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
