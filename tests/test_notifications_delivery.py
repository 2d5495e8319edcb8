"""The consumer: notify() → stream → consumer group → the fake WeChat over real HTTP.

Delivery is driven step by step with `deliver_pending(consumer=, now=)`; time moves by
passing a later `now`, never by sleeping. Messages are counted where they land: in
the fake WeChat (per openid), the notice row, the credits table and Redis.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from jobs.notifications import JOBS
from models.notifications import Notice, SubscriptionCredit
from server import resources
from services import notifications
from services.notifications import delivery
from tests.support import Actor, make_user

NOW = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
TEMPLATE = "TPL_MEAL_ORDER_STATUS"


async def drain(consumer: str, now: datetime, *, reclaim_idle_ms: int | None = None) -> int:
    """Run batches until the consumer finds nothing (other tests' notices included)."""
    handled = 0
    while True:
        count = await notifications.deliver_pending(
            consumer=consumer, now=now, reclaim_idle_ms=reclaim_idle_ms
        )
        if count == 0:
            return handled
        handled += count
        reclaim_idle_ms = None  # reclaim at most once per drain


async def subscriber(credits: int = 1) -> Actor:
    user = await make_user()
    if credits:
        await SubscriptionCredit.create(user_id=user.user_id, template_id=TEMPLATE, credits=credits)
    return user


async def promoted(user: Actor, *, now: datetime = NOW) -> int:
    return await notifications.notify(
        user_id=user.user_id,
        kind="meal_promoted",
        title="候补成功",
        body="您已从候补转为预订成功，请按时取餐",
        link="pages/meals/order?id=42",
        template_data={"slot_time": now},
        now=now,
    )


def received(fake_wechat, user: Actor) -> list[dict]:
    return [m for m in fake_wechat.state.messages if m["touser"] == user.openid]


async def fail_next(fake_wechat, user: Actor, *, errcode: int, count: int) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{fake_wechat.url}/stub/failures",
            json={"touser": user.openid, "errcode": errcode, "count": count},
        )
        response.raise_for_status()


async def credits_of(user: Actor) -> int:
    row = await SubscriptionCredit.get_or_none(user_id=user.user_id, template_id=TEMPLATE)
    return row.credits if row else 0


async def queued(notice_id: int) -> int:
    entries = await resources.redis().xrange(notifications.STREAM)
    return sum(1 for _, fields in entries if fields["notice_id"] == str(notice_id))


async def pending_count() -> int:
    await delivery.ensure_group()
    summary = await resources.redis().xpending(notifications.STREAM, delivery.GROUP)
    return int(summary["pending"])


@pytest.mark.slow
async def test_notice_with_credit_reaches_inbox_and_wechat_exactly_once(app, fake_wechat):
    user = await subscriber(credits=1)
    notice_id = await promoted(user)
    await drain("c1", NOW)

    messages = received(fake_wechat, user)
    assert len(messages) == 1
    assert messages[0]["template_id"] == TEMPLATE
    assert messages[0]["page"] == "pages/meals/order?id=42"
    assert messages[0]["data"]["thing1"] == {"value": "候补成功"}
    assert messages[0]["data"]["time3"] == {"value": "2026-12-01 11:30"}
    notice = await Notice.get(id=notice_id)
    assert (notice.wechat_status, notice.sent_at, notice.attempts) == ("sent", NOW, 1)
    assert await credits_of(user) == 0
    assert await pending_count() == 0

    # Delivering again (a later batch, a duplicate entry) never sends it twice.
    await notifications.enqueue(notice_id=notice_id)
    await drain("c1", NOW + timedelta(minutes=1))
    assert len(received(fake_wechat, user)) == 1


async def test_without_credit_the_notice_is_inbox_only(app, fake_wechat):
    user = await subscriber(credits=0)
    notice_id = await promoted(user)
    inbox_kind = await notifications.notify(
        user_id=user.user_id,
        kind="meeting_pending",
        title="待审批",
        body="有新的会议室申请",
        now=NOW,
    )
    await drain("c1", NOW)

    assert received(fake_wechat, user) == []
    for nid in (notice_id, inbox_kind):
        assert (await Notice.get(id=nid)).wechat_status == "inbox_only"
    assert await pending_count() == 0


async def test_one_credit_pays_for_one_message_only(app, fake_wechat):
    user = await subscriber(credits=2)
    ids = [await promoted(user) for _ in range(5)]
    # Two consumers at once over the same backlog.
    await asyncio.gather(drain("c1", NOW), drain("c2", NOW))

    assert len(received(fake_wechat, user)) == 2
    statuses = sorted([(await Notice.get(id=i)).wechat_status for i in ids])
    assert statuses == ["inbox_only"] * 3 + ["sent"] * 2
    assert await credits_of(user) == 0


async def test_user_refused_43101_is_final_and_not_retried(app, fake_wechat):
    user = await subscriber(credits=1)
    await fail_next(fake_wechat, user, errcode=43101, count=1)
    notice_id = await promoted(user)
    await drain("c1", NOW)

    notice = await Notice.get(id=notice_id)
    assert (notice.wechat_status, notice.attempts) == ("refused", 1)
    assert "43101" in notice.last_error
    assert await resources.redis().zscore(delivery.RETRY_KEY, str(notice_id)) is None
    # Much later, nothing tries again.
    await drain("c1", NOW + timedelta(hours=1))
    assert received(fake_wechat, user) == []
    assert (await Notice.get(id=notice_id)).attempts == 1


async def test_transient_failures_are_retried_with_backoff_then_delivered_once(app, fake_wechat):
    user = await subscriber(credits=1)
    await fail_next(fake_wechat, user, errcode=-1, count=2)
    notice_id = await promoted(user)

    await drain("c1", NOW)  # 1st attempt fails: due again in 10 s
    notice = await Notice.get(id=notice_id)
    assert (notice.wechat_status, notice.attempts) == ("sending", 1)
    assert notice.next_attempt_at == NOW + timedelta(seconds=10)
    assert (
        await resources.redis().zscore(delivery.RETRY_KEY, str(notice_id))
        == (NOW + timedelta(seconds=10)).timestamp()
    )
    assert await pending_count() == 0  # acknowledged: the retry lives in the sorted set

    await drain("c1", NOW + timedelta(seconds=5))  # not due yet: nothing happens
    assert (await Notice.get(id=notice_id)).attempts == 1

    await drain("c1", NOW + timedelta(seconds=10))  # 2nd attempt fails: 30 s more
    assert (await Notice.get(id=notice_id)).next_attempt_at == NOW + timedelta(seconds=40)
    await drain("c1", NOW + timedelta(seconds=40))  # 3rd attempt succeeds

    notice = await Notice.get(id=notice_id)
    assert (notice.wechat_status, notice.attempts) == ("sent", 3)
    assert len(received(fake_wechat, user)) == 1
    assert await credits_of(user) == 0  # one credit, however many attempts


async def test_five_failed_deliveries_park_the_notice_in_the_dead_letter_stream(app, fake_wechat):
    user = await subscriber(credits=1)
    await fail_next(fake_wechat, user, errcode=45009, count=10)
    notice_id = await promoted(user)
    at = NOW
    for wait in (0, *delivery.BACKOFF_S):
        at += timedelta(seconds=wait)
        await drain("c1", at)

    notice = await Notice.get(id=notice_id)
    assert (notice.wechat_status, notice.attempts) == ("dead", 5)
    dead = await resources.redis().xrange(delivery.DEAD_STREAM)
    parked = [fields for _, fields in dead if fields["notice_id"] == str(notice_id)]
    assert len(parked) == 1
    assert parked[0]["errcode"] == "45009" and parked[0]["kind"] == "meal_promoted"
    assert await resources.redis().zscore(delivery.RETRY_KEY, str(notice_id)) is None
    await drain("c1", at + timedelta(hours=1))
    assert received(fake_wechat, user) == []
    assert (await Notice.get(id=notice_id)).attempts == 5  # no sixth try

    # Operations fix the cause and requeue it: it goes out once.
    async with httpx.AsyncClient() as http:
        await http.delete(f"{fake_wechat.url}/stub/failures", params={"touser": user.openid})
    assert await delivery.requeue_dead(notice_ids=[notice_id], now=at) == 1
    await drain("c1", at)
    assert len(received(fake_wechat, user)) == 1
    assert (await Notice.get(id=notice_id)).wechat_status == "sent"


async def test_consumer_killed_after_sending_before_ack_is_reclaimed_without_resending(
    app, fake_wechat
):
    await drain("c0", NOW)  # start from an empty backlog
    user = await subscriber(credits=1)
    notice_id = await promoted(user)

    # The doomed consumer reads and sends, then dies before acknowledging.
    entries = await delivery.read_new(consumer="doomed")
    assert [e.notice_id for e in entries] == [notice_id]
    assert await delivery.process(notice_id=notice_id, consumer="doomed", now=NOW) == "sent"
    assert await pending_count() == 1
    assert len(received(fake_wechat, user)) == 1

    # A live consumer reclaims the idle message (idle threshold 0 here instead of 60 s).
    await drain("survivor", NOW, reclaim_idle_ms=0)
    assert await pending_count() == 0
    assert len(received(fake_wechat, user)) == 1
    assert (await Notice.get(id=notice_id)).attempts == 1


async def test_consumer_killed_before_sending_is_reclaimed_and_delivered_once(app, fake_wechat):
    await drain("c0", NOW)
    user = await subscriber(credits=1)
    notice_id = await promoted(user)
    entries = await delivery.read_new(consumer="doomed")
    assert [e.notice_id for e in entries] == [notice_id]
    assert received(fake_wechat, user) == []

    # Not idle long enough yet: the default 60 s threshold leaves it to its owner.
    await drain("survivor", NOW)
    assert await pending_count() == 1 and received(fake_wechat, user) == []

    await drain("survivor", NOW, reclaim_idle_ms=0)
    assert await pending_count() == 0
    assert len(received(fake_wechat, user)) == 1
    assert (await Notice.get(id=notice_id)).wechat_status == "sent"


async def test_a_message_that_keeps_crashing_its_consumers_is_parked(app, fake_wechat):
    await drain("c0", NOW)
    user = await subscriber(credits=1)
    notice_id = await promoted(user)
    await delivery.read_new(consumer="crash-1")  # delivered once, never acknowledged
    for n in range(2, 2 + delivery.MAX_ATTEMPTS):  # each reclaimer dies too
        await delivery.reclaim(consumer=f"crash-{n}", min_idle_ms=0)

    assert await pending_count() == 0
    notice = await Notice.get(id=notice_id)
    assert notice.wechat_status == "dead"
    dead = await resources.redis().xrange(delivery.DEAD_STREAM)
    assert [f for _, f in dead if f["notice_id"] == str(notice_id)]
    assert received(fake_wechat, user) == []


async def test_duplicate_entries_and_concurrent_consumers_send_once(app, fake_wechat):
    users = [await subscriber(credits=1) for _ in range(5)]
    ids = [await promoted(u) for u in users]
    for notice_id in ids:  # the sweeper appended every id a second and third time
        await notifications.enqueue(notice_id=notice_id)
        await notifications.enqueue(notice_id=notice_id)
    await asyncio.gather(*(drain(f"c{n}", NOW) for n in range(4)))

    for user in users:
        assert len(received(fake_wechat, user)) == 1
    assert {(await Notice.get(id=i)).wechat_status for i in ids} == {"sent"}
    assert await pending_count() == 0


async def test_sweeper_enqueues_what_the_stream_never_got_or_lost(app, fake_wechat):
    await drain("c0", NOW)
    user = await subscriber(credits=2)
    never = await promoted(user)
    await Notice.filter(id=never).update(enqueued_at=None)  # as after a failed XADD
    lost = await promoted(user)
    # Lose the stream entries (as if Redis had been restarted without persistence).
    redis = resources.redis()
    for entry_id, fields in await redis.xrange(notifications.STREAM):
        if fields["notice_id"] in (str(never), str(lost)):
            await redis.xdel(notifications.STREAM, entry_id)

    await delivery.sweep(now=NOW)
    assert await queued(never) == 1  # the failed append is repaired at once
    assert await queued(lost) == 0  # enqueued just now: not considered stuck yet
    # The scheduled job (jobs/notifications.py) is the same sweep.
    [job] = [j for j in JOBS if j.name == "notifications.relay"]
    await job(now=NOW + delivery.STUCK_AFTER + timedelta(seconds=1))
    assert await queued(lost) == 1
    await drain("c1", NOW + delivery.STUCK_AFTER + timedelta(seconds=1))

    assert len(received(fake_wechat, user)) == 2
    assert {(await Notice.get(id=i)).wechat_status for i in (never, lost)} == {"sent"}


async def test_undelivered_notices_expire_after_a_day(app, fake_wechat):
    await drain("c0", NOW)
    user = await subscriber(credits=1)
    notice_id = await promoted(user)
    await Notice.filter(id=notice_id).update(enqueued_at=None)
    report = await delivery.sweep(now=NOW + timedelta(hours=25))
    assert report["expired"] >= 1
    await drain("c1", NOW + timedelta(hours=25))
    assert (await Notice.get(id=notice_id)).wechat_status == "expired"
    assert received(fake_wechat, user) == []
    assert await credits_of(user) == 1  # an expired notice spends no credit


async def test_each_kind_sends_its_own_template_with_a_relative_page(app, fake_wechat):
    user = await make_user()
    await SubscriptionCredit.create(
        user_id=user.user_id, template_id="TPL_MEETING_STATUS", credits=1
    )
    await SubscriptionCredit.create(user_id=user.user_id, template_id=TEMPLATE, credits=1)
    notice_id = await notifications.notify(
        user_id=user.user_id,
        kind="meeting_confirmed",
        title="会议室预订成功",
        body="3号楼 302 会议室，请准时签到",
        link="/pages/meetings/booking?id=9",
        template_data={"start": datetime(2026, 12, 2, 6, 0, tzinfo=UTC)},
        now=NOW,
    )
    await drain("c1", NOW)

    [message] = received(fake_wechat, user)
    assert message["template_id"] == "TPL_MEETING_STATUS"
    assert message["page"] == "pages/meetings/booking?id=9"
    assert message["data"]["time3"] == {"value": "2026-12-02 14:00"}
    assert (await Notice.get(id=notice_id)).link == "/pages/meetings/booking?id=9"
    # Only the meeting template's credit was used.
    assert await credits_of(user) == 1


async def test_the_running_consumer_delivers_on_its_own(app, fake_wechat):
    """consume_forever, as jobs/background.py runs it: no driving, just wait for arrival."""
    user = await subscriber(credits=1)
    stop = asyncio.Event()
    task = asyncio.ensure_future(notifications.consume_forever(stop=stop))
    try:
        notice_id = await promoted(user, now=datetime.now(UTC))
        arrived = await asyncio.to_thread(fake_wechat.state.wait_for_messages, user.openid, 1, 60)
    finally:
        stop.set()
        await task
    assert arrived
    assert len(received(fake_wechat, user)) == 1
    assert (await Notice.get(id=notice_id)).wechat_status == "sent"
