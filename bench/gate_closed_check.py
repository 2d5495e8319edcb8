"""What the closed check costs the Redis gate: the RESERVE step with and without it.

`booking.redefine` can close a resource (a withdrawn menu, a closed room); RESERVE
then refuses in the step that would take the place, which costs one HGET more on every
request of the lunch rush. This measures the Lua step alone, as the engine sends it
(EVALSHA over one connection, one request at a time): the current script against the
same script without the check line (the baseline), on identical copies of a resource,
interleaved round by round, for the two answers of the rush — a place taken (OK) and a
full slot (FULL).

    .venv/bin/python -m bench.gate_closed_check            # BENCH_REDIS_URL, default redis://127.0.0.1:6379/1 (flushed)
    .venv/bin/python -m bench.gate_closed_check --calls 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import redis.asyncio as redis_asyncio

from booking import lua

CHECK = "if redis.call('HGET', H, 'closed') == '1' then return {'CLOSED'} end\n"


def _copy(capacity: int) -> dict[str, str]:
    """A one-slot copy in the engine's layout (booking/lua.py), open."""
    return {
        "epoch": "bench",
        "pl": "-1",
        "ops": "0",
        "wl": "0",
        "cons": "0",
        "fc": "slot_full",
        "ht": "-1",
        "closed": "0",
        "slots": "1",
        "c:1": str(capacity),
        "t:1": "1800000000:1800000900",
        "b:1": "0",
        "seq": "0",
    }


async def _run(client: redis_asyncio.Redis, sha: str, key: str, calls: int) -> float:
    """Calls per second of `calls` sequential steps (distinct users: no per-user refusal)."""
    started = time.perf_counter()
    for user in range(calls):
        await client.evalsha(sha, 2, key, f"{key}:q:1", user, 1, "", "t", "0", 1, 1)
    return calls / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
    client = redis_asyncio.Redis.from_url(url, decode_responses=True)
    await client.flushdb()
    assert CHECK in lua.RESERVE, "the check line moved: update this benchmark"
    scripts = {
        "with check": await client.script_load(lua.RESERVE),
        "baseline": await client.script_load(lua.RESERVE.replace(CHECK, "")),
    }
    figures: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for answer, capacity in (("OK", 10**9), ("FULL", 0)):
            for variant, sha in scripts.items():
                key = f"bk:{{bench-{variant}-{answer}}}:s"
                await client.delete(key)
                await client.hset(key, mapping=_copy(capacity))
                rate = await _run(client, sha, key, args.calls)
                figures.setdefault((answer, variant), []).append(rate)
    await client.flushdb()
    await client.aclose()
    print(f"{args.calls} calls x {args.rounds} rounds, median calls/s ({url})")
    for answer in ("OK", "FULL"):
        base = statistics.median(figures[(answer, "baseline")])
        checked = statistics.median(figures[(answer, "with check")])
        print(
            f"{answer:4}  baseline {base:8.0f}  with check {checked:8.0f}  "
            f"ratio {checked / base:.3f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
