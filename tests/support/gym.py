"""Helpers of the gym tests: a gym with its sessions, booking, desk keys and the quota."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.gym import GymQuota
from tests.support import Actor, make_user

# Tokens of tests live 7 days from the real clock, so the test day follows it.
_DAY = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=2)
DAY = _DAY.isoformat()
NEXT_WEEK = (_DAY + timedelta(days=7)).isoformat()
MONTH = DAY[:7]
EARLY = {"X-Test-Now": f"{_DAY - timedelta(days=1)}T09:00:00+08:00"}  # the day before


def at(clock: str, day: str = DAY) -> dict[str, str]:
    return {"X-Test-Now": f"{day}T{clock}:00+08:00"}


async def make_gym(
    client: Any, *, sessions: int = 1, capacity: int = 10, weeks: int = 1, walk_in: bool = True
) -> tuple[Actor, dict[str, Any], list[dict[str, Any]]]:
    """(admin, a fresh gym, its sessions: `sessions` different classes, all 18:00-18:50 on
    DAY; each class is its own series, so they may share the time)."""
    admin = await make_user("admin")
    body = {
        "name": f"测试健身馆{uuid.uuid4().hex[:8]}",
        "address": "市政务中心东侧100米",
        "offer": "职工价 ¥30/次",
        "open_hours": "06:00-22:00",
        "walk_in": walk_in,
    }
    response = await client.post("/api/v1/admin/gym/gyms", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    gym = response.json()
    specs = [
        {
            "name": f"动感单车{i}",
            "coach": "王教练",
            "start": f"{DAY}T18:00:00+08:00",
            "end": f"{DAY}T18:50:00+08:00",
            "capacity": capacity,
        }
        for i in range(sessions)
    ]
    response = await client.post(
        f"/api/v1/admin/gym/gyms/{gym['id']}/sessions",
        json={"sessions": specs, "weeks": weeks},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    return admin, gym, response.json()["items"]


async def book(
    client: Any, actor: Actor, session_id: int, now: dict[str, str] = EARLY, **extra: Any
) -> Any:
    return await client.post(
        "/api/v1/gym/bookings",
        json={"session_id": session_id, **extra},
        headers=actor.with_headers(**now),
    )


async def desk_key(client: Any, admin: Actor, gym_id: int) -> dict[str, str]:
    response = await client.post(
        f"/api/v1/admin/gym/gyms/{gym_id}/desk-keys", headers=admin.headers
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['key']}"}


async def quota_used(user_id: int, month: str = MONTH) -> int:
    row = await GymQuota.get_or_none(user_id=user_id, month=month)
    return row.used if row else 0


def moment(clock: str, day: str = DAY) -> datetime:
    """`clock` ('18:00') on `day` in Shanghai time, for the jobs' `now=`."""
    return datetime.fromisoformat(f"{day}T{clock}:00+08:00")
