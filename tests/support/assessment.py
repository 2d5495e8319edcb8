"""Helpers shared by the tests/test_assessment_*.py modules (no tests here).

`Crew` is the people around one team: an admin, an inspector, the team's two contacts
and a stranger; `make_crew()` also creates the team and a small checklist over HTTP.
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from models.notifications import Notice
from tests.support import Actor, make_user

# Real "now" of the run: tokens live 7 days from it, so every X-Test-Now stays near it.
T0 = datetime.now(UTC).replace(microsecond=0)
# Surveys are one per month: each test takes months nobody else in the run uses.
_months = itertools.count(random.randrange(0, 200))


def fresh_month() -> str:
    n = next(_months)
    return f"{2050 + n // 12:04d}-{n % 12 + 1:02d}"


def at(minutes: float = 0) -> dict[str, str]:
    return {"X-Test-Now": (T0 + timedelta(minutes=minutes)).isoformat()}


@dataclass
class Crew:
    admin: Actor
    inspector: Actor
    lead_contact: Actor
    contact: Actor
    stranger: Actor
    team: dict[str, Any] = field(default_factory=dict)
    standards: list[dict[str, Any]] = field(default_factory=list)


async def make_crew(client: Any, *, service: str = "cleaning", headcount: int = 10) -> Crew:
    crew = Crew(
        admin=await make_user("admin", name="考核管理员"),
        inspector=await make_user("inspector", name="检查员甲"),
        lead_contact=await make_user(name="保洁主管"),
        contact=await make_user(name="保洁领班"),
        stranger=await make_user(name="其他职工"),
    )
    tag = uuid.uuid4().hex[:6]
    response = await client.post(
        "/api/v1/admin/assessment/teams",
        json={
            "name": f"测试团队{tag}",
            "service": service,
            "vendor": "测试物业服务有限公司",
            "contracted_headcount": headcount,
            "contacts": [crew.lead_contact.employee_no, crew.contact.employee_no],
        },
        headers=crew.admin.headers,
    )
    assert response.status_code == 201, response.text
    crew.team = response.json()
    response = await client.post(
        "/api/v1/admin/assessment/standards",
        json={
            "items": [
                {"service": service, "code": f"{tag}-1", "text": "地面无积水、无垃圾", "points": 2},
                {"service": service, "code": f"{tag}-2", "text": "卫生间无异味", "points": 3},
                {"service": service, "code": f"{tag}-3", "text": "垃圾桶按时清运", "points": 5},
            ]
        },
        headers=crew.admin.headers,
    )
    assert response.status_code == 201, response.text
    crew.standards = response.json()["items"]
    return crew


async def inspect(
    client: Any, crew: Crew, failed: tuple[int, ...] = (1,), minutes: float = 0
) -> dict[str, Any]:
    """An inspection of the crew's team failing the standards at the indexes `failed`."""
    response = await client.post(
        "/api/v1/assessment/inspections",
        json={
            "team_id": crew.team["id"],
            "location": "A座3楼 东侧卫生间",
            "results": [
                {
                    "standard_id": s["id"],
                    "passed": i not in failed,
                    "note": "" if i not in failed else "发现问题",
                }
                for i, s in enumerate(crew.standards)
            ],
        },
        headers={**crew.inspector.headers, **at(minutes)},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def rectifications_of(client: Any, crew: Crew, inspection_id: int) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/assessment/rectifications", headers=crew.inspector.headers)
    assert response.status_code == 200, response.text
    return [r for r in response.json()["items"] if r["inspection_id"] == inspection_id]


async def notices(actor: Actor, kind: str | None = None) -> list[Notice]:
    query = Notice.filter(user_id=actor.user_id)
    if kind:
        query = query.filter(kind=kind)
    return await query.order_by("id")
