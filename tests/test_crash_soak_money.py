"""A short round of bench/crash_soak_money.py: real processes only.

The real server (`python -m server run`, its own process group, background process
included) on the PostgreSQL of TEST_DATABASE_URL (in a database and schema of its own,
so the suite's tables are untouched), a redis-server of its own, the fake WeChat and the
fake WeChat Pay. Staff buy, pay, wash and refund car-wash cards and create visitor
passes, repair tickets and purchase requests; the process group gets SIGKILL at a
random moment; the server starts again, unanswered requests are replayed with their
keys, the reconcile job runs; then no duplicate, no stuck card, money in balance.

Marked `postgres_only` (the soak's own database is created on the PostgreSQL server of
the run) and `slow` (real processes).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.crash_soak_money import MoneyOptions, soak

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


async def test_kill_9_over_money_and_created_objects_leaves_nothing_twice_or_stuck(
    tmp_path: Path,
) -> None:
    base = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0]
    opts = MoneyOptions(
        db="postgres",
        pg_url=f"{base}/qj_soak_money_ci",
        redis_url="",
        rounds=1,
        seconds=2.5,
        users=8,
        var_dir=tmp_path / "soak",
    )
    lines: list[str] = []
    verdicts = await soak(opts, out=lines.append)
    report = "\n".join(lines)
    print(report)
    assert len(verdicts) == 1, report
    assert not verdicts[0].violations, report
