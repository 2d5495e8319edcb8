"""Meals endpoints of API.md §3 for staff (menus, orders) and admins (creating menus)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from server import clock
from server.auth import guard, principal_of
from server.clock import today
from server.http import doc, now, parse_body, parse_query, reply
from server.idempotency import idempotent
from services import meals

bp = Blueprint("meals", url_prefix="/api/v1")


# --- wire models -------------------------------------------------------------------


class MenuIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # blank canteen: 400

    date: clock.CalendarDay
    meal: Literal["breakfast", "lunch", "dinner"]
    canteen: str = Field(min_length=1, max_length=64)
    order_deadline: clock.CalendarTime
    per_user_limit: int = Field(default=1, ge=1, le=10)
    dishes: list[meals.DishIn] = Field(min_length=1, max_length=50)
    slots: list[meals.SlotIn] = Field(min_length=1, max_length=48)


MenuOut = meals.Menu
MenuList = meals.MenuList
OrderOut = meals.Order
OrderList = meals.OrderPage


class RangeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: clock.CalendarDay | None = Field(
        default=None, alias="from", description="YYYY-MM-DD，默认今天"
    )
    to: clock.CalendarDay | None = Field(
        default=None, description="YYYY-MM-DD（含），默认开始日期后6天"
    )


class DishStockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1, le=MAX_ID)
    stock: int = Field(ge=0, le=100_000)


class SlotCapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1, le=MAX_ID)
    capacity: int = Field(ge=0, le=100_000)


class MenuPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_deadline: clock.CalendarTime | None = Field(
        default=None,
        description="新的截止时间：订餐截止前可改，至少在1分钟之后，不晚于第一个取餐时段",
    )
    dishes: list[DishStockIn] = Field(
        default=[], max_length=50, description="菜品库存，不能低于已订份数"
    )
    slots: list[SlotCapacityIn] = Field(
        default=[], max_length=48, description="时段容量，不能低于已预订人数"
    )
    withdrawn: bool | None = Field(
        default=None, description="true 撤回（不再接受新订单，已有订单保留）；false 恢复"
    )

    @model_validator(mode="after")
    def _something(self) -> MenuPatchIn:
        if not (self.order_deadline or self.dishes or self.slots) and self.withdrawn is None:
            raise ValueError("没有要修改的内容")
        return self


class DayQuery(BaseModel):
    date: clock.CalendarDay | None = Field(default=None, description="YYYY-MM-DD，默认今天")


class OrdersQuery(BaseModel):
    date: clock.CalendarDay | None = Field(default=None, description="按菜单日期筛选 YYYY-MM-DD")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=64)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    menu_id: int = Field(ge=1, le=MAX_ID)
    slot_id: int = Field(ge=1, le=MAX_ID)
    items: list[meals.LineIn] = Field(min_length=1, max_length=10)
    pickup: Literal["dine_in", "takeaway"]
    waitlist: bool = False


def _today(request: Request) -> dt.date:
    return today(now(request))


# --- admin -------------------------------------------------------------------------


@bp.post("/admin/meals/menus")
@doc(
    summary="创建菜单（菜品库存与取餐时段）",
    tag="meals",
    body=MenuIn,
    response=MenuOut,
    status=201,
    errors=["forbidden", "conflict"],
    description="无时区的时间按服务时区（Asia/Shanghai）解释。截止时间不能晚于第一个取餐时段。"
    "首次应答丢失后以同一 Idempotency-Key 重放：返回同一菜单，余量为重放时的余量。",
)
@guard("admin")
@idempotent(recover=meals.menu_created)
async def create_menu(request: Request) -> HTTPResponse:
    body = parse_body(request, MenuIn)
    menu = await meals.create_menu(
        day=body.date,
        meal=body.meal,
        canteen=body.canteen,
        order_deadline=body.order_deadline,
        per_user_limit=body.per_user_limit,
        dishes=body.dishes,
        slots=body.slots,
    )
    return reply(menu, status=201)


@bp.get("/admin/meals/menus")
@doc(
    summary="菜单列表（日期范围，含已撤回）",
    tag="meals",
    query=RangeQuery,
    response=MenuList,
    errors=["forbidden"],
    description="from/to 为菜单日期（含两端），范围不超过62天；默认今天起7天。",
)
@guard("admin")
async def admin_list_menus(request: Request) -> HTTPResponse:
    query = parse_query(request, RangeQuery)
    first = query.from_ or _today(request)
    last = query.to or first + dt.timedelta(days=6)
    return reply(await meals.menus_between(first=first, last=last))


@bp.patch("/admin/meals/menus/<menu_id:int>")
@doc(
    summary="修改菜单：库存、时段容量、截止时间，或撤回",
    tag="meals",
    body=MenuPatchIn,
    response=MenuOut,
    errors=["forbidden", "not_found", "too_late"],
    description="全部生效或全部不生效。库存不能低于已订份数、容量不能低于已预订人数"
    "（400，details.fields 指明行，如 dishes.0.stock，并给出已占用数）；"
    "截止时间只能在订餐截止前修改（否则 409 too_late），且至少在1分钟之后。"
    "withdrawn=true 撤回菜单：不再接受新订单（下单 409 invalid_state，details.state=withdrawn），"
    "已有订单不变；职工的菜单列表不再显示它。",
)
@guard("admin")
async def update_menu(request: Request, menu_id: int) -> HTTPResponse:
    body = parse_body(request, MenuPatchIn)
    menu = await meals.update_menu(
        menu_id=menu_id,
        order_deadline=body.order_deadline,
        stocks=[meals.StockIn(dish_id=d.id, stock=d.stock) for d in body.dishes],
        capacities=[meals.CapacityIn(slot_id=s.id, capacity=s.capacity) for s in body.slots],
        withdrawn=body.withdrawn,
        now=now(request),
    )
    return reply(menu)


# --- staff -------------------------------------------------------------------------


@bp.get("/meals/menus")
@doc(summary="某日菜单", tag="meals", query=DayQuery, response=MenuList)
@guard()
async def list_menus(request: Request) -> HTTPResponse:
    query = parse_query(request, DayQuery)
    return reply(await meals.list_menus(day=query.date or _today(request)))


@bp.get("/meals/menus/<menu_id:int>")
@doc(summary="菜单详情", tag="meals", response=MenuOut, errors=["not_found"])
@guard()
async def get_menu(request: Request, menu_id: int) -> HTTPResponse:
    return reply(await meals.menu_view(menu_id=menu_id))


@bp.post("/meals/orders")
@doc(
    summary="下单",
    tag="meals",
    body=OrderIn,
    response=OrderOut,
    status=201,
    extra_responses={202: (OrderOut, "时段已满，已加入候补（waitlist=true）")},
    errors=["slot_full", "sold_out", "limit_reached", "too_late", "not_found", "invalid_state"],
    description="截止时间当刻起不再接受订单。slot_full 的 details.alternatives 列出本菜单仍有空位的时段；"
    "sold_out 的 details.dish_id 指明售罄菜品；已撤回的菜单 409 invalid_state"
    "（details.state=withdrawn）。支持 Idempotency-Key。",
)
@guard()
@idempotent(recover=meals.ordered)
async def create_order(request: Request) -> HTTPResponse:
    body = parse_body(request, OrderIn)
    order = await meals.place_order(
        user_id=principal_of(request).user_id,
        menu_id=body.menu_id,
        slot_id=body.slot_id,
        lines=body.items,
        pickup=body.pickup,
        waitlist=body.waitlist,
        idempotency_key=request.headers.get("idempotency-key"),
        now=now(request),
    )
    return reply(order, status=202 if order.status == "waitlisted" else 201)


@bp.get("/meals/orders")
@doc(summary="我的订单", tag="meals", query=OrdersQuery, response=OrderList)
@guard()
async def list_orders(request: Request) -> HTTPResponse:
    query = parse_query(request, OrdersQuery)
    page = await meals.list_orders(
        user_id=principal_of(request).user_id,
        day=query.date,
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(page)


@bp.get("/meals/orders/<order_id:int>")
@doc(summary="订单详情", tag="meals", response=OrderOut, errors=["not_found"])
@guard()
async def get_order(request: Request, order_id: int) -> HTTPResponse:
    order = await meals.get_order(user_id=principal_of(request).user_id, order_id=order_id)
    return reply(order)


@bp.get("/meals/orders/<order_id:int>/qr.png")
@doc(
    summary="取餐码二维码",
    tag="meals",
    response={"type": "string", "format": "binary"},
    content_type="image/png",
    errors=["not_found"],
    description="仅订单为 confirmed 时可用，否则 404。",
)
@guard()
async def order_qr(request: Request, order_id: int) -> HTTPResponse:
    png = await meals.pickup_qr_png(user_id=principal_of(request).user_id, order_id=order_id)
    return HTTPResponse(
        png, content_type="image/png", headers={"Cache-Control": "private, no-store"}
    )


@bp.post("/meals/orders/<order_id:int>/cancel")
@doc(
    summary="取消订单",
    tag="meals",
    response=OrderOut,
    errors=["not_found", "too_late", "invalid_state"],
    description="截止前可取消；取消已确认订单会让该时段候补队首（其菜品仍有库存时）转为确认。",
)
@guard()
async def cancel_order(request: Request, order_id: int) -> HTTPResponse:
    order = await meals.cancel_order(
        user_id=principal_of(request).user_id, order_id=order_id, now=now(request)
    )
    return reply(order)
