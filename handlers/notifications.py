"""Notification endpoints of API.md §7: the inbox and subscribe-message credits."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request

from server.auth import guard, principal_of
from server.http import doc, now, parse_body, parse_query, reply
from server.idempotency import idempotent
from services import notifications

bp = Blueprint("notifications", url_prefix="/api/v1")


# The wire shapes are the service's results, documented as they are (server/wire.py).
NoticeOut = notifications.Notice
NoticeList = notifications.NoticePage
ReadAllOut = notifications.ReadAll
SubscriptionsOut = notifications.Credits
TemplateList = notifications.Templates


class NoticeQuery(BaseModel):
    unread: bool = Field(default=False, description="true: 只看未读")
    limit: int = Field(default=20, ge=1, le=100, description="每页条数（1–100）")
    cursor: str | None = Field(default=None, max_length=200, description="上一页的 next_cursor")


class SubscriptionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=10, description="wx.requestSubscribeMessage 中用户同意的模板"
    )


@bp.get("/notifications")
@doc(summary="我的通知（新的在前）", tag="notifications", query=NoticeQuery, response=NoticeList)
@guard()
async def list_notices(request: Request) -> HTTPResponse:
    query = parse_query(request, NoticeQuery)
    page = await notifications.list_notices(
        user_id=principal_of(request).user_id,
        unread=query.unread,
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(page)


@bp.post("/notifications/read-all")
@doc(summary="全部标为已读", tag="notifications", response=ReadAllOut)
@guard()
async def read_all(request: Request) -> HTTPResponse:
    result = await notifications.mark_all_read(
        user_id=principal_of(request).user_id, now=now(request)
    )
    return reply(result)


@bp.post("/notifications/<notice_id:int>/read")
@doc(summary="标为已读", tag="notifications", response=NoticeOut, errors=["not_found"])
@guard()
async def read_one(request: Request, notice_id: int) -> HTTPResponse:
    notice = await notifications.mark_read(
        user_id=principal_of(request).user_id, notice_id=notice_id, now=now(request)
    )
    return reply(notice)


@bp.post("/notifications/subscriptions")
@doc(
    summary="登记订阅消息授权",
    tag="notifications",
    body=SubscriptionsIn,
    response=SubscriptionsOut,
    errors=["idempotency_mismatch"],
    description="小程序 wx.requestSubscribeMessage 成功后上报用户同意的模板；"
    "每个同意的模板可发送一条订阅消息。带 Idempotency-Key 的重试不会重复计数；"
    "首次应答丢失后重放返回重放时持有的次数（此后已用掉的不再计入）。",
)
@guard()
@idempotent(recover=notifications.credits_of, status=200)
async def subscribe(request: Request) -> HTTPResponse:
    body = parse_body(request, SubscriptionsIn)
    result = await notifications.add_credits(
        user_id=principal_of(request).user_id, template_ids=body.template_ids
    )
    return reply(result)


@bp.get("/notifications/templates")
@doc(
    summary="可订阅的消息模板",
    tag="notifications",
    response=TemplateList,
    description="小程序调用 wx.requestSubscribeMessage 前取得模板 id；同一模板可对应多种通知。"
    "模板 id 随部署配置（WECHAT_TEMPLATE_<KIND>），只含会发送订阅消息的通知类型。",
)
@guard()
async def list_templates(request: Request) -> HTTPResponse:
    return reply(notifications.list_templates())
