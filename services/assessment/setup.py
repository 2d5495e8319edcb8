"""The assessment's reference data: the contracted teams and the standards checklists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from models.assessment import SERVICES, Standard, Team
from models.identity import Staff
from server.errors import Conflict, InvalidInput
from server.tx import transaction
from services.assessment import shapes
from services.assessment.common import team_view


def standard_view(standard: Standard) -> shapes.Standard:
    return shapes.Standard(
        id=standard.id,
        service=standard.service,
        code=standard.code,
        text=standard.text,
        points=standard.points,
    )


async def create_team(
    *,
    name: str,
    service: str,
    vendor: str,
    contracted_headcount: int,
    contacts: list[str],
    now: datetime,
) -> shapes.Team:
    """A new team; its contacts must be directory entries (they answer rectifications)."""
    if service not in SERVICES:
        raise InvalidInput({"service": "取值无效"})
    wanted = list(dict.fromkeys(c.strip() for c in contacts if c.strip()))
    known = {s.employee_no for s in await Staff.filter(employee_no__in=wanted)}
    missing = [c for c in wanted if c not in known]
    if missing:
        raise InvalidInput({"contacts": f"工号不在职工名录中：{'、'.join(missing)}"})
    try:
        team = await Team.create(
            name=name.strip(),
            service=service,
            vendor=vendor.strip(),
            contracted_headcount=contracted_headcount,
            contacts=wanted,
            created_at=now,
        )
    except IntegrityError:
        raise Conflict("已有同名的服务团队", details={"name": name}) from None
    return team_view(team)


async def list_teams() -> shapes.TeamList:
    return shapes.TeamList(items=[team_view(t) for t in await Team.all().order_by("id")])


async def create_standards(*, items: list[dict[str, Any]]) -> shapes.StandardList:
    """Add checklist items in bulk: all of them or none (a code is unique per service)."""
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        if item["service"] not in SERVICES:
            raise InvalidInput({f"items.{index}.service": "取值无效"})
        key = (item["service"], item["code"].strip())
        if key in seen:
            raise InvalidInput({f"items.{index}.code": "同一服务的编号重复"})
        seen.add(key)
    created: list[Standard] = []
    try:
        async with transaction():
            for item in items:
                created.append(
                    await Standard.create(
                        service=item["service"],
                        code=item["code"].strip(),
                        text=item["text"].strip(),
                        points=item["points"],
                    )
                )
    except IntegrityError:
        raise Conflict("该服务已有相同编号的考核标准") from None
    return shapes.StandardList(items=[standard_view(s) for s in created])


async def list_standards(*, service: str | None) -> shapes.StandardList:
    query = Standard.all()
    if service:
        if service not in SERVICES:
            raise InvalidInput({"service": "取值无效"})
        query = query.filter(service=service)
    return shapes.StandardList(
        items=[standard_view(s) for s in await query.order_by("service", "code")]
    )
