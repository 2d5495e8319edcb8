"""`GET /notifications/templates` (API.md §7): the ids `wx.requestSubscribeMessage` needs.

A blueprint of its own so that the inbox handlers (handlers/notifications.py) stay as
they are; the path sits under the same /notifications prefix.
"""

from __future__ import annotations

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request

from server.auth import guard
from server.http import doc, reply
from services import notifications

bp = Blueprint("notification_templates", url_prefix="/api/v1")


class TemplateOut(BaseModel):
    kind: str
    template_id: str
    title: str


class TemplateList(BaseModel):
    items: list[TemplateOut]


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
