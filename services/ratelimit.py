"""Fixed-window rate limits in Redis: one atomic round trip per check."""

from __future__ import annotations

from server import resources
from server.errors import RateLimited

# INCR the window counter, set its expiry on first use, return (count, ttl in ms).
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


async def hit(*, key: str, limit: int, window_s: int) -> None:
    """Count one request against `key`; raise RateLimited once over `limit` per window."""
    script = resources.script(_HIT)
    count, ttl_ms = await script(keys=[f"rl:{key}"], args=[window_s * 1000])
    if int(count) > limit:
        raise RateLimited(retry_after=max(1, -(-int(ttl_ms) // 1000)))
