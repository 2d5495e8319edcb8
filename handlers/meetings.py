"""Meeting-room endpoints of API.md §4: rooms, search, bookings, approval, check-in, iCal."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request

from server import clock
from server.auth import guard, principal_of
from server.clock import tz
from server.http import doc, now, parse_body, parse_query, reply
from server.idempotency import idempotent
from server.pagination import Page
from services import meetings

bp = Blueprint("meetings", url_prefix="/api/v1")

# The wire shapes are the service's results, documented as they are (server/wire.py).
RoomIn = meetings.RoomSpec
RoomOut = meetings.Room
RoomPatchIn = meetings.RoomPatch
AllRoomsOut = meetings.AllRooms
BookingOut = meetings.Booking
SeriesOut = meetings.Series
BookingStatus = meetings.BookingStatus


RoomList = meetings.RoomList


class RoomsQuery(BaseModel):
    date: clock.CalendarDay | None = Field(default=None, description="YYYY-MM-DD，默认今天")
    min_capacity: int = Field(default=1, ge=1, le=10000)
    equipment: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=20, description="可重复或用逗号分隔，须全部具备"
    )


BookingIn = meetings.BookingIn


class SeriesIn(BookingIn):
    weeks: int = Field(ge=2, le=12)


class RejectIn(BaseModel):
    reason: str | None = Field(default=None, max_length=200)


BookingList = Page[meetings.Booking]


class ListQuery(BaseModel):
    status: BookingStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=64)


# --- rooms -------------------------------------------------------------------------


@bp.post("/admin/rooms")
@doc(
    summary="新建会议室",
    tag="meetings",
    body=RoomIn,
    response=RoomOut,
    status=201,
    errors=["forbidden", "conflict"],
    description="slot_minutes 为预订时段网格（自 open_from 起）；开放时长须为其整数倍。",
)
@guard("admin")
@idempotent(recover=meetings.room_created)
async def create_room(request: Request) -> HTTPResponse:
    body = parse_body(request, RoomIn)
    room = await meetings.create_room(room=body)
    return reply(room, status=201)


@bp.get("/admin/rooms")
@doc(
    summary="全部会议室（含已停用）",
    tag="meetings",
    response=AllRoomsOut,
    errors=["forbidden"],
)
@guard("admin")
async def all_rooms(request: Request) -> HTTPResponse:
    return reply(await meetings.all_rooms())


@bp.patch("/admin/rooms/<room_id:int>")
@doc(
    summary="修改会议室或停用（closed）",
    tag="meetings",
    body=RoomPatchIn,
    response=RoomOut,
    errors=["forbidden", "not_found", "conflict"],
    description="只改所给字段；已有预订不受影响（容量、开放时间、审批只约束新预订）。"
    "closed=true 停用：不再接受新预订（预订 409 invalid_state，details.state=closed），"
    "职工查找会议室时不再显示；false 恢复。时段长度或开放起点改变时段网格，"
    "会议室从现在起已有时段时 409 conflict；同楼宇重名 409 conflict。",
)
@guard("admin")
async def update_room(request: Request, room_id: int) -> HTTPResponse:
    body = parse_body(request, RoomPatchIn)
    room = await meetings.update_room(room_id=room_id, patch=body, now=now(request))
    return reply(room)


@bp.get("/meetings/rooms")
@doc(
    summary="查找会议室（含当日占用时段）",
    tag="meetings",
    query=RoomsQuery,
    response=RoomList,
    description="busy 为当日待审批或已确认预订占用的时段。",
)
@guard()
async def search_rooms(request: Request) -> HTTPResponse:
    query = parse_query(request, RoomsQuery, lists=["equipment"])
    day = query.date or now(request).astimezone(tz()).date()
    rooms = await meetings.search_rooms(
        day=day, min_capacity=query.min_capacity, equipment=query.equipment
    )
    return reply(rooms)


# --- bookings ----------------------------------------------------------------------


@bp.post("/meetings/bookings")
@doc(
    summary="预订会议室",
    tag="meetings",
    body=BookingIn,
    response=BookingOut,
    status=201,
    errors=["conflict", "not_found", "invalid_state"],
    description="需审批的会议室返回 pending_approval（时段已占住）；与已占用时段重叠返回 409 conflict。",
)
@guard()
@idempotent(recover=meetings.booked)
async def create_booking(request: Request) -> HTTPResponse:
    body = parse_body(request, BookingIn)
    result = await meetings.create_booking(
        user_id=principal_of(request).user_id, request=body, now=now(request)
    )
    return reply(result, status=201)


@bp.post("/meetings/bookings/series")
@doc(
    summary="按周重复预订（2–12周）",
    tag="meetings",
    body=SeriesIn,
    response=SeriesOut,
    status=201,
    errors=["conflict", "not_found", "invalid_state"],
    description="每周同一时间；冲突的周整周跳过并在 skipped 中说明（reason=conflict），"
    "不会出现部分重叠。若每一周都冲突则什么也不创建，返回 409 conflict（details.skipped）。"
    "支持 Idempotency-Key：首次应答丢失后重放返回同一系列（各周预订为当前状态），不会再次预订。",
)
@guard()
@idempotent(recover=meetings.series_created)
async def create_series(request: Request) -> HTTPResponse:
    body = parse_body(request, SeriesIn)
    result = await meetings.create_series(
        user_id=principal_of(request).user_id,
        request=body,
        weeks=body.weeks,
        now=now(request),
    )
    return reply(result, status=201)


@bp.get("/meetings/bookings")
@doc(summary="我的会议室预订", tag="meetings", query=ListQuery, response=BookingList)
@guard()
async def list_bookings(request: Request) -> HTTPResponse:
    query = parse_query(request, ListQuery)
    result = await meetings.list_bookings(
        user_id=principal_of(request).user_id,
        status=query.status,
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(result)


# `{id}.ics` as one regex parameter: sanic-ext documents `<name=int:ext=ics>` under the
# same OpenAPI path as `/meetings/bookings/{booking_id}`, hiding one of the two routes.
@bp.get(r"/meetings/bookings/<booking_ics:\d{1,12}\.ics>")
@doc(
    summary="预订的日历文件（.ics）",
    tag="meetings",
    response={"type": "string"},
    content_type="text/calendar",
    errors=["not_found"],
    description="路径为 /meetings/bookings/{id}.ics（booking_ics 即“<id>.ics”）。"
    "一个 VEVENT，UID 固定为 booking-<id>@qinejia，时间带 TZID=Asia/Shanghai。",
)
@guard()
async def booking_ics(request: Request, booking_ics: str) -> HTTPResponse:
    booking_id = int(booking_ics.removesuffix(".ics"))
    text = await meetings.booking_ics(user_id=principal_of(request).user_id, booking_id=booking_id)
    return HTTPResponse(
        text,
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'},
    )


@bp.get("/meetings/bookings/<booking_id:int>")
@doc(summary="预订详情", tag="meetings", response=BookingOut, errors=["not_found"])
@guard()
async def get_booking(request: Request, booking_id: int) -> HTTPResponse:
    result = await meetings.get_booking(
        user_id=principal_of(request).user_id, booking_id=booking_id
    )
    return reply(result)


@bp.post("/meetings/bookings/<booking_id:int>/cancel")
@doc(
    summary="取消预订（时段立即释放）",
    tag="meetings",
    response=BookingOut,
    errors=["not_found", "invalid_state", "too_late"],
)
@guard()
async def cancel_booking(request: Request, booking_id: int) -> HTTPResponse:
    result = await meetings.cancel_booking(
        user_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return reply(result)


@bp.post("/meetings/bookings/<booking_id:int>/checkin")
@doc(
    summary="签到（开始前10分钟至开始后15分钟）",
    tag="meetings",
    response=BookingOut,
    errors=["not_found", "invalid_state", "too_early", "too_late"],
)
@guard()
async def check_in(request: Request, booking_id: int) -> HTTPResponse:
    result = await meetings.check_in(
        user_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return reply(result)


# --- approval (admin) --------------------------------------------------------------


@bp.get("/admin/meetings/bookings")
@doc(
    summary="全部预订（管理员，如 status=pending_approval 查看待审批）",
    tag="meetings",
    query=ListQuery,
    response=BookingList,
    errors=["forbidden"],
)
@guard("admin")
async def admin_list_bookings(request: Request) -> HTTPResponse:
    query = parse_query(request, ListQuery)
    result = await meetings.list_bookings(
        user_id=None, status=query.status, limit=query.limit, cursor=query.cursor
    )
    return reply(result)


@bp.post("/admin/meetings/bookings/<booking_id:int>/approve")
@doc(
    summary="审批通过",
    tag="meetings",
    response=BookingOut,
    errors=["forbidden", "not_found", "invalid_state", "too_late"],
)
@guard("admin")
async def approve(request: Request, booking_id: int) -> HTTPResponse:
    result = await meetings.approve(
        admin_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return reply(result)


@bp.post("/admin/meetings/bookings/<booking_id:int>/reject")
@doc(
    summary="驳回（时段立即释放）",
    tag="meetings",
    body=RejectIn,
    body_required=False,
    response=BookingOut,
    errors=["forbidden", "not_found", "invalid_state", "invalid_input"],
    description='可选请求体 {"reason": "..."}，会写入给预订人的通知。',
)
@guard("admin")
async def reject(request: Request, booking_id: int) -> HTTPResponse:
    reason = parse_body(request, RejectIn).reason if request.body else None
    result = await meetings.reject(
        admin_id=principal_of(request).user_id,
        booking_id=booking_id,
        reason=reason,
        now=now(request),
    )
    return reply(result)
