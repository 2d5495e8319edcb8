"""Repair ticket endpoints of API.md §5 (uploads are in handlers/uploads.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from models.repairs import STATUSES
from server import clock
from server.auth import guard, principal_of
from server.http import doc, now, parse_body, parse_query, reply
from server.idempotency import idempotent
from server.pagination import PageQuery, statuses_of
from services import repairs

bp = Blueprint("repairs", url_prefix="/api/v1")

Category = Literal["electrical", "plumbing", "hvac", "it", "furniture", "other"]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
_TRANSITION_ERRORS = ["not_found", "forbidden", "invalid_state"]


class TicketIn(BaseModel):
    model_config = _STRICT

    category: Category
    location: str = Field(min_length=1, max_length=128, description="如 行政中心A座3楼 302室")
    description: str = Field(min_length=1, max_length=2000)
    photo_ids: list[Annotated[int, Field(gt=0, le=MAX_ID)]] = Field(
        default_factory=list, max_length=repairs.MAX_PHOTOS
    )


# The wire shapes are the service's results, documented as they are (server/wire.py).
TicketOut = repairs.Ticket
TicketPage = repairs.TicketPage
StatsOut = repairs.Stats
CategoryOut = repairs.Category
CategoriesOut = repairs.Categories
CrewList = repairs.Crew


class ListQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    scope: Literal["mine", "assigned", "all"] = "mine"
    status: str | None = Field(None, description="状态，可用逗号分隔多个")

    _known_statuses = field_validator("status")(statuses_of(STATUSES))


class AssignIn(BaseModel):
    model_config = _STRICT
    assignee_id: int = Field(gt=0, le=MAX_ID, strict=True, description="维修人员的用户 id")


class ResolveIn(BaseModel):
    model_config = _STRICT
    note: str = Field(min_length=1, max_length=1000, description="处理说明")
    photo_ids: list[Annotated[int, Field(gt=0, le=MAX_ID)]] = Field(
        default=[],
        max_length=repairs.MAX_PHOTOS,
        description="完成照片：本人通过 POST /uploads 上传且未使用的图片，成为工单和此事件的照片",
    )


class ReopenIn(BaseModel):
    model_config = _STRICT
    reason: str = Field(min_length=1, max_length=1000)


class CancelIn(BaseModel):
    model_config = _STRICT
    reason: str = Field("", max_length=1000)


class RatingIn(BaseModel):
    model_config = _STRICT
    score: int = Field(ge=1, le=5, strict=True)
    comment: str = Field("", max_length=500)


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date_from: clock.CalendarDay | None = Field(None, alias="from")
    date_to: clock.CalendarDay | None = Field(None, alias="to")


class DeadlineIn(BaseModel):
    model_config = _STRICT
    resolve_within_minutes: int = Field(ge=10, le=60 * 24 * 30, strict=True)


@bp.post("/repairs")
@doc(
    summary="报修",
    tag="repairs",
    body=TicketIn,
    response=TicketOut,
    status=201,
    description="photo_ids 为本人通过 POST /uploads 上传且尚未使用的图片。支持 Idempotency-Key。",
)
@guard()
@idempotent(recover=repairs.reported)
async def report(request: Request) -> HTTPResponse:
    body = parse_body(request, TicketIn)
    ticket = await repairs.report(
        principal=principal_of(request),
        category=body.category,
        location=body.location,
        description=body.description,
        photo_ids=body.photo_ids,
        now=now(request),
    )
    return reply(ticket, status=201)


@bp.get("/repairs")
@doc(
    summary="报修单列表",
    tag="repairs",
    query=ListQuery,
    response=TicketPage,
    errors=["forbidden"],
    description="scope=mine（默认，所有人）、assigned（维修人员）、all（维修主管、管理员）；按 id 倒序，游标分页。",
)
@guard()
async def list_tickets(request: Request) -> HTTPResponse:
    query = parse_query(request, ListQuery)
    page = await repairs.list_tickets(
        principal=principal_of(request),
        scope=query.scope,
        statuses=query.status.split(",") if query.status else [],
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(page)


@bp.get("/repairs/stats")
@doc(
    summary="维修统计：按维修人员和类别的平均评分与平均处理时长",
    tag="repairs",
    query=StatsQuery,
    response=StatsOut,
    errors=["forbidden"],
    description="from/to 为 YYYY-MM-DD（含两端，默认最近30天），按解决时间统计。",
)
@guard("facility_lead")
async def stats(request: Request) -> HTTPResponse:
    query = parse_query(request, StatsQuery)
    figures = await repairs.stats(
        date_from=query.date_from, date_to=query.date_to, now=now(request)
    )
    return reply(figures)


@bp.get("/repairs/categories")
@doc(summary="报修类别及处理时限", tag="repairs", response=CategoriesOut)
@guard()
async def categories(request: Request) -> HTTPResponse:
    return reply(await repairs.categories())


@bp.put("/repairs/categories/<category:str>")
@doc(
    summary="设置类别处理时限",
    tag="repairs",
    body=DeadlineIn,
    response=CategoryOut,
    errors=["forbidden", "not_found"],
    description="超过时限未解决的报修单会上报维修主管；只影响之后新建的报修单。",
)
@guard("facility_lead")
async def set_deadline(request: Request, category: str) -> HTTPResponse:
    body = parse_body(request, DeadlineIn)
    result = await repairs.set_deadline(
        category=category, resolve_within_minutes=body.resolve_within_minutes
    )
    return reply(result)


@bp.get("/repairs/<ticket_id:int>")
@doc(summary="报修单详情（含处理记录）", tag="repairs", response=TicketOut, errors=["not_found"])
@guard()
async def get_ticket(request: Request, ticket_id: int) -> HTTPResponse:
    return reply(await repairs.get(ticket_id=ticket_id, principal=principal_of(request)))


async def _act(request: Request, ticket_id: int, action: str, **extra: Any) -> HTTPResponse:
    ticket = await repairs.act(
        ticket_id=ticket_id,
        principal=principal_of(request),
        action=action,
        now=now(request),
        **extra,
    )
    return reply(ticket)


@bp.post("/repairs/<ticket_id:int>/assign")
@doc(
    summary="派单（维修主管）",
    tag="repairs",
    body=AssignIn,
    response=TicketOut,
    errors=_TRANSITION_ERRORS,
    description="assignee_id 必须是具有 facility 角色的用户，否则 400。",
)
@guard()
async def assign(request: Request, ticket_id: int) -> HTTPResponse:
    body = parse_body(request, AssignIn)
    return await _act(request, ticket_id, "assign", assignee_id=body.assignee_id)


@bp.post("/repairs/<ticket_id:int>/start")
@doc(summary="开始维修（被指派人）", tag="repairs", response=TicketOut, errors=_TRANSITION_ERRORS)
@guard()
async def start(request: Request, ticket_id: int) -> HTTPResponse:
    return await _act(request, ticket_id, "start")


@bp.post("/repairs/<ticket_id:int>/resolve")
@doc(
    summary="完成维修（被指派人）",
    tag="repairs",
    body=ResolveIn,
    response=TicketOut,
    errors=_TRANSITION_ERRORS,
)
@guard()
async def resolve(request: Request, ticket_id: int) -> HTTPResponse:
    body = parse_body(request, ResolveIn)
    return await _act(request, ticket_id, "resolve", note=body.note, photo_ids=body.photo_ids)


@bp.post("/repairs/<ticket_id:int>/confirm")
@doc(summary="确认完成（报修人）", tag="repairs", response=TicketOut, errors=_TRANSITION_ERRORS)
@guard()
async def confirm(request: Request, ticket_id: int) -> HTTPResponse:
    return await _act(request, ticket_id, "confirm")


@bp.post("/repairs/<ticket_id:int>/reopen")
@doc(
    summary="问题未解决，重新处理（报修人）",
    tag="repairs",
    body=ReopenIn,
    response=TicketOut,
    errors=_TRANSITION_ERRORS,
)
@guard()
async def reopen(request: Request, ticket_id: int) -> HTTPResponse:
    body = parse_body(request, ReopenIn)
    return await _act(request, ticket_id, "reopen", note=body.reason)


@bp.post("/repairs/<ticket_id:int>/cancel")
@doc(
    summary="撤销报修（报修人，派单前或已派单未开始）",
    tag="repairs",
    body=CancelIn,
    body_required=False,
    response=TicketOut,
    errors=_TRANSITION_ERRORS,
    description='可选请求体 {"reason"}。',
)
@guard()
async def cancel(request: Request, ticket_id: int) -> HTTPResponse:
    body = parse_body(request, CancelIn) if request.body else CancelIn.model_validate({})
    return await _act(request, ticket_id, "cancel", note=body.reason)


@bp.post("/repairs/<ticket_id:int>/rating")
@doc(
    summary="评价（报修人，已解决或已关闭后一次）",
    tag="repairs",
    body=RatingIn,
    response=TicketOut,
    errors=[*_TRANSITION_ERRORS, "conflict"],
    description="每张报修单只能评价一次，重复评价返回 409 conflict。",
)
@guard()
async def rate(request: Request, ticket_id: int) -> HTTPResponse:
    body = parse_body(request, RatingIn)
    return await _act(request, ticket_id, "rate", note=body.comment, score=body.score)


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
