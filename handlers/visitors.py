"""Visitor passes and the gate (API.md §6): invite, show the QR, revoke, scan, the log."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request

from server import clock
from server.auth import guard, principal_of
from server.http import doc, now, parse_body, parse_query, reply
from server.idempotency import idempotent
from services import visitors

API = "/api/v1"
bp = Blueprint("visitors", url_prefix=API)

RULES = (
    "规则：visitor_name 1-32 个字符且不含控制字符；visitor_phone 为中国大陆手机号 "
    "^1[3-9]\\d{9}$（忽略空格和连字符）；plate 可选，中国车牌格式（省份简称 + 发牌机关字母 + "
    "5 位，新能源 6 位，如 苏A12345、苏AD12345），大小写、空格不敏感；purpose 1-100 个字符；"
    "有效期 [valid_from, valid_to) 非空、不超过 7 天、结束时间晚于当前、开始时间在 90 天内；"
    "max_entries 1-20（默认 1）。不带时区的时间按 Asia/Shanghai 解释。"
    "token 与二维码只在通行证 active 时返回（否则 token 为 null、二维码 404）；token 以 "
    "SECRET_KEY 派生密钥加密保存，便于宿主再次出示，访客信息匿名化时一并清除。"
)


class PassIn(BaseModel):
    # Lengths and formats are checked by the service, so one 400 names every bad field.
    visitor_name: str = Field(max_length=200, description="访客姓名，1-32 个字符")
    visitor_phone: str = Field(max_length=200, description="中国大陆手机号")
    plate: str | None = Field(default=None, max_length=200, description="车牌号，可选")
    purpose: str = Field(max_length=1000, description="来访事由，1-100 个字符")
    valid_from: clock.CalendarTime
    valid_to: clock.CalendarTime
    max_entries: int = Field(default=1, description="可入场次数，1-20")


PassOut = visitors.PassInfo
PassList = visitors.PassPage


class PassQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=64)
    status: Literal["active", "revoked", "expired", "used_up"] | None = None


class VerifyIn(BaseModel):
    # Any JSON value: whatever the scanner read that is not a token of ours is `unknown`.
    token: Any = Field(
        description="扫码得到的字符串；任何无法识别的内容（任意长度、字符或类型）都回答 unknown"
    )
    gate: str = Field(min_length=1, max_length=32, description="门岗名称，如 东门")


VerifyOut = visitors.Verdict


class EntryQuery(BaseModel):
    date: clock.CalendarDay | None = Field(
        default=None, description="YYYY-MM-DD（Asia/Shanghai），默认今天"
    )
    gate: str | None = Field(default=None, max_length=32, description="只列该门岗的记录")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=64)


EntryLog = visitors.DayLog
GatePassList = visitors.GatePassPage


class GatePassQuery(BaseModel):
    q: str = Field(min_length=1, max_length=32, description="访客姓名中包含的文字，或手机号后4位")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=64)


class AdmitIn(BaseModel):
    gate: str = Field(min_length=1, max_length=32, description="门岗名称，如 东门")
    reason: str = Field(
        min_length=1, max_length=200, description="人工放行的原因，如 访客手机没电，已核对身份证"
    )


# --- routes ------------------------------------------------------------------------


@bp.post("/visitors/passes")
@doc(
    summary="登记访客，生成通行证",
    tag="visitors",
    body=PassIn,
    response=PassOut,
    status=201,
    errors=["idempotency_mismatch"],
    description=RULES,
)
@guard()
@idempotent(recover=visitors.invited)
async def create_pass(request: Request) -> HTTPResponse:
    body = parse_body(request, PassIn)
    created = await visitors.create_pass(
        host_id=principal_of(request).user_id,
        visitor_name=body.visitor_name,
        visitor_phone=body.visitor_phone,
        plate=body.plate,
        purpose=body.purpose,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        max_entries=body.max_entries,
        now=now(request),
    )
    return reply(created, status=201)


@bp.get("/visitors/passes")
@doc(summary="我登记的通行证（新的在前）", tag="visitors", query=PassQuery, response=PassList)
@guard()
async def list_passes(request: Request) -> HTTPResponse:
    query = parse_query(request, PassQuery)
    found = await visitors.list_passes(
        host_id=principal_of(request).user_id,
        status=query.status,
        limit=query.limit,
        cursor=query.cursor,
        now=now(request),
    )
    return reply(found)


@bp.get("/visitors/passes/<pass_id:int>")
@doc(summary="一张通行证", tag="visitors", response=PassOut, errors=["not_found"])
@guard()
async def get_pass(request: Request, pass_id: int) -> HTTPResponse:
    found = await visitors.get_pass(
        host_id=principal_of(request).user_id, pass_id=pass_id, now=now(request)
    )
    return reply(found)


async def _qr(request: Request, pass_id: int, image: Literal["png", "svg"]) -> HTTPResponse:
    content = await visitors.pass_qr(
        host_id=principal_of(request).user_id, pass_id=pass_id, image=image, now=now(request)
    )
    return HTTPResponse(
        content,
        content_type="image/png" if image == "png" else "image/svg+xml",
        headers={"Cache-Control": "private, no-store"},
    )


@bp.get("/visitors/passes/<pass_id:int>/qr.png")
@doc(
    summary="通行证二维码（PNG）",
    tag="visitors",
    response={"type": "string", "format": "binary"},
    content_type="image/png",
    errors=["not_found"],
    description="仅宿主可见；通行证不再 active 时 404。",
)
@guard()
async def pass_qr_png(request: Request, pass_id: int) -> HTTPResponse:
    return await _qr(request, pass_id, "png")


@bp.get("/visitors/passes/<pass_id:int>/qr.svg")
@doc(
    summary="通行证二维码（SVG）",
    tag="visitors",
    response={"type": "string"},
    content_type="image/svg+xml",
    errors=["not_found"],
    description="仅宿主可见；通行证不再 active 时 404。",
)
@guard()
async def pass_qr_svg(request: Request, pass_id: int) -> HTTPResponse:
    return await _qr(request, pass_id, "svg")


@bp.post("/visitors/passes/<pass_id:int>/revoke")
@doc(
    summary="撤销通行证",
    tag="visitors",
    response=PassOut,
    errors=["not_found", "invalid_state"],
    description="active → revoked；已撤销的再次撤销原样返回；已过期或次数用尽 409 invalid_state。",
)
@guard()
async def revoke_pass(request: Request, pass_id: int) -> HTTPResponse:
    revoked = await visitors.revoke_pass(
        host_id=principal_of(request).user_id, pass_id=pass_id, now=now(request)
    )
    return reply(revoked)


@bp.post("/gate/verify")
@doc(
    summary="门岗扫码核验（记录一次入场）",
    tag="visitors",
    body=VerifyIn,
    response=VerifyOut,
    errors=["forbidden", "idempotency_mismatch"],
    description="valid=true 时记录一次入场并通知宿主；否则 valid=false 与 reason。"
    "同一通行证被并发扫描时，入场次数绝不超过 max_entries（数据库条件更新）。"
    "支持 Idempotency-Key：扫码枪重试不会重复计次；首次应答丢失后重放返回同一次入场"
    "（entries_left 为该次入场后的剩余次数）。",
)
@guard("guard")
@idempotent(recover=visitors.entered, status=200)
async def verify(request: Request) -> HTTPResponse:
    body = parse_body(request, VerifyIn, nul_ok=("token",))
    verdict = await visitors.verify(
        token=body.token,
        gate=body.gate,
        guard_id=principal_of(request).user_id,
        now=now(request),
    )
    return reply(verdict)


@bp.get("/gate/passes")
@doc(
    summary="门岗查找通行证（访客无二维码时）",
    tag="visitors",
    query=GatePassQuery,
    response=GatePassList,
    errors=["forbidden"],
    description="当前可入场的通行证（active、在有效期内、仍有剩余次数）中，访客姓名包含 q，"
    "或 q 为4位数字时手机号以其结尾的；手机号脱敏。",
)
@guard("guard")
async def find_passes(request: Request) -> HTTPResponse:
    query = parse_query(request, GatePassQuery)
    found = await visitors.find_passes(
        q=query.q, limit=query.limit, cursor=query.cursor, now=now(request)
    )
    return reply(found)


@bp.post("/gate/passes/<pass_id:int>/admit")
@doc(
    summary="门岗人工放行（记录一次入场）",
    tag="visitors",
    body=AdmitIn,
    response=VerifyOut,
    errors=["forbidden", "not_found"],
    description="与 /gate/verify 相同的应答：valid=true 时记录一次入场（manual=true，附原因）并通知宿主；"
    "否则 valid=false 与 reason。与扫码共用同一次数：两名门岗同时扫码或放行单次通行证，只有一人 valid=true。"
    "支持 Idempotency-Key：重试不会重复计次；首次应答丢失后重放返回同一次入场。",
)
@guard("guard")
@idempotent(recover=visitors.entered, status=200)
async def admit(request: Request, pass_id: int) -> HTTPResponse:
    body = parse_body(request, AdmitIn)
    verdict = await visitors.admit(
        pass_id=pass_id,
        gate=body.gate,
        reason=body.reason,
        guard_id=principal_of(request).user_id,
        now=now(request),
    )
    return reply(verdict)


@bp.get("/gate/entries")
@doc(
    summary="入场记录（按日）与各门岗当日计数",
    tag="visitors",
    query=EntryQuery,
    response=EntryLog,
    errors=["forbidden"],
    description="访客手机号脱敏。per_gate/total 为当日全部记录的统计。manual=true 为人工放行，reason 为其原因。",
)
@guard("guard")
async def entries(request: Request) -> HTTPResponse:
    query = parse_query(request, EntryQuery)
    day_log = await visitors.entry_log(
        day=query.date,
        gate=query.gate,
        limit=query.limit,
        cursor=query.cursor,
        now=now(request),
    )
    return reply(day_log)
