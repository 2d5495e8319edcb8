"""Gym alliance endpoints of API.md §10: members (gyms, classes, quota, bookings, walk-ins,
vouchers), the gym front desk (check-in with a desk key) and admins (gyms, timetables,
desk keys, the monthly settlement)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from server import clock
from server.auth import desk_guard, desk_of, guard, principal_of
from server.h5 import PREFIX as H5_PREFIX
from server.http import doc, now, parse_body, parse_query, reply, workbook
from server.idempotency import idempotent
from server.pagination import PageQuery
from server.xlsx import CONTENT_TYPE as XLSX
from services import gym

bp = Blueprint("gym", url_prefix="/api/v1")


# --- wire models -------------------------------------------------------------------


class GymIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    address: str = Field(min_length=1, max_length=128)
    offer: str = Field(min_length=1, max_length=256)
    open_hours: str = Field(
        min_length=11, max_length=11, pattern=r"^\d\d:\d\d-\d\d:\d\d$", description="HH:MM-HH:MM"
    )
    walk_in: bool = True
    active: bool = True


class GymPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=64)
    address: str | None = Field(default=None, min_length=1, max_length=128)
    offer: str | None = Field(default=None, min_length=1, max_length=256)
    open_hours: str | None = Field(
        default=None,
        min_length=11,
        max_length=11,
        pattern=r"^\d\d:\d\d-\d\d:\d\d$",
        description="HH:MM-HH:MM",
    )
    walk_in: bool | None = None
    active: bool | None = Field(
        default=None, description="false 停用：不再向职工展示、不接受新预约和前台签到；已有预约保留"
    )

    @model_validator(mode="after")
    def _something(self) -> GymPatchIn:
        if not self.model_dump(exclude_none=True):
            raise ValueError("没有要修改的内容")
        return self


# The wire shapes are the service's results, documented as they are (server/wire.py).
GymOut = gym.GymView
GymList = gym.GymList
GymRef = gym.GymRef
SessionOut = gym.SessionView
SessionList = gym.SessionList
QuotaOut = gym.Quota
BookingOut = gym.BookingView
BookingList = gym.BookingPage
VoucherOut = gym.Voucher
CheckinOut = gym.Checkin
DeskKeyOut = gym.DeskKeyIssued
DeskKeyList = gym.DeskKeyList
DeskKeyRevoked = gym.DeskKeyRevoked


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    coach: str = Field(min_length=1, max_length=32)
    start: clock.CalendarTime
    end: clock.CalendarTime
    capacity: int = Field(ge=1, le=500)


class SessionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sessions: list[SessionIn] = Field(min_length=1, max_length=50)
    weeks: int = Field(default=1, ge=1, le=12)


class DayQuery(BaseModel):
    date: clock.CalendarDay | None = Field(default=None, description="YYYY-MM-DD，默认今天")


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: int = Field(ge=1, le=MAX_ID)
    waitlist: bool = False


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gym_id: int = Field(ge=1, le=MAX_ID)


class CheckinIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=64)


class SettlementQuery(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    format: Literal["json", "xlsx"] = "json"


SettlementOut = gym.Settlement


def _today(request: Request) -> dt.date:
    return clock.today(now(request))


# --- members -----------------------------------------------------------------------


@bp.get("/gym/gyms")
@doc(summary="合作场馆", tag="gym", response=GymList)
@guard()
async def list_gyms(request: Request) -> HTTPResponse:
    return reply(GymList(items=await gym.list_gyms(), next_cursor=None))


@bp.get("/gym/gyms/<gym_id:int>/sessions")
@doc(
    summary="场馆某日课程（含余位与候补人数）",
    tag="gym",
    query=DayQuery,
    response=SessionList,
    errors=["not_found"],
)
@guard()
async def list_sessions(request: Request, gym_id: int) -> HTTPResponse:
    query = parse_query(request, DayQuery)
    items = await gym.list_sessions(gym_id=gym_id, day=query.date or _today(request))
    return reply(SessionList(items=items, next_cursor=None))


@bp.get("/gym/quota")
@doc(summary="本月健身配额", tag="gym", response=QuotaOut)
@guard()
async def quota(request: Request) -> HTTPResponse:
    return reply(
        await gym.quota_view(user_id=principal_of(request).user_id, now=now(request)),
    )


@bp.post("/gym/bookings")
@doc(
    summary="预约课程",
    tag="gym",
    body=BookingIn,
    response=BookingOut,
    status=201,
    extra_responses={202: (BookingOut, "课程已满，已加入候补（waitlist=true）")},
    errors=["slot_full", "limit_reached", "too_late", "not_found"],
    description="计入课程所在月份的配额（候补中也占用一次，取消或未递补时退回）。"
    "开课前1小时内不再接受候补；开课后不能预约。支持 Idempotency-Key：首次应答丢失后重放返回"
    "同一预约的当前状态（候补已递补则为 201 confirmed，已取消则为取消后的状态），不会再次预约。",
)
@guard()
@idempotent(recover=gym.class_booked, status=gym.booked_status)
async def book(request: Request) -> HTTPResponse:
    body = parse_body(request, BookingIn)
    row = await gym.book_class(
        user_id=principal_of(request).user_id,
        session_id=body.session_id,
        waitlist=body.waitlist,
        idempotency_key=request.headers.get("idempotency-key"),
        now=now(request),
    )
    return reply(row, status=202 if row.status == "waitlisted" else 201)


@bp.post("/gym/visits")
@doc(
    summary="到店体验（领取当日到店券）",
    tag="gym",
    body=VisitIn,
    response=BookingOut,
    status=201,
    errors=["limit_reached", "too_late", "not_found", "invalid_state"],
    description="当日闭馆前有效，每人每馆每天一张；计入本月配额。"
    "支持 Idempotency-Key：首次应答丢失后重放返回同一到店券的当前状态。",
)
@guard()
@idempotent(recover=gym.visited)
async def visit(request: Request) -> HTTPResponse:
    body = parse_body(request, VisitIn)
    row = await gym.visit(
        user_id=principal_of(request).user_id, gym_id=body.gym_id, now=now(request)
    )
    return reply(row, status=201)


@bp.get("/gym/bookings")
@doc(summary="我的健身预约", tag="gym", query=PageQuery, response=BookingList)
@guard()
async def my_bookings(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    page = await gym.list_bookings(
        user_id=principal_of(request).user_id, limit=query.limit, cursor=query.cursor
    )
    return reply(page)


@bp.get("/gym/bookings/<booking_id:int>")
@doc(summary="预约详情", tag="gym", response=BookingOut, errors=["not_found"])
@guard()
async def get_booking(request: Request, booking_id: int) -> HTTPResponse:
    row = await gym.get_booking(user_id=principal_of(request).user_id, booking_id=booking_id)
    return reply(row)


@bp.post("/gym/bookings/<booking_id:int>/cancel")
@doc(
    summary="取消预约",
    tag="gym",
    response=BookingOut,
    errors=["not_found", "too_late", "invalid_state"],
    description="开课2小时前取消为 cancelled（退回次数），之后为 late_cancelled（次数不退）；"
    "空出的名额在开课1小时前递补候补队首并通知。到店券未使用前可取消并退回次数。",
)
@guard()
async def cancel(request: Request, booking_id: int) -> HTTPResponse:
    row = await gym.cancel(
        user_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return reply(row)


@bp.post("/gym/bookings/<booking_id:int>/voucher")
@doc(
    summary="出示入场券（60秒一次性）",
    tag="gym",
    response=VoucherOut,
    errors=["not_found", "invalid_state", "too_early", "too_late"],
    description="课程：开课前30分钟起至下课；到店：当日闭馆前。",
)
@guard()
async def voucher(request: Request, booking_id: int) -> HTTPResponse:
    out = await gym.issue_voucher(
        user_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return reply(out, headers={"Cache-Control": "no-store"})


@bp.get("/gym/bookings/<booking_id:int>/voucher.png")
@doc(
    summary="入场券二维码",
    tag="gym",
    response={"type": "string", "format": "binary"},
    content_type="image/png",
    errors=["not_found"],
    description="最新一张未使用且未过期的入场券的二维码；没有则 404（先 POST …/voucher）。",
)
@guard()
async def voucher_png(request: Request, booking_id: int) -> HTTPResponse:
    png = await gym.voucher_png(
        user_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return HTTPResponse(
        png, content_type="image/png", headers={"Cache-Control": "private, no-store"}
    )


# --- the gym front desk ------------------------------------------------------------


@bp.post("/gym/desk/checkin")
@doc(
    summary="前台核销入场券（场馆前台密钥）",
    tag="gym",
    body=CheckinIn,
    response=CheckinOut,
    errors=["not_found", "invalid_state"],
    description="Authorization: Bearer <前台密钥>。仅能核销本场馆的入场券；未知、过期或他馆的券为 404，"
    "已签到为 409 invalid_state。",
)
@desk_guard
async def checkin(request: Request) -> HTTPResponse:
    body = parse_body(request, CheckinIn)
    out = await gym.checkin(desk=desk_of(request), code=body.code, now=now(request))
    return reply(out)


# --- admin -------------------------------------------------------------------------


@bp.post("/admin/gym/gyms")
@doc(
    summary="新增合作场馆",
    tag="gym",
    body=GymIn,
    response=GymOut,
    status=201,
    errors=["forbidden", "conflict"],
)
@guard("admin")
@idempotent(recover=gym.gym_created)
async def create_gym(request: Request) -> HTTPResponse:
    body = parse_body(request, GymIn)
    out = await gym.create_gym(
        name=body.name,
        address=body.address,
        offer=body.offer,
        open_hours=body.open_hours,
        walk_in=body.walk_in,
        active=body.active,
    )
    return reply(out, status=201)


@bp.get("/admin/gym/gyms")
@doc(summary="全部合作场馆（含已停用）", tag="gym", response=GymList, errors=["forbidden"])
@guard("admin")
async def all_gyms(request: Request) -> HTTPResponse:
    return reply(GymList(items=await gym.all_gyms(), next_cursor=None))


@bp.patch("/admin/gym/gyms/<gym_id:int>")
@doc(
    summary="修改合作场馆或停用（active=false）",
    tag="gym",
    body=GymPatchIn,
    response=GymOut,
    errors=["forbidden", "not_found", "conflict"],
    description="只改所给字段。停用的场馆不再向职工展示，不接受新的课程预约、到店和前台签到；"
    "已有预约保留并计入结算。同名 409 conflict。",
)
@guard("admin")
async def update_gym(request: Request, gym_id: int) -> HTTPResponse:
    body = parse_body(request, GymPatchIn)
    out = await gym.update_gym(gym_id=gym_id, **body.model_dump(exclude_none=True))
    return reply(out)


@bp.post("/admin/gym/gyms/<gym_id:int>/sessions")
@doc(
    summary="发布课程（可按周重复）",
    tag="gym",
    body=SessionsIn,
    response=SessionList,
    status=201,
    errors=["forbidden", "not_found", "conflict"],
    description="weeks=1-12：每节课按周重复的次数。无时区的时间按 Asia/Shanghai 解释。",
)
@guard("admin")
@idempotent(recover=gym.sessions_created)
async def create_sessions(request: Request, gym_id: int) -> HTTPResponse:
    body = parse_body(request, SessionsIn)
    items = await gym.create_sessions(
        gym_id=gym_id,
        sessions=[
            gym.SessionIn(name=s.name, coach=s.coach, start=s.start, end=s.end, capacity=s.capacity)
            for s in body.sessions
        ],
        weeks=body.weeks,
    )
    return reply(SessionList(items=items, next_cursor=None), status=201)


@bp.get("/admin/gym/gyms/<gym_id:int>/desk-keys")
@doc(
    summary="场馆的前台密钥（不含密钥本身）",
    tag="gym",
    response=DeskKeyList,
    errors=["forbidden", "not_found"],
    description="新签发的在前；revoked_at 非空为已吊销；last_used_at 为最近一次前台核销。",
)
@guard("admin")
async def list_desk_keys(request: Request, gym_id: int) -> HTTPResponse:
    return reply(await gym.list_keys(gym_id=gym_id))


@bp.post("/admin/gym/gyms/<gym_id:int>/desk-keys")
@doc(
    summary="签发场馆前台密钥（附前台扫码登录二维码）",
    tag="gym",
    response=DeskKeyOut,
    status=201,
    errors=["forbidden", "not_found"],
    description="密钥只在此响应中出现一次；服务器只保存其摘要。signin_url 是前台页面的登录链接"
    "（/app/#/gym/desk?key=…，密钥在 # 之后，浏览器不会把它发给服务器），qr_png 是它的二维码"
    "（data URL）：管理员的密钥页面显示一次，前台设备扫码即登录，无需手输43位密钥。"
    "响应带 Cache-Control: no-store。",
)
@guard("admin")
async def issue_desk_key(request: Request, gym_id: int) -> HTTPResponse:
    issued = await gym.issue_key(gym_id=gym_id)
    link = f"{request.scheme}://{request.host}{H5_PREFIX}/#/gym/desk?key={issued.key}"
    out = DeskKeyOut(**issued.model_dump(), signin_url=link, qr_png=gym.signin_qr(link))
    return reply(out, status=201, headers={"Cache-Control": "no-store"})


@bp.post("/admin/gym/desk-keys/<key_id:int>/revoke")
@doc(
    summary="吊销场馆前台密钥",
    tag="gym",
    response=DeskKeyRevoked,
    errors=["forbidden", "not_found"],
)
@guard("admin")
async def revoke_desk_key(request: Request, key_id: int) -> HTTPResponse:
    return reply(await gym.revoke_key(key_id=key_id, now=now(request)))


@bp.get("/admin/gym/settlement")
@doc(
    summary="场馆月度结算",
    tag="gym",
    query=SettlementQuery,
    response=SettlementOut,
    alternatives={XLSX: {"type": "string", "format": "binary"}},
    errors=["forbidden"],
    description="按预约所属月份统计；format=xlsx 返回 Excel 工作簿。",
)
@guard("admin")
async def settlement(request: Request) -> HTTPResponse:
    query = parse_query(request, SettlementQuery)
    report = await gym.settlement(month=query.month)
    if query.format == "xlsx":
        data = gym.settlement_xlsx(report.model_dump())
        return workbook(data, filename=f"gym-settlement-{query.month}.xlsx")
    return reply(report)
