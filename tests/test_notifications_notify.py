"""notify(): the inbox row and the stream entry, and what happens when Redis is down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from models.notifications import Notice
from server import resources
from services import notifications
from tests.support import make_user

NOW = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)


async def _stream_ids_for(notice_id: int) -> list[str]:
    entries = await resources.redis().xrevrange(notifications.STREAM, count=500)
    return [entry_id for entry_id, fields in entries if fields["notice_id"] == str(notice_id)]


async def test_notify_writes_inbox_row_and_one_stream_entry(app):
    user = await make_user()
    notice_id = await notifications.notify(
        user_id=user.user_id,
        kind="meal_promoted",
        title="候补成功",
        body="您的午餐已从候补转为预订成功",
        link="pages/meals/order?id=7",
        template_data={"slot_time": datetime(2026, 12, 1, 3, 30, tzinfo=UTC)},
        now=NOW,
    )
    notice = await Notice.get(id=notice_id)
    assert notice.user_id == user.user_id
    assert notice.kind == "meal_promoted"
    assert notice.template_id == "TPL_MEAL_ORDER_STATUS"
    assert notice.wechat_status == "pending"
    assert notice.enqueued_at == NOW
    assert notice.created_at == NOW
    assert notice.read_at is None
    # The template payload is built once, in the service time zone, thing ≤ 20 chars.
    assert notice.data["thing1"] == {"value": "候补成功"}
    assert notice.data["time3"] == {"value": "2026-12-01 11:30"}
    assert len(notice.data["thing2"]["value"]) <= 20
    assert len(await _stream_ids_for(notice_id)) == 1


async def test_inbox_only_kind_and_unknown_kind_still_land_in_the_inbox(app):
    user = await make_user()
    summary = await notifications.notify(
        user_id=user.user_id, kind="meal_prep_summary", title="备餐汇总", body="共 120 份", now=NOW
    )
    unknown = await notifications.notify(
        user_id=user.user_id, kind="no_such_kind", title="测试", body="未登记的类型", now=NOW
    )
    for notice_id in (summary, unknown):
        notice = await Notice.get(id=notice_id)
        assert notice.template_id == "" and notice.data == {}
    assert (await Notice.get(id=summary)).link == "/pages/canteen/summary"


async def test_redis_down_keeps_the_inbox_row_for_the_sweeper(app):
    user = await make_user()
    healthy = resources._state["redis"]
    # Fault injection: a real client whose server is unreachable (port 1 refuses).
    resources._state["redis"] = aioredis.Redis.from_url(
        "redis://127.0.0.1:1/0", decode_responses=True, socket_connect_timeout=0.2
    )
    try:
        notice_id = await notifications.notify(
            user_id=user.user_id,
            kind="repair_started",
            title="维修开始",
            body="师傅已出发",
            now=NOW,
        )
    finally:
        await resources._state["redis"].aclose()
        resources._state["redis"] = healthy
    notice = await Notice.get(id=notice_id)
    assert notice.enqueued_at is None
    assert notice.wechat_status == "pending"
    assert await _stream_ids_for(notice_id) == []


# --- the outbox: a notice exists iff the change it reports committed ------------------


async def test_a_notice_of_a_rolled_back_change_never_exists(app):
    from server.tx import transaction

    user = await make_user()

    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with transaction() as tx:
            await notifications.notify(
                tx=tx,
                user_id=user.user_id,
                kind="repair_started",
                title="维修开始",
                body="x",
                now=NOW,
            )
            raise Refused  # the change it reports fails: the notice goes with it
    assert await Notice.filter(user_id=user.user_id).count() == 0


async def test_a_notice_is_pushed_to_the_stream_only_after_the_commit(app):
    from server.tx import transaction

    user = await make_user()
    async with transaction() as tx:
        notice_id = await notifications.notify(
            tx=tx, user_id=user.user_id, kind="repair_started", title="维修开始", body="x", now=NOW
        )
        assert await _stream_ids_for(notice_id) == []  # not before the commit
    assert len(await _stream_ids_for(notice_id)) == 1
    assert (await Notice.get(id=notice_id)).enqueued_at == NOW


async def test_the_relay_pushes_a_notice_whose_process_died_after_the_commit(app):
    """A kill -9 right after the commit: the row stands, its push never ran. The relay
    job (run once per cluster by the scheduler) finds and pushes it."""
    from jobs import notifications as notification_jobs
    from server.tx import transaction

    user = await make_user()
    async with transaction() as tx:
        notice_id = await notifications.notify(
            tx=tx, user_id=user.user_id, kind="repair_started", title="维修开始", body="x", now=NOW
        )
        tx.take_after()  # the process "dies" between the commit and the push
    notice = await Notice.get(id=notice_id)
    assert notice.enqueued_at is None and await _stream_ids_for(notice_id) == []
    report = await notification_jobs.sweep_notices(now=NOW)
    assert report is not None and report["requeued"] >= 1
    assert len(await _stream_ids_for(notice_id)) == 1
    assert (await Notice.get(id=notice_id)).enqueued_at == NOW
