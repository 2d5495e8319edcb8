"""Redis that survives its primary: the Sentinel form of REDIS_URL, and booking copies
that are never used on a Redis other than the one they were built on.

A replica promoted by Sentinel (or a Redis restarted from an older snapshot) may hold a
copy of a resource's state that misses the last places taken; selling from it could
sell a place twice. The Lua channel drops such copies when it connects, and the next
request rebuilds them from the database.
"""

from __future__ import annotations

from fnmatch import fnmatch

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from booking import store
from models.booking import Reservation
from models.meals import Order
from server import resources
from server.lua_channel import BUILT_ON_KEY, COPIES_PATTERN, LuaChannel
from tests.support import deploy as ds
from tests.support import make_user
from tests.support.meals import BEFORE, make_menu, order_body, slot_specs

API = "/api/v1"


def _reconnect() -> None:
    """Drop this process's Lua connection: the next step opens a new one."""
    held = resources._state.pop("lua", None)
    if held is not None:
        held[2].close()


async def _order(client, menu, buyer, **body):
    return await client.post(
        f"{API}/meals/orders", json=order_body(menu, **body), headers=buyer.with_headers(**BEFORE)
    )


async def test_a_copy_built_on_another_redis_server_is_rebuilt_from_the_database(client):
    menu = await make_menu(client, slots=slot_specs(1, 3))
    buyers = [await make_user() for _ in range(5)]
    for buyer in buyers[:2]:
        assert (await _order(client, menu, buyer)).status_code == 201
    redis = resources.redis()
    order = await Order.filter(menu_id=menu["id"]).first()
    reservation = await Reservation.get(id=order.reservation_id)
    key = store.state_key(reservation.resource_id)
    assert fnmatch(key, COPIES_PATTERN) and await redis.exists(key)
    # What a promoted replica looks like: the copy (here: one place fewer booked than
    # the database holds) was built on a server that is gone.
    await redis.hincrby(key, f"b:{menu['slots'][0]['id']}", -1)
    await redis.set(BUILT_ON_KEY, "run-id-of-the-old-primary")
    _reconnect()
    replies = [await _order(client, menu, buyer) for buyer in buyers[2:]]
    assert [r.status_code for r in replies] == [201, 409, 409]
    assert await Order.filter(menu_id=menu["id"], status="confirmed").count() == 3
    assert await redis.get(BUILT_ON_KEY) != "run-id-of-the-old-primary"


async def test_copies_survive_a_reconnect_to_the_same_redis(client):
    menu = await make_menu(client, slots=slot_specs(1, 3))
    buyer = await make_user()
    assert (await _order(client, menu, buyer)).status_code == 201
    redis = resources.redis()
    before = {k: await redis.hget(k, "epoch") for k in await redis.keys(COPIES_PATTERN)}
    _reconnect()
    assert (await _order(client, menu, await make_user())).status_code == 201
    after = {k: await redis.hget(k, "epoch") for k in before}
    assert after == before  # not rebuilt: the same server built them


async def test_a_replica_is_refused_and_a_readonly_reply_reconnects(app):
    with ds.folder("qinejia-replica-") as folder:
        pair = ds.SentinelSet(folder)
        pair._redis("primary")
        ds.wait_for(
            lambda: ds._redis_command(pair.ports["primary"], "PING").strip() == "PONG",
            seconds=20,
            what="primary",
        )
        pair._redis("replica", "--replicaof", "127.0.0.1", str(pair.ports["primary"]))
        ds.wait_for(
            lambda: (
                "master_link_status:up"
                in ds._redis_command(pair.ports["replica"], "INFO", "replication")
            ),
            seconds=20,
            what="replica",
        )
        try:
            lua = LuaChannel({"host": "127.0.0.1", "port": pair.ports["replica"], "db": 0})
            with pytest.raises(RedisConnectionError, match="not the primary"):
                await lua.evalsha("return 1", [], [])
            # A primary that is demoted while connected answers READONLY: a connection
            # fault (the step is retried on a new connection), never a 500.
            where = {"port": pair.ports["primary"]}

            async def locate() -> tuple[str, int]:
                return "127.0.0.1", where["port"]

            moving = LuaChannel({"db": 0}, locate=locate)
            assert await moving.evalsha("return redis.call('SET', KEYS[1], 'x')", ["k"], []) == "OK"
            ds._redis_command(pair.ports["replica"], "REPLICAOF", "NO", "ONE")
            ds._redis_command(
                pair.ports["primary"], "REPLICAOF", "127.0.0.1", str(pair.ports["replica"])
            )
            where["port"] = pair.ports["replica"]
            reply = await moving.evalsha("return redis.call('SET', KEYS[1], 'y')", ["k"], [])
            assert reply == "OK"
            assert ds._redis_command(pair.ports["replica"], "GET", "k").strip() == "y"
            moving.close()
            lua.close()
        finally:
            pair.stop()


async def test_the_pool_and_the_lua_channel_follow_a_sentinel_failover(client):
    menu = await make_menu(client, slots=slot_specs(1, 20))
    buyers = [await make_user() for _ in range(25)]
    saved = resources._state["redis"]
    with ds.folder("qinejia-sentinel-") as folder:
        sentinels = ds.SentinelSet(folder).start()
        resources._state["redis"] = resources.redis_client(sentinels.url)
        resources._state.pop("scripts", None)
        _reconnect()
        try:
            first = [await _order(client, menu, b) for b in buyers[:10]]
            assert [r.status_code for r in first] == [201] * 10
            old = sentinels.kill_primary()
            during = await _order(client, menu, buyers[10])
            assert during.status_code == 503 and during.json()["error"]["code"] == "unavailable"
            ds.wait_for(lambda: sentinels.primary_port() != old, seconds=60, what="a new primary")
            after = [await _order(client, menu, b) for b in buyers[10:]]
            assert sorted(r.status_code for r in after) == [201] * 10 + [409] * 5
            assert await Order.filter(menu_id=menu["id"], status="confirmed").count() == 20
        finally:
            await resources._state["redis"].aclose()
            resources._state["redis"] = saved
            resources._state.pop("scripts", None)
            _reconnect()
            sentinels.stop()
