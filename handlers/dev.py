"""Development-only routes: what the H5 stand-in needs to find the offline fakes."""

from __future__ import annotations

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request

from server import resources
from server.auth import public
from server.errors import NotFound
from server.http import doc, reply

bp = Blueprint("dev", url_prefix="/api/v1")


class DevWeChatOut(BaseModel):
    api_base: str | None
    pay_base: str | None


@bp.get("/dev/wechat")
@doc(
    summary="离线微信与微信支付假服务的地址（仅开发/测试）",
    tag="dev",
    auth=False,
    response=DevWeChatOut,
    errors=["not_found"],
    description="配置了真实微信凭据时为 404。",
)
@public
async def dev_wechat(request: Request) -> HTTPResponse:
    """The wx shim asks here where the fake WeChat Pay is, to confirm a payment there."""
    settings = resources.settings()
    if not settings.fake_wechat or not settings.pay.fake:
        raise NotFound("未启用离线微信")
    return reply(
        {"api_base": settings.wechat_api_base, "pay_base": settings.pay.api_base},
    )
