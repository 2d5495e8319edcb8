"""The wire shapes of the car wash (API.md §8): what the services return and the
handlers document as they are (server/wire.py)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from server.wire import WireTime


class CardType(BaseModel):
    id: int
    name: str
    washes: int
    price_fen: int
    valid_days: int
    per_user_limit: int
    active: bool


class CardTypeList(BaseModel):
    items: list[CardType]
    next_cursor: str | None = None


class TypeRef(BaseModel):
    id: int
    name: str


class CardView(BaseModel):
    """The Card object of API.md §8."""

    id: int
    type: TypeRef
    washes_total: int
    washes_left: int
    status: str
    purchased_at: WireTime | None
    expires_at: WireTime | None
    refund_fen: int | None


class WashView(BaseModel):
    id: int
    washed_at: WireTime
    plate: str | None
    washes_left: int


class CardDetail(CardView):
    redemptions: list[WashView] = Field(description="最近20次核销")


class CardList(BaseModel):
    items: list[CardView]
    next_cursor: str | None = None


class PayParams(BaseModel):
    """The arguments of wx.requestPayment."""

    timeStamp: str  # noqa: N815 - the names of wx.requestPayment
    nonceStr: str  # noqa: N815
    package: str
    signType: str  # noqa: N815
    paySign: str  # noqa: N815


class Purchase(BaseModel):
    card: CardView
    out_trade_no: str
    amount_fen: int
    pay_params: PayParams


class PurchaseStatus(BaseModel):
    status: str = Field(description="pending | paid | closed")
    card: CardView


class Code(BaseModel):
    code: str
    expires_at: WireTime


class Redeemed(BaseModel):
    card: CardView
    washed_at: WireTime


class WashSlot(BaseModel):
    id: int
    start: WireTime
    end: WireTime
    capacity: int
    booked: int
    available: int


class WashSlotList(BaseModel):
    items: list[WashSlot]
    next_cursor: str | None = None


class SlotRef(BaseModel):
    id: int
    start: WireTime
    end: WireTime


class WashBooking(BaseModel):
    id: int
    slot: SlotRef
    card_id: int
    status: str
    plate: str


class WashBookingList(BaseModel):
    items: list[WashBooking]
    next_cursor: str | None = None


class DayWashes(BaseModel):
    date: dt.date
    washes: int


class MonthlyReport(BaseModel):
    """The admin's month: cards sold and revenue, refunds, washes by local day."""

    month: str
    cards_sold: int
    revenue_fen: int
    refunded_fen: int
    washes: int
    by_day: list[DayWashes]


class DeskBooking(BaseModel):
    """A bay booking as the station sees it: the plate, the name masked."""

    id: int
    slot: SlotRef
    plate: str
    name_masked: str
    status: str = Field(description="confirmed | cancelled | washed | no_show")


class DeskWash(BaseModel):
    """One wash taken at the station (a redemption), the name masked."""

    id: int
    washed_at: WireTime
    plate: str | None
    name_masked: str
    card_type: str
    washes_left: int
    booking_id: int | None = Field(description="同时完成的预约；无预约的到店洗车为 null")


class DeskDay(BaseModel):
    """The station's day: its bay bookings by slot and its washes, newest first."""

    date: str
    items: list[DeskBooking]
    washes: list[DeskWash]
    next_cursor: str | None = Field(default=None, description="一天一页，恒为 null")
