"""Helpers of the visitor-pass tests: pass bodies, inviting and scanning at the gate.

Times are the real time of the run to the second: tokens issued by make_user() expire
7 days from the real now, so X-Test-Now moves within a few days of it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support import Actor

API = "/api/v1"
# Real time to the second: tokens issued by make_user() expire 7 days from the real now,
# so X-Test-Now moves within a few days of it.
NOW = datetime.now(UTC).replace(microsecond=0)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_phones = iter(range(10_000_000, 99_999_999))


def at(moment: datetime) -> dict[str, str]:
    """The X-Test-Now header for `moment` (in Shanghai time, as a client would send)."""
    return {"X-Test-Now": moment.astimezone(SHANGHAI).isoformat()}


def wire(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def pass_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "visitor_name": "王志刚",
        "visitor_phone": f"139{next(_phones)}",
        "plate": None,
        "purpose": "参加项目评审会",
        "valid_from": wire(NOW - timedelta(hours=1)),
        "valid_to": wire(NOW + timedelta(hours=8)),
        "max_entries": 1,
    }
    body.update(overrides)
    return body


async def invite(client, host: Actor, *, when: datetime = NOW, **overrides: Any) -> dict[str, Any]:
    """Create a pass over HTTP and return the `Pass`."""
    response = await client.post(
        f"{API}/visitors/passes", json=pass_body(**overrides), headers=host.with_headers(**at(when))
    )
    assert response.status_code == 201, response.text
    return response.json()


async def scan(client, guard: Actor, token: Any, *, when: datetime = NOW, gate: str = "东门"):
    return await client.post(
        f"{API}/gate/verify",
        json={"token": token, "gate": gate},
        headers=guard.with_headers(**at(when)),
    )
