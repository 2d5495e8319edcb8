"""Helpers for the duty-station tests: services, open days, the clock of a request.

Every test gets its own station day, each earlier than the days handed out before it, so
an errand left waiting by one test (errands wait across days) never reaches the queue of
a later one. The clock of every request is set with X-Test-Now on that day.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

API = "/api/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
_back = itertools.count(0)
_FIRST = date(2026, 6, 30)


def a_day() -> date:
    """A station day no other test uses, earlier than every day handed out before."""
    return _FIRST - timedelta(days=2 * next(_back))


def at(day: date, hhmm: str) -> str:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).isoformat()


def clock(actor: Any, day: date, hhmm: str) -> dict[str, str]:
    """The actor's headers with the request's clock at `hhmm` on `day`."""
    return actor.with_headers(**{"X-Test-Now": at(day, hhmm)})


async def new_service(client: Any, admin: Any, *, mode: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": f"{mode}-{uuid.uuid4().hex[:8]}",
        "mode": mode,
        "documents": ["身份证"],
        "minutes": 15,
        **extra,
    }
    response = await client.post(f"{API}/admin/duty/services", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def open_day(
    client: Any,
    admin: Any,
    day: date,
    counters: dict[int, int],
    *,
    open_from: str = "09:00",
    open_to: str = "11:00",
    slot_minutes: int = 30,
) -> list[dict[str, Any]]:
    body = {
        "date": day.isoformat(),
        "open_from": open_from,
        "open_to": open_to,
        "slot_minutes": slot_minutes,
        "counters": {str(k): v for k, v in counters.items()},
    }
    response = await client.post(f"{API}/admin/duty/slots", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return list(response.json()["items"])


async def upload_document(client: Any, actor: Any) -> int:
    """A PDF document of `actor` (uploads take images and PDFs)."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
    pdf = (
        head
        + b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
        + b"trailer<</Size 2/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % len(head)
    )
    response = await client.post(
        f"{API}/uploads",
        files={"file": ("证件.pdf", pdf, "application/pdf")},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
