"""The canteen console of API.md §3: prep summary and redeeming pickup codes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request

from handlers.meals import OrderOut
from server.auth import guard
from server.http import doc, now, parse_body, reply
from services import meals

bp = Blueprint("canteen", url_prefix="/api/v1")


SummaryOut = meals.Summary


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)


@bp.get("/canteen/menus/<menu_id:int>/summary")
@doc(
    summary="备餐汇总（按菜品、按时段）与当日数据",
    tag="canteen",
    response=SummaryOut,
    errors=["forbidden", "not_found"],
    description="confirmed=待取餐；ordered=占用名额的订单（confirmed+served+no_show），"
    "菜品 ordered 为份数合计；另含 no_show、cancelled。",
)
@guard("canteen")
async def menu_summary(request: Request, menu_id: int) -> HTTPResponse:
    return reply(await meals.summary(menu_id=menu_id))


@bp.post("/canteen/redeem")
@doc(
    summary="核销取餐码",
    tag="canteen",
    body=RedeemIn,
    response=OrderOut,
    errors=["forbidden", "not_found", "invalid_state"],
    description="同一取餐码只能核销一次，两台收银同时扫码也只有一台成功。",
)
@guard("canteen")
async def redeem(request: Request) -> HTTPResponse:
    body = parse_body(request, RedeemIn)
    return reply(await meals.redeem(code=body.code, now=now(request)))
