"""What every part of the assessment shares: months, team views and contacts (wire times,
month bounds and the id-range check are server.clock's and models')."""

from __future__ import annotations

from models import could_exist
from models.assessment import SERVICES, Team
from models.identity import Staff, User
from server.errors import InvalidInput, NotFound
from services.assessment import shapes
from services.identity import Principal

SERVICE_LABELS = {
    "security": "安保",
    "conference": "会务",
    "catering": "餐饮",
    "cleaning": "保洁",
    "greening": "绿化",
    "facilities": "设施设备",
    "duty_station": "勤务站",
}
assert set(SERVICE_LABELS) == set(SERVICES)


def team_view(team: Team) -> shapes.Team:
    return shapes.Team(
        id=team.id,
        name=team.name,
        service=team.service,
        service_label=SERVICE_LABELS[team.service],
        vendor=team.vendor,
        contracted_headcount=team.contracted_headcount,
        contacts=list(team.contacts),
    )


async def get_team(team_id: int, *, field: str | None = None) -> Team:
    """The team, or 404 (or 400 naming `field` when the id came in a body)."""
    team = await Team.get_or_none(id=team_id) if could_exist(team_id) else None
    if team is None:
        if field:
            raise InvalidInput({field: "没有这个服务团队"})
        raise NotFound("服务团队不存在")
    return team


async def contact_users(team: Team) -> list[int]:
    """User ids of the team's contacts who are bound and active, lead contact first."""
    if not team.contacts:
        return []
    staff = await Staff.filter(employee_no__in=team.contacts, active=True).values_list(
        "id", "employee_no"
    )
    by_no = {str(no): int(sid) for sid, no in staff}
    users = dict(await User.filter(staff_id__in=list(by_no.values())).values_list("staff_id", "id"))
    ordered = [users.get(by_no[no]) for no in team.contacts if no in by_no]
    return [int(u) for u in ordered if u is not None]


async def teams_of_contact(principal: Principal) -> list[int]:
    """Ids of the teams that list the caller's employee number as a contact."""
    if not principal.employee_no:
        return []
    return [t.id for t in await Team.all() if principal.employee_no in t.contacts]


def is_inspector(principal: Principal) -> bool:
    return principal.has_role("inspector")
