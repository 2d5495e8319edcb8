"""The booking gate's pipelined Lua connection (server/lua_channel.py), on a real Redis.

Many steps share one connection and Redis answers in order: these tests prove each
caller gets its own reply whatever happens around it (concurrency, errors, a caller
that gave up, a lost script cache, a killed connection, a restarted Redis)."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from server import resources
from server.lua_channel import LuaChannel, sha_of
from tests.support.redis_faults import app_redis, free_port, redis_process

ECHO = "return {ARGV[1], KEYS[1], redis.call('INCR', KEYS[1])}"
FAIL_ON_X = "if ARGV[1] == 'x' then return redis.error_reply('BAD x') end return ARGV[1]"
# Busy for ~ARGV[1] ms: a reply that arrives after its caller gave up.
SLOW = (
    "local t = redis.call('TIME') local stop = t[1] * 1000000 + t[2] + ARGV[1] * 1000 "
    "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop return 'slow'"
)


def channel() -> LuaChannel:
    return resources.lua_channel()


async def test_concurrent_steps_each_get_their_own_reply(app):
    key = "test:lua:echo"
    await resources.redis().delete(key)
    replies = await asyncio.gather(
        *(channel().evalsha(ECHO, [key], [f"caller-{i}"]) for i in range(300))
    )
    assert [r[0] for r in replies] == [f"caller-{i}" for i in range(300)]
    assert sorted(r[2] for r in replies) == list(range(1, 301))  # each ran exactly once
    assert int(await resources.redis().get(key)) == 300


async def test_an_error_reply_fails_only_its_caller(app):
    results = await asyncio.gather(
        *(channel().evalsha(FAIL_ON_X, [], [a]) for a in ["a", "x", "b", "x", "c"]),
        return_exceptions=True,
    )
    assert results[0::2] == ["a", "b", "c"]
    assert all(isinstance(r, ResponseError) and "BAD x" in str(r) for r in results[1::2])


async def test_a_caller_that_gave_up_does_not_shift_the_replies(app):
    slow = asyncio.ensure_future(channel().evalsha(SLOW, [], [50]))
    for _ in range(3):  # the task queues its command, the next loop turn writes it
        await asyncio.sleep(0)
    assert not slow.done()  # Redis is running it
    slow.cancel()
    after = await asyncio.gather(*(channel().evalsha(FAIL_ON_X, [], [f"n{i}"]) for i in range(20)))
    assert after == [f"n{i}" for i in range(20)]


async def test_a_flushed_script_cache_is_reloaded_by_eval(app):
    source = "return 'fresh-' .. ARGV[1]"
    assert await channel().evalsha(source, [], ["1"]) == "fresh-1"
    await resources.redis().script_flush()
    assert (await resources.redis().script_exists(sha_of(source))) == [False]
    assert await channel().evalsha(source, [], ["2"]) == "fresh-2"
    assert (await resources.redis().script_exists(sha_of(source))) == [True]


async def test_a_killed_connection_is_replaced_without_failing_the_steps(app):
    assert await channel().evalsha(FAIL_ON_X, [], ["before"]) == "before"
    # Redis drops this channel's connection (only it: the Redis may be shared)
    connection_id = await (await channel()._connected()).send(("CLIENT", "ID"))
    assert await resources.redis().client_kill_filter(_id=connection_id) == 1
    replies = await asyncio.gather(
        *(channel().evalsha(FAIL_ON_X, [], [f"k{i}"]) for i in range(50))
    )
    assert replies == [f"k{i}" for i in range(50)]


async def test_a_restarted_redis_is_reconnected_and_a_dead_one_is_a_connection_error(app):
    with redis_process() as server:
        async with app_redis(server.url):
            assert await channel().evalsha(ECHO, ["k"], ["up"]) == ["up", "k", 1]
            server.kill9()
            with pytest.raises(RedisConnectionError):
                await channel().evalsha(ECHO, ["k"], ["down"])
            server.start()
            # the new Redis knows no scripts and has lost the counter
            assert await channel().evalsha(ECHO, ["k"], ["again"]) == ["again", "k", 1]
    async with app_redis(f"redis://127.0.0.1:{free_port()}/0"):
        with pytest.raises(RedisConnectionError):
            await channel().evalsha(ECHO, ["k"], ["nobody"])
