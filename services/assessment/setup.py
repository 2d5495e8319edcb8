"""The assessment's reference data: the contracted teams and the standards checklists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from models import could_exist
from models.assessment import SERVICES, Standard, Team
from models.identity import Staff
from server.errors import Conflict, InvalidInput, NotFound
from server.tx import ids_in, transaction
from services.assessment import shapes
from services.assessment.common import get_team, team_view


def standard_view(standard: Standard) -> shapes.Standard:
    return shapes.Standard(
        id=standard.id,
        service=standard.service,
        code=standard.code,
        text=standard.text,
        points=standard.points,
    )


async def _known_contacts(contacts: list[str]) -> list[str]:
    """The contacts deduplicated in their order; each must be a directory entry."""
    wanted = list(dict.fromkeys(c.strip() for c in contacts if c.strip()))
    known = {s.employee_no for s in await Staff.filter(employee_no__in=wanted)}
    missing = [c for c in wanted if c not in known]
    if missing:
        raise InvalidInput({"contacts": f"工号不在职工名录中：{'、'.join(missing)}"})
    return wanted


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
    wanted = await _known_contacts(contacts)
    try:
        async with transaction() as tx:
            team = await Team.create(
                using_db=tx.conn,
                name=name.strip(),
                service=service,
                vendor=vendor.strip(),
                contracted_headcount=contracted_headcount,
                contacts=wanted,
                created_at=now,
            )
            tx.created(team.id)
    except IntegrityError:
        raise Conflict("已有同名的服务团队", details={"name": name}) from None
    return team_view(team)


async def team_created(*, user_id: int, ref: str, now: datetime) -> shapes.Team:
    """The team a committed `create_team` created: the answer to a replay whose first
    answer was lost (the route is the admins'; teams have no owner)."""
    return team_view(await Team.get(id=int(ref)))


async def list_teams() -> shapes.TeamList:
    return shapes.TeamList(items=[team_view(t) for t in await Team.all().order_by("id")])


async def update_team(*, team_id: int, changes: dict[str, Any]) -> shapes.Team:
    """Edit a team's name, vendor, headcount or contacts. Its service stays: the months
    already scored were scored against that service's checklist and ratings."""
    team = await get_team(team_id)
    if "contacts" in changes:
        changes["contacts"] = await _known_contacts(changes["contacts"])
    for key in ("name", "vendor"):
        if key in changes:
            changes[key] = changes[key].strip()
    try:
        async with transaction() as tx:
            await Team.filter(id=team.id).using_db(tx.conn).update(**changes)
    except IntegrityError:
        raise Conflict("已有同名的服务团队", details={"name": changes.get("name")}) from None
    return team_view(await Team.get(id=team.id))


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
        async with transaction() as tx:
            for item in items:
                created.append(
                    await Standard.create(
                        using_db=tx.conn,
                        service=item["service"],
                        code=item["code"].strip(),
                        text=item["text"].strip(),
                        points=item["points"],
                    )
                )
            tx.created_all(s.id for s in created)
    except IntegrityError:
        raise Conflict("该服务已有相同编号的考核标准") from None
    return shapes.StandardList(items=[standard_view(s) for s in created])


async def standards_created(*, user_id: int, ref: str, now: datetime) -> shapes.StandardList:
    """The standards a committed `create_standards` created, in the order given (their
    ids are in that order): the answer to a replay whose first answer was lost."""
    rows = await Standard.filter(id__in=ids_in(ref)).order_by("id")
    return shapes.StandardList(items=[standard_view(s) for s in rows])


async def list_standards(*, service: str | None) -> shapes.StandardList:
    query = Standard.all()
    if service:
        if service not in SERVICES:
            raise InvalidInput({"service": "取值无效"})
        query = query.filter(service=service)
    return shapes.StandardList(
        items=[standard_view(s) for s in await query.order_by("service", "code")]
    )


async def update_standard(*, standard_id: int, changes: dict[str, Any]) -> shapes.Standard:
    """Edit a checklist item. An inspection keeps the points it was made with (each
    result stores them), so new points count only for inspections made after the edit."""
    standard = await Standard.get_or_none(id=standard_id) if could_exist(standard_id) else None
    if standard is None:
        raise NotFound("考核标准不存在")
    if "code" in changes:
        changes["code"] = changes["code"].strip()
    if "text" in changes:
        changes["text"] = changes["text"].strip()
    try:
        async with transaction() as tx:
            await Standard.filter(id=standard.id).using_db(tx.conn).update(**changes)
    except IntegrityError:
        raise Conflict(
            "该服务已有相同编号的考核标准", details={"code": changes.get("code")}
        ) from None
    return standard_view(await Standard.get(id=standard.id))
