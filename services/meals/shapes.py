"""The wire shapes of meals and the canteen console (API.md §3): what the services
return and the handlers document as they are (server/wire.py)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from models import MAX_ID
from server.clock import CalendarTime
from server.money import Fen
from server.wire import WireTime


class DishIn(BaseModel):
    """A dish of a new menu (the body's `dishes` items)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # blank name: 400

    name: str = Field(min_length=1, max_length=64)
    price_fen: Fen = Field(ge=0, le=1_000_000)
    stock: int = Field(ge=0, le=100_000)


class SlotIn(BaseModel):
    """A pickup window of a new menu (naive times are the service zone's)."""

    model_config = ConfigDict(extra="forbid")

    start: CalendarTime
    end: CalendarTime
    capacity: int = Field(ge=0, le=100_000)


class LineIn(BaseModel):
    """One line of an order: a dish of the menu and how many."""

    model_config = ConfigDict(extra="forbid")

    dish_id: int = Field(ge=1, le=MAX_ID)
    qty: int = Field(ge=1, le=5)


class Dish(BaseModel):
    id: int
    name: str
    price_fen: int
    stock: int
    remaining: int


class Slot(BaseModel):
    id: int
    start: WireTime
    end: WireTime
    capacity: int
    booked: int
    available: int
    waitlist: int


class Menu(BaseModel):
    """The Menu object of API.md §3; live figures from the booking engine."""

    id: int
    date: dt.date
    meal: str
    canteen: str
    order_deadline: WireTime
    per_user_limit: int
    dishes: list[Dish]
    slots: list[Slot]
    withdrawn: bool = Field(description="已撤下：不再接受新订单，已有订单照常")


class MenuList(BaseModel):
    items: list[Menu]
    next_cursor: str | None = Field(default=None, description="菜单列表只有一页，恒为 null")


class SlotRef(BaseModel):
    id: int
    start: WireTime
    end: WireTime


class Item(BaseModel):
    """An ordered line, its dish's name and price frozen at order time."""

    dish_id: int
    name: str
    qty: int
    price_fen: int


class Order(BaseModel):
    """The Order object of API.md §3 (pickup_code only while confirmed)."""

    id: int
    menu_id: int
    date: dt.date
    meal: str
    canteen: str
    slot: SlotRef
    items: list[Item]
    total_fen: int
    pickup: str
    status: str
    position: int | None
    pickup_code: str | None
    created_at: WireTime
    served_at: WireTime | None


class OrderPage(BaseModel):
    items: list[Order]
    next_cursor: str | None


class TillOrder(BaseModel):
    """An order as the till lists it: the eater's name masked."""

    id: int
    slot: SlotRef
    name_masked: str
    department: str
    items: list[Item]
    pickup: str
    status: str
    served_at: WireTime | None


class TillPage(BaseModel):
    items: list[TillOrder]
    next_cursor: str | None


class DishCount(BaseModel):
    dish_id: int
    name: str
    ordered: int
    stock: int


class SlotCount(BaseModel):
    slot_id: int
    start: WireTime
    end: WireTime
    capacity: int
    booked: int
    served: int


class Summary(BaseModel):
    """The kitchen's prep counts and the day's figures of one menu."""

    menu_id: int
    date: dt.date
    meal: str
    confirmed: int
    served: int
    waitlisted: int
    ordered: int
    no_show: int
    cancelled: int
    dishes: list[DishCount]
    slots: list[SlotCount]
