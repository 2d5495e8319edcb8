"""Car-wash endpoints of API.md §8: card types, purchases, the WeChat Pay notification,
cards and redemption codes, the station's redeem, refunds, the wash bay and the report."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from server import clock
from server.auth import guard, principal_of, public
from server.errors import NotFound
from server.http import doc, now, parse_body, parse_query, reply, workbook
from server.idempotency import idempotent
from server.money import Fen
from server.xlsx import CONTENT_TYPE as XLSX
from services import carwash
from services.carwash import bay, card_types, cards, desk, payments, redeem, report, shapes

bp = Blueprint("carwash", url_prefix="/api/v1")

TRADE_NO = re.compile(r"^[A-Za-z0-9_\-*]{6,32}$")


# --- wire models -------------------------------------------------------------------


class CardTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    washes: int = Field(ge=1, le=1000)
    price_fen: Fen = Field(ge=1, le=10_000_000)
    valid_days: int = Field(ge=1, le=3660)
    per_user_limit: int = Field(default=1, ge=1, le=10)
    active: bool = True


class CardTypePatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=64)
    washes: int | None = Field(default=None, ge=1, le=1000)
    price_fen: Fen | None = Field(default=None, ge=1, le=10_000_000)
    valid_days: int | None = Field(default=None, ge=1, le=3660)
    per_user_limit: int | None = Field(default=None, ge=1, le=10)
    active: bool | None = Field(default=None, description="false 停售；已售出的卡不受影响")

    @model_validator(mode="after")
    def _something(self) -> CardTypePatchIn:
        if not self.model_dump(exclude_none=True):
            raise ValueError("没有要修改的内容")
        return self


# The wire shapes are the service's results, documented as they are (server/wire.py).
CardTypeOut = shapes.CardType
CardTypeList = shapes.CardTypeList
CardOut = shapes.CardView
CardDetailOut = shapes.CardDetail
CardList = shapes.CardList
PurchaseOut = shapes.Purchase
PurchaseStatusOut = shapes.PurchaseStatus
CodeOut = shapes.Code
RedeemOut = shapes.Redeemed
WashSlotList = shapes.WashSlotList
WashBookingOut = shapes.WashBooking
WashBookingList = shapes.WashBookingList
DeskDayOut = shapes.DeskDay


class PurchaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_type_id: int = Field(ge=1, le=MAX_ID)


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=128)
    plate: str | None = Field(default=None, max_length=16)


class SlotsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: clock.CalendarDay
    open_from: dt.time
    open_to: dt.time
    slot_minutes: int = Field(ge=10, le=240)
    bays: int = Field(ge=1, le=50)


class DayQuery(BaseModel):
    date: clock.CalendarDay | None = Field(default=None, description="YYYY-MM-DD，默认今天")


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slot_id: int = Field(ge=1, le=MAX_ID)
    card_id: int = Field(ge=1, le=MAX_ID)
    plate: str = Field(min_length=2, max_length=16)


class ReportQuery(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    format: str | None = Field(default=None, pattern=r"^(json|xlsx)$")


ReportOut = shapes.MonthlyReport


class PayNotifyFailOut(BaseModel):
    """WeChat Pay's own answer shape for a notification it should send again."""

    code: str
    message: str


# --- admin -------------------------------------------------------------------------


@bp.post("/admin/carwash/card-types")
@doc(
    summary="创建洗车卡类型",
    tag="carwash",
    body=CardTypeIn,
    response=CardTypeOut,
    status=201,
    errors=["forbidden"],
)
@guard("admin")
@idempotent(recover=cards.card_type_created)
async def create_card_type(request: Request) -> HTTPResponse:
    body = parse_body(request, CardTypeIn)
    return reply(await cards.create_card_type(**body.model_dump()), status=201)


@bp.get("/admin/carwash/card-types")
@doc(summary="全部洗车卡类型（含停售）", tag="carwash", response=CardTypeList, errors=["forbidden"])
@guard("admin")
async def all_card_types(request: Request) -> HTTPResponse:
    return reply(CardTypeList(items=await card_types.all_card_types()))


@bp.patch("/admin/carwash/card-types/<card_type_id:int>")
@doc(
    summary="修改洗车卡类型或停售（active=false）",
    tag="carwash",
    body=CardTypePatchIn,
    response=CardTypeOut,
    errors=["forbidden", "not_found"],
    description="只改所给字段，只影响此后的购买：已售出（含待支付）的卡次数、金额、有效期不变。",
)
@guard("admin")
async def update_card_type(request: Request, card_type_id: int) -> HTTPResponse:
    body = parse_body(request, CardTypePatchIn)
    result = await card_types.update_card_type(
        card_type_id=card_type_id, changes=body.model_dump(exclude_none=True)
    )
    return reply(result)


@bp.post("/admin/carwash/slots")
@doc(
    summary="设置某日洗车时段（容量=工位数）",
    tag="carwash",
    body=SlotsIn,
    response=WashSlotList,
    status=201,
    errors=["forbidden", "conflict"],
    description="open_from/open_to 为服务时区的当天时刻；同一日期只能设置一次（409 conflict）。"
    "首次应答丢失后以同一 Idempotency-Key 重放：返回这一天的时段，booked/available 为重放时的余量。",
)
@guard("admin")
@idempotent(recover=bay.slots_created)
async def create_slots(request: Request) -> HTTPResponse:
    body = parse_body(request, SlotsIn)
    items = await bay.create_slots(
        day=body.date,
        open_from=body.open_from,
        open_to=body.open_to,
        slot_minutes=body.slot_minutes,
        bays=body.bays,
    )
    return reply(WashSlotList(items=items), status=201)


@bp.get("/admin/carwash/report")
@doc(
    summary="洗车月报",
    tag="carwash",
    query=ReportQuery,
    response=ReportOut,
    alternatives={XLSX: {"type": "string", "format": "binary"}},
    errors=["forbidden"],
    description="&format=xlsx 返回同样内容的 Excel 工作簿。",
)
@guard("admin")
async def monthly_report(request: Request) -> HTTPResponse:
    query = parse_query(request, ReportQuery)
    result = await report.monthly(month=clock.parse_month(query.month))
    if query.format == "xlsx":
        return workbook(report.to_xlsx(result.model_dump()), filename=f"carwash-{query.month}.xlsx")
    return reply(result)


# --- staff: cards and purchases ----------------------------------------------------


@bp.get("/carwash/card-types")
@doc(summary="在售洗车卡", tag="carwash", response=CardTypeList)
@guard()
async def list_card_types(request: Request) -> HTTPResponse:
    return reply(CardTypeList(items=await cards.list_card_types()))


@bp.post("/carwash/purchases")
@doc(
    summary="购买洗车卡（微信支付下单）",
    tag="carwash",
    body=PurchaseIn,
    response=PurchaseOut,
    status=201,
    errors=["not_found", "limit_reached"],
    description="返回 wx.requestPayment 的参数；卡片仅在收到经验证的支付通知（或订单查询）后生效。"
    "支持 Idempotency-Key。",
)
@guard()
@idempotent(recover=cards.purchased)
async def purchase(request: Request) -> HTTPResponse:
    body = parse_body(request, PurchaseIn)
    result = await cards.purchase(
        user_id=principal_of(request).user_id, card_type_id=body.card_type_id, now=now(request)
    )
    return reply(result, status=201)


@bp.get("/carwash/purchases/<out_trade_no:str>")
@doc(
    summary="购买状态",
    tag="carwash",
    response=PurchaseStatusOut,
    errors=["not_found"],
    description="待支付超过10秒时向微信支付查询订单，并应用经验证的 SUCCESS。",
)
@guard()
async def get_purchase(request: Request, out_trade_no: str) -> HTTPResponse:
    if not TRADE_NO.match(out_trade_no):
        raise NotFound("订单不存在")
    result = await cards.get_purchase(
        user_id=principal_of(request).user_id, out_trade_no=out_trade_no, now=now(request)
    )
    return reply(result)


@bp.post("/pay/wechat/notify")
@doc(
    summary="微信支付通知（支付与退款）",
    tag="carwash",
    auth=False,
    status=204,
    extra_responses={
        401: (
            PayNotifyFailOut,
            "签名错误或时间戳过期：微信支付自己的应答格式 {code: FAIL, message}",
        )
    },
    description="验签（平台公钥）、5分钟时间戳、AES-256-GCM 解密；金额、appid、mchid 必须与订单一致。"
    "同一通知 id 只处理一次（重放应答 204，不做任何改变）。",
)
@public
async def wechat_pay_notify(request: Request) -> HTTPResponse:
    try:
        await carwash.payments.handle_notification(
            headers=dict(request.headers), body=request.body or b"", now=now(request)
        )
    except carwash.NotificationRejected:
        return reply(
            PayNotifyFailOut(code="FAIL", message="签名验证失败"),
            status=401,
        )
    return HTTPResponse(status=204)


@bp.get("/carwash/cards")
@doc(summary="我的洗车卡", tag="carwash", response=CardList)
@guard()
async def list_cards(request: Request) -> HTTPResponse:
    return reply(
        CardList(items=await cards.list_cards(user_id=principal_of(request).user_id)),
    )


@bp.get("/carwash/cards/<card_id:int>")
@doc(
    summary="洗车卡详情（含最近20次核销）",
    tag="carwash",
    response=CardDetailOut,
    errors=["not_found"],
)
@guard()
async def get_card(request: Request, card_id: int) -> HTTPResponse:
    return reply(
        await cards.get_card(user_id=principal_of(request).user_id, card_id=card_id),
    )


@bp.post("/carwash/cards/<card_id:int>/code")
@doc(
    summary="生成核销码（60秒、一次性）",
    tag="carwash",
    response=CodeOut,
    errors=["not_found", "invalid_state"],
    description="新码生成后旧码立即作废。",
)
@guard()
async def issue_code(request: Request, card_id: int) -> HTTPResponse:
    result = await redeem.issue_code(
        user_id=principal_of(request).user_id, card_id=card_id, now=now(request)
    )
    return reply(result)


@bp.get("/carwash/cards/<card_id:int>/code.png")
@doc(
    summary="核销码二维码",
    tag="carwash",
    response={"type": "string", "format": "binary"},
    content_type="image/png",
    errors=["not_found"],
)
@guard()
async def code_png(request: Request, card_id: int) -> HTTPResponse:
    png = await redeem.code_png(user_id=principal_of(request).user_id, card_id=card_id)
    return HTTPResponse(
        png, content_type="image/png", headers={"Cache-Control": "private, no-store"}
    )


@bp.post("/carwash/cards/<card_id:int>/refund")
@doc(
    summary="退款（未使用次数）",
    tag="carwash",
    response=CardOut,
    status=202,
    errors=["not_found", "invalid_state", "conflict"],
    description=(
        "refund_fen = 价格 × 剩余次数 / 总次数（向下取整）。洗车卡保持 refunding，直到微信支付经验证的"
        "退款通知或退款查询给出结果：SUCCESS/ABNORMAL → refunded，CLOSED → 恢复 active；"
        "微信支付无应答（超时）时仍答复 202 refunding，由对账任务查询或补发同一退款单号，绝不重复退款。"
        "409 conflict：微信支付拒绝该退款，或累计退款将超过实付金额。"
    ),
)
@guard()
async def refund(request: Request, card_id: int) -> HTTPResponse:
    result = await payments.request_refund(
        user_id=principal_of(request).user_id, card_id=card_id, now=now(request)
    )
    return reply(result, status=202)


# --- the station -------------------------------------------------------------------


@bp.post("/carwash/redeem")
@doc(
    summary="核销洗车（扫码）",
    tag="carwash",
    body=RedeemIn,
    response=RedeemOut,
    errors=["forbidden", "not_found", "invalid_state"],
    description="无论多少台终端同时扫同一码，只扣一次。",
)
@guard("carwash")
async def redeem_code(request: Request) -> HTTPResponse:
    body = parse_body(request, RedeemIn)
    result = await redeem.redeem(
        attendant_id=principal_of(request).user_id,
        code=body.code,
        plate=body.plate,
        now=now(request),
    )
    return reply(result)


@bp.get("/carwash/desk/bookings")
@doc(
    summary="洗车点当日：工位预约与核销记录",
    tag="carwash",
    query=DayQuery,
    response=DeskDayOut,
    errors=["forbidden"],
    description="items 为当日各时段的预约（按时段，含全部状态），washes 为当日核销（新的在前）；姓名脱敏。",
)
@guard("carwash")
async def desk_bookings(request: Request) -> HTTPResponse:
    query = parse_query(request, DayQuery)
    day = query.date or clock.today(now(request))
    return reply(await desk.desk_day(day=day))


# --- the bay -----------------------------------------------------------------------


@bp.get("/carwash/slots")
@doc(summary="某日洗车时段", tag="carwash", query=DayQuery, response=WashSlotList)
@guard()
async def list_slots(request: Request) -> HTTPResponse:
    query = parse_query(request, DayQuery)
    day = query.date or clock.today(now(request))
    return reply(WashSlotList(items=await bay.list_slots(day=day)))


@bp.post("/carwash/bookings")
@doc(
    summary="预约洗车工位",
    tag="carwash",
    body=BookingIn,
    response=WashBookingOut,
    status=201,
    errors=["not_found", "invalid_state", "limit_reached", "slot_full", "too_late"],
    description="需要有剩余次数的有效洗车卡；每人每天一个有效预约。支持 Idempotency-Key："
    "首次应答丢失后重放返回同一预约的当前状态（如已取消则为 cancelled），不会再次预约。",
)
@guard()
@idempotent(recover=bay.booked)
async def book(request: Request) -> HTTPResponse:
    body = parse_body(request, BookingIn)
    result = await bay.book(
        user_id=principal_of(request).user_id,
        slot_id=body.slot_id,
        card_id=body.card_id,
        plate=body.plate,
        idempotency_key=request.headers.get("idempotency-key"),
        now=now(request),
    )
    return reply(result, status=201)


@bp.get("/carwash/bookings")
@doc(summary="我的洗车预约", tag="carwash", response=WashBookingList)
@guard()
async def list_bookings(request: Request) -> HTTPResponse:
    return reply(
        WashBookingList(items=await bay.list_bookings(user_id=principal_of(request).user_id)),
    )


@bp.post("/carwash/bookings/<booking_id:int>/cancel")
@doc(
    summary="取消洗车预约",
    tag="carwash",
    response=WashBookingOut,
    errors=["not_found", "invalid_state"],
)
@guard()
async def cancel_booking(request: Request, booking_id: int) -> HTTPResponse:
    result = await bay.cancel(
        user_id=principal_of(request).user_id, booking_id=booking_id, now=now(request)
    )
    return reply(result)
