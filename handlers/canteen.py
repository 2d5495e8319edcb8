"""The canteen console of API.md §3: prep summary and redeeming pickup codes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sanic import Blueprint, HTTPResponse, Request

from handlers.meals import OrderOut
from models import MAX_ID
from models.meals import ORDER_STATUSES
from server.auth import guard
from server.http import doc, now, parse_body, parse_query, reply
from server.pagination import PageQuery, statuses_of
from services import meals

bp = Blueprint("canteen", url_prefix="/api/v1")


SummaryOut = meals.Summary


TillPage = meals.TillPage


class TillQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    slot_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="只看该取餐时段")
    status: str | None = Field(
        default=None,
        description="confirmed|waitlisted|cancelled|served|no_show，可用逗号分隔多个",
    )

    _known_statuses = field_validator("status")(statuses_of(ORDER_STATUSES))


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    canteen: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="收银台所在食堂；给出时，其他食堂的订单以 409 wrong_canteen 拒绝",
    )


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


@bp.get("/canteen/menus/<menu_id:int>/orders")
@doc(
    summary="菜单的订单（收银台名单，按下单顺序）",
    tag="canteen",
    query=TillQuery,
    response=TillPage,
    errors=["forbidden", "not_found"],
    description="姓名脱敏。slot_id 只看一个取餐时段；status=no_show 为时段结束后未取餐的订单"
    "（时段结束后由每分钟运行的任务标记）。",
)
@guard("canteen")
async def menu_orders(request: Request, menu_id: int) -> HTTPResponse:
    query = parse_query(request, TillQuery)
    page = await meals.menu_orders(
        menu_id=menu_id,
        slot_id=query.slot_id,
        statuses=query.status.split(",") if query.status else [],
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(page)


@bp.post("/canteen/redeem")
@doc(
    summary="核销取餐码",
    tag="canteen",
    body=RedeemIn,
    response=OrderOut,
    errors=["forbidden", "not_found", "invalid_state", "wrong_day", "wrong_canteen"],
    description="同一取餐码只能核销一次，两台收银同时扫码也只有一台成功。"
    "只核销今日（服务时区）的订单：其他日期 409 wrong_day（details.date 为订单日期）；"
    "给出 canteen 时其他食堂的订单 409 wrong_canteen（details.canteen）。被拒的取餐码不做任何改变。",
)
@guard("canteen")
async def redeem(request: Request) -> HTTPResponse:
    body = parse_body(request, RedeemIn)
    return reply(await meals.redeem(code=body.code, canteen=body.canteen, now=now(request)))
