"""Library jobs: due-soon reminders and overdue notices (days 1, 7, 14), each sent once —
when the job runs twice, concurrently, in another slot, or in a freshly started process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from jobs.library import JOBS
from jobs.scheduler import run_once
from models.notifications import Notice
from services import library
from tests.support.library import borrow, librarian, make_title, readers

ROOT = Path(__file__).resolve().parent.parent
TZ = "+08:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + TZ)


async def _in_new_process(job_name: str, now: datetime) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.library_jobs_worker",
        job_name,
        now.isoformat(),
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip().splitlines()[-1]


async def _count(user_id: int, kind: str) -> int:
    return await Notice.filter(user_id=user_id, kind=kind).count()


async def _loan(client, *, borrowed: str):
    lib = await librarian()
    (reader,) = await readers(1)
    book = await make_title(client, lib, copies=1)
    response = await borrow(client, reader, book["barcodes"][0], **{"X-Test-Now": borrowed + TZ})
    assert response.status_code == 201
    return reader, response.json()


async def test_due_soon_reminder_is_sent_once_and_again_after_renewal(client):
    reader, loan = await _loan(client, borrowed="2026-11-01T10:00:00")  # due 12-01 23:59:59
    assert loan["due_at"] == "2026-12-01T23:59:59+08:00"
    await library.remind_due(now=at("2026-11-27T20:00:00"))  # 4 days ahead: not yet
    assert await _count(reader.user_id, "library_due_soon") == 0
    await asyncio.gather(*(library.remind_due(now=at("2026-11-28T08:00:00")) for _ in range(3)))
    await library.remind_due(now=at("2026-11-29T08:00:00"))
    await _in_new_process("library.remind_due", at("2026-11-30T08:00:00"))
    assert await _count(reader.user_id, "library_due_soon") == 1
    notice = await Notice.filter(user_id=reader.user_id, kind="library_due_soon").first()
    assert notice is not None and "12月01日" in notice.body
    renewed = await client.post(
        f"/api/v1/library/loans/{loan['id']}/renew",
        headers=reader.with_headers(**{"X-Test-Now": "2026-11-30T09:00:00" + TZ}),
    )
    assert renewed.json()["due_at"] == "2026-12-30T23:59:59+08:00"
    await library.remind_due(now=at("2026-12-27T09:00:00"))
    await library.remind_due(now=at("2026-12-28T09:00:00"))
    assert await _count(reader.user_id, "library_due_soon") == 2


async def test_overdue_notices_on_days_1_7_14_each_once(client):
    reader, _ = await _loan(client, borrowed="2026-11-01T10:00:00")  # due 12-01
    job = next(j for j in JOBS if j.name == "library.send_overdue")
    await library.send_overdue(now=at("2026-12-01T23:00:00"))
    assert await _count(reader.user_id, "library_overdue") == 0
    # Day 1: the scheduler in two slots, twice at once, and a fresh process.
    await run_once(job, now=at("2026-12-02T08:00:00"))
    await run_once(job, now=at("2026-12-02T09:00:00"))
    await asyncio.gather(
        library.send_overdue(now=at("2026-12-02T10:00:00")),
        library.send_overdue(now=at("2026-12-02T10:00:00")),
    )
    await _in_new_process("library.send_overdue", at("2026-12-03T10:00:00"))
    assert await _count(reader.user_id, "library_overdue") == 1
    for day in ("2026-12-06", "2026-12-08", "2026-12-08", "2026-12-12"):
        await library.send_overdue(now=at(day + "T08:00:00"))
    assert await _count(reader.user_id, "library_overdue") == 2
    assert (
        "已逾期 7 天" in (await Notice.filter(user_id=reader.user_id).order_by("-id").first()).body
    )
    await _in_new_process("library.send_overdue", at("2026-12-15T08:00:00"))
    await asyncio.gather(*(library.send_overdue(now=at("2026-12-15T09:00:00")) for _ in range(3)))
    await library.send_overdue(now=at("2027-01-20T08:00:00"))
    assert await _count(reader.user_id, "library_overdue") == 3


async def test_a_job_that_was_down_sends_only_the_latest_overdue_notice(client):
    reader, _ = await _loan(client, borrowed="2026-11-01T10:00:00")  # due 12-01
    await library.send_overdue(now=at("2026-12-10T08:00:00"))  # day 9: the day-7 notice
    await library.send_overdue(now=at("2026-12-11T08:00:00"))
    assert await _count(reader.user_id, "library_overdue") == 1
    await library.send_overdue(now=at("2026-12-15T08:00:00"))  # day 14
    assert await _count(reader.user_id, "library_overdue") == 2


async def test_returned_loans_get_no_notices(client):
    lib = await librarian()
    (reader,) = await readers(1)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    await borrow(client, reader, code, **{"X-Test-Now": "2026-11-01T10:00:00" + TZ})
    await client.post(
        "/api/v1/library/returns",
        json={"barcode": code},
        headers=lib.with_headers(**{"X-Test-Now": "2026-11-20T10:00:00" + TZ}),
    )
    await library.remind_due(now=at("2026-11-29T08:00:00"))
    await library.send_overdue(now=at("2026-12-20T08:00:00"))
    assert await Notice.filter(user_id=reader.user_id).count() == 0


async def test_hold_expiry_job_runs_once_per_hold_in_a_new_process(client):
    lib = await librarian()
    first, second = await readers(2)
    book = await make_title(client, lib, copies=1)
    created = await client.post(
        "/api/v1/library/holds",
        json={"title_id": book["id"]},
        headers=first.with_headers(**{"X-Test-Now": "2026-12-01T09:00:00" + TZ}),
    )
    assert created.json()["status"] == "ready"
    await client.post(
        "/api/v1/library/holds", json={"title_id": book["id"]}, headers=second.headers
    )
    await _in_new_process("library.expire_holds", at("2026-12-04T09:00:00"))
    await library.expire_holds(now=at("2026-12-04T09:30:00"))
    assert await _count(first.user_id, "library_hold_expired") == 1
    assert await _count(second.user_id, "library_hold_ready") == 1
