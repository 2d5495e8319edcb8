"""The parked-notice runbook of docs/notifications.md works as written: its command
requeues a parked notice, which goes out once more."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
from datetime import datetime
from pathlib import Path

import pytest

from models.notifications import Notice
from server import resources
from services.notifications import STREAM, notify
from tests.support import make_user

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime.fromisoformat("2026-12-01T09:00:00+08:00")
pytestmark = pytest.mark.usefixtures("app")


def runbook_command(notice_ids: list[int]) -> list[str]:
    """The requeue line of docs/notifications.md, its example ids replaced by ours."""
    text = (ROOT / "docs" / "notifications.md").read_text()
    line = next(line for line in text.splitlines() if "requeue-notices" in line and "-m" in line)
    words = shlex.split(line)
    assert words[0] == ".venv/bin/python", line
    arguments = [word for word in words[1:] if not re.fullmatch(r"\d+", word)]
    return [sys.executable, *arguments, *map(str, notice_ids)]


async def test_the_runbook_command_requeues_a_parked_notice():
    user = await make_user()
    parked = await notify(
        user_id=user.user_id, kind="meal_promoted", title="候补订餐成功", body="请取餐", now=NOW
    )
    other = await notify(
        user_id=user.user_id, kind="meal_promoted", title="候补订餐成功", body="请取餐", now=NOW
    )
    # What five refusals by WeChat leave behind (tests/test_notifications_delivery.py
    # drives the real path there): the row parked, its credit spent.
    await Notice.filter(id__in=[parked, other]).update(wechat_status="dead", attempts=5)
    before = await resources.redis().xlen(STREAM)

    process = await asyncio.create_subprocess_exec(
        *runbook_command([parked]),
        cwd=ROOT,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode()
    assert "requeued: 1 of 1" in out.decode()
    notice = await Notice.get(id=parked)
    assert (notice.wechat_status, notice.attempts) == ("sending", 0)
    assert (await Notice.get(id=other)).wechat_status == "dead"  # only the one named
    entries = await resources.redis().xrange(STREAM, "-", "+")
    assert await resources.redis().xlen(STREAM) == before + 1
    assert entries[-1][1] == {"notice_id": str(parked)}
