"""`GET /repairs/crew`: the facility crew a lead may assign tickets to (with their load)."""

from __future__ import annotations

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request

from server.auth import guard
from server.http import doc, reply
from services import repairs

bp = Blueprint("repairs_crew", url_prefix="/api/v1")


class CrewMemberOut(BaseModel):
    id: int
    name: str
    department: str
    open_tickets: int


class CrewList(BaseModel):
    items: list[CrewMemberOut]


@bp.get("/repairs/crew")
@doc(
    summary="可派单的维修人员",
    tag="repairs",
    response=CrewList,
    errors=["forbidden"],
    description="具有 facility 角色、已绑定且在职的人员及其手上未完成（已派单/处理中）的工单数，"
    "空闲的在前；派单时用其 id 作为 assignee_id。",
)
@guard("facility_lead")
async def list_crew(request: Request) -> HTTPResponse:
    return reply(await repairs.list_crew())
