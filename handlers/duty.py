"""Duty-station endpoints of API.md §14: the catalogue and slots, a person's appointments,
the counters, the station's TV and the monthly report."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from server import clock
from server.auth import guard, principal_of, public
from server.clock import parse_month, today
from server.errors import InvalidInput
from server.http import doc, now, parse_body, parse_query, reply, workbook
from server.idempotency import idempotent
from server.money import Fen
from server.xlsx import CONTENT_TYPE as XLSX
from services import duty
from services.duty import shapes

bp = Blueprint("duty", url_prefix="/api/v1")

ServiceOut = shapes.DutyService
ServiceList = shapes.DutyServiceList
SlotList = shapes.DutySlotList
AppointmentOut = shapes.Appointment
AppointmentList = shapes.AppointmentList
DeskAppointmentOut = shapes.DeskAppointment
QueueOut = shapes.Queue
DisplayOut = shapes.Display
ReportOut = shapes.Report
RatingOut = shapes.Rating

Mode = Literal["appointment", "walk_in", "errand"]


# --- wire models -------------------------------------------------------------------


class ServiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=512)
    documents: list[str] = Field(default_factory=list, max_length=20)
    minutes: int = Field(default=15, ge=1, le=480)
    fee_note: str = Field(default="", max_length=128)
    mode: Mode
    active: bool = True


class ServicePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=512)
    documents: list[str] | None = Field(default=None, max_length=20)
    minutes: int | None = Field(default=None, ge=1, le=480)
    fee_note: str | None = Field(default=None, max_length=128)
    mode: Mode | None = None
    active: bool | None = None


class SlotsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: clock.CalendarDay
    open_from: dt.time
    open_to: dt.time
    slot_minutes: int = Field(ge=5, le=240)
    counters: dict[int, int] = Field(
        description="业务 id → 办理该业务的窗口数（1–9）", min_length=1, max_length=50
    )


class DayQuery(BaseModel):
    date: clock.CalendarDay | None = Field(default=None, description="YYYY-MM-DD，默认今天")


class AppointmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service_id: int = Field(ge=1, le=MAX_ID)
    slot_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    document_ids: list[int] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=256)


class WalkInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: int = Field(ge=1, le=MAX_ID)


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_ids: list[int] = Field(min_length=1, max_length=10)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int = Field(ge=1, le=5, strict=True)
    comment: str = Field(default="", max_length=500)


class CounterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counter: int = Field(ge=1, le=9, strict=True, description="窗口号 1–9")


class DoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    result_note: str = Field(min_length=1, max_length=512)
    fee_fen: Fen | None = Field(default=None, ge=0, le=100_000_000)


class NeedsInfoIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=256)


class ReportQuery(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    format: Literal["json", "xlsx"] | None = None


# --- admin -------------------------------------------------------------------------


@bp.post("/admin/duty/services")
@doc(
    summary="新增勤务站业务",
    tag="duty",
    body=ServiceIn,
    response=ServiceOut,
    status=201,
    errors=["forbidden", "conflict"],
)
@guard("admin")
@idempotent(recover=duty.catalog.service_created)
async def create_service(request: Request) -> HTTPResponse:
    body = parse_body(request, ServiceIn)
    return reply(await duty.catalog.create_service(**body.model_dump()), status=201)


@bp.get("/admin/duty/services")
@doc(summary="全部勤务站业务（含已停办）", tag="duty", response=ServiceList, errors=["forbidden"])
@guard("admin")
async def list_all_services(request: Request) -> HTTPResponse:
    items = await duty.catalog.list_services(include_inactive=True)
    return reply(ServiceList(items=items))


@bp.patch("/admin/duty/services/<service_id:int>")
@doc(
    summary="修改勤务站业务（active=false 停办）",
    tag="duty",
    body=ServicePatch,
    response=ServiceOut,
    errors=["forbidden", "not_found", "conflict"],
    description="停办的业务不再接受新的预约、代办与取号；已有的照常办理。",
)
@guard("admin")
async def update_service(request: Request, service_id: int) -> HTTPResponse:
    body = parse_body(request, ServicePatch)
    changes = body.model_dump(exclude_unset=True)
    if nulls := {name: "不能为空" for name, value in changes.items() if value is None}:
        raise InvalidInput(nulls)  # every field of a service has a value: null is no edit
    result = await duty.catalog.update_service(service_id=service_id, changes=changes)
    return reply(result)


@bp.post("/admin/duty/slots")
@doc(
    summary="设置某日开放时间与各预约业务的窗口时段",
    tag="duty",
    body=SlotsIn,
    response=SlotList,
    status=201,
    errors=["forbidden", "conflict"],
    description="counters: 业务 id → 窗口数（时段容量）。同一业务同一天只能设置一次（409 conflict）；"
    "同一天再次设置须使用相同的开放时间。首次应答丢失后以同一 Idempotency-Key 重放：返回同样的时段，"
    "booked/available 为重放时的余量。",
)
@guard("admin")
@idempotent(recover=duty.catalog.slots_created)
async def create_slots(request: Request) -> HTTPResponse:
    body = parse_body(request, SlotsIn)
    items = await duty.catalog.create_slots(
        day=body.date,
        open_from=body.open_from,
        open_to=body.open_to,
        slot_minutes=body.slot_minutes,
        counters=body.counters,
    )
    return reply(SlotList(items=items), status=201)


@bp.get("/admin/duty/report")
@doc(
    summary="勤务站月报",
    tag="duty",
    query=ReportQuery,
    response=ReportOut,
    alternatives={XLSX: {"type": "string", "format": "binary"}},
    errors=["forbidden"],
    description="&format=xlsx 返回同样内容的 Excel 工作簿。管理员与勤务站窗口人员可看。",
)
@guard("duty_station")
async def monthly_report(request: Request) -> HTTPResponse:
    query = parse_query(request, ReportQuery)
    result = await duty.report.monthly(month=parse_month(query.month))
    if query.format == "xlsx":
        return workbook(duty.report.to_xlsx(result), filename=f"duty-{query.month}.xlsx")
    return reply(result)


# --- staff ------------------------------------------------------------------------


@bp.get("/duty/services")
@doc(summary="勤务站业务", tag="duty", response=ServiceList)
@guard()
async def list_services(request: Request) -> HTTPResponse:
    return reply(ServiceList(items=await duty.catalog.list_services()))


@bp.get("/duty/services/<service_id:int>/slots")
@doc(
    summary="某业务某日的窗口时段",
    tag="duty",
    query=DayQuery,
    response=SlotList,
    errors=["not_found"],
)
@guard()
async def list_slots(request: Request, service_id: int) -> HTTPResponse:
    query = parse_query(request, DayQuery)
    day = query.date or today(now(request))
    items = await duty.catalog.list_slots(service_id=service_id, day=day)
    return reply(SlotList(items=items))


@bp.post("/duty/appointments")
@doc(
    summary="预约窗口时段，或提交代办",
    tag="duty",
    body=AppointmentIn,
    response=AppointmentOut,
    status=201,
    errors=["not_found", "slot_full", "limit_reached", "too_late"],
    description="预约类业务须带 slot_id（→ booked）；代办类业务不带时段，须带材料（→ waiting，无号）；"
    "现场取号类业务请用 POST /duty/walk-ins。每人每项业务同时只能有一个进行中的（409 limit_reached）。"
    "支持 Idempotency-Key：首次应答丢失后重放返回同一预约的当前状态与排队位置，不会再次预约。",
)
@guard()
@idempotent(recover=duty.appointments.made)
async def book(request: Request) -> HTTPResponse:
    body = parse_body(request, AppointmentIn)
    result = await duty.appointments.book(
        user_id=principal_of(request).user_id,
        service_id=body.service_id,
        slot_id=body.slot_id,
        document_ids=body.document_ids,
        note=body.note,
        idempotency_key=request.headers.get("idempotency-key"),
        now=now(request),
    )
    return reply(result, status=201)


@bp.post("/duty/walk-ins")
@doc(
    summary="现场取号（B 号）",
    tag="duty",
    body=WalkInIn,
    response=AppointmentOut,
    status=201,
    errors=["not_found", "limit_reached", "invalid_state"],
    description="勤务站开放时间内可取号（409 invalid_state，details.state=closed）。"
    "支持 Idempotency-Key：首次应答丢失后重放返回同一号码的当前状态与排队位置，不会再次取号。",
)
@guard()
@idempotent(recover=duty.appointments.made)
async def walk_in(request: Request) -> HTTPResponse:
    body = parse_body(request, WalkInIn)
    result = await duty.appointments.walk_in(
        user_id=principal_of(request).user_id, service_id=body.service_id, now=now(request)
    )
    return reply(result, status=201)


@bp.get("/duty/appointments")
@doc(summary="我的勤务站预约与排号", tag="duty", response=AppointmentList)
@guard()
async def my_appointments(request: Request) -> HTTPResponse:
    items = await duty.appointments.mine(user_id=principal_of(request).user_id, now=now(request))
    return reply(AppointmentList(items=items))


@bp.get("/duty/appointments/<appointment_id:int>")
@doc(summary="预约详情（含排队位置）", tag="duty", response=AppointmentOut, errors=["not_found"])
@guard()
async def get_appointment(request: Request, appointment_id: int) -> HTTPResponse:
    result = await duty.appointments.one(
        user_id=principal_of(request).user_id, appointment_id=appointment_id, now=now(request)
    )
    return reply(result)


@bp.post("/duty/appointments/<appointment_id:int>/checkin")
@doc(
    summary="到场签到取号（A 号）",
    tag="duty",
    response=AppointmentOut,
    errors=["not_found", "invalid_state", "too_early", "too_late"],
    description="预约时段开始前30分钟起、开始后15分钟内可签到。",
)
@guard()
async def check_in(request: Request, appointment_id: int) -> HTTPResponse:
    result = await duty.appointments.check_in(
        user_id=principal_of(request).user_id, appointment_id=appointment_id, now=now(request)
    )
    return reply(result)


@bp.post("/duty/appointments/<appointment_id:int>/cancel")
@doc(
    summary="取消（叫号前）",
    tag="duty",
    response=AppointmentOut,
    errors=["not_found", "invalid_state"],
)
@guard()
async def cancel(request: Request, appointment_id: int) -> HTTPResponse:
    result = await duty.appointments.cancel(
        user_id=principal_of(request).user_id, appointment_id=appointment_id, now=now(request)
    )
    return reply(result)


@bp.post("/duty/appointments/<appointment_id:int>/documents")
@doc(
    summary="补充材料（待补件 → 回到队首）",
    tag="duty",
    body=DocumentsIn,
    response=AppointmentOut,
    errors=["not_found", "invalid_state"],
)
@guard()
async def send_documents(request: Request, appointment_id: int) -> HTTPResponse:
    body = parse_body(request, DocumentsIn)
    result = await duty.appointments.send_documents(
        user_id=principal_of(request).user_id,
        appointment_id=appointment_id,
        document_ids=body.document_ids,
        now=now(request),
    )
    return reply(result)


@bp.post("/duty/appointments/<appointment_id:int>/rating")
@doc(
    summary="评价已办结的业务（一次）",
    tag="duty",
    body=RatingIn,
    response=RatingOut,
    status=201,
    errors=["not_found", "invalid_state", "conflict"],
    description="计入服务考核满意度（勤务站 duty_station）。",
)
@guard()
async def rate(request: Request, appointment_id: int) -> HTTPResponse:
    body = parse_body(request, RatingIn)
    result = await duty.appointments.rate(
        user_id=principal_of(request).user_id,
        appointment_id=appointment_id,
        score=body.score,
        comment=body.comment,
        now=now(request),
    )
    return reply(result, status=201)


# --- the counters ---------------------------------------------------------------------


@bp.get("/duty/desk/queue")
@doc(summary="今日队列（按叫号顺序）", tag="duty", response=QueueOut, errors=["forbidden"])
@guard("duty_station")
async def desk_queue(request: Request) -> HTTPResponse:
    return reply(await duty.desk.today_queue(now=now(request)))


@bp.post("/duty/desk/next")
@doc(
    summary="叫号：队列中的下一位到本窗口",
    tag="duty",
    body=CounterIn,
    response=DeskAppointmentOut,
    errors=["forbidden", "not_found"],
    description="多个窗口同时叫号也不会叫到同一人；队列为空时 404 not_found。",
)
@guard("duty_station")
async def call_next(request: Request) -> HTTPResponse:
    body = parse_body(request, CounterIn)
    result = await duty.desk.call_next(
        clerk_id=principal_of(request).user_id, counter=body.counter, now=now(request)
    )
    return reply(result)


@bp.post("/duty/desk/appointments/<appointment_id:int>/start")
@doc(
    summary="开始办理",
    tag="duty",
    response=DeskAppointmentOut,
    errors=["forbidden", "not_found", "invalid_state"],
)
@guard("duty_station")
async def start(request: Request, appointment_id: int) -> HTTPResponse:
    result = await duty.desk.start(appointment_id=appointment_id, now=now(request))
    return reply(result)


@bp.post("/duty/desk/appointments/<appointment_id:int>/done")
@doc(
    summary="办结",
    tag="duty",
    body=DoneIn,
    response=DeskAppointmentOut,
    errors=["forbidden", "not_found", "invalid_state"],
)
@guard("duty_station")
async def done(request: Request, appointment_id: int) -> HTTPResponse:
    body = parse_body(request, DoneIn)
    result = await duty.desk.done(
        appointment_id=appointment_id,
        result_note=body.result_note,
        fee_fen=body.fee_fen,
        now=now(request),
    )
    return reply(result)


@bp.post("/duty/desk/appointments/<appointment_id:int>/needs-info")
@doc(
    summary="补件：退回本人补充材料",
    tag="duty",
    body=NeedsInfoIn,
    response=DeskAppointmentOut,
    errors=["forbidden", "not_found", "invalid_state"],
)
@guard("duty_station")
async def needs_info(request: Request, appointment_id: int) -> HTTPResponse:
    body = parse_body(request, NeedsInfoIn)
    result = await duty.desk.needs_info(
        appointment_id=appointment_id, note=body.note, now=now(request)
    )
    return reply(result)


@bp.post("/duty/desk/appointments/<appointment_id:int>/no-show")
@doc(
    summary="过号（叫号10分钟未到）",
    tag="duty",
    response=DeskAppointmentOut,
    errors=["forbidden", "not_found", "invalid_state", "too_early"],
)
@guard("duty_station")
async def no_show(request: Request, appointment_id: int) -> HTTPResponse:
    result = await duty.desk.no_show(appointment_id=appointment_id, now=now(request))
    return reply(result)


# --- the station's TV ------------------------------------------------------------------


@bp.get("/duty/display")
@doc(
    summary="勤务站叫号屏",
    tag="duty",
    response=DisplayOut,
    auth=False,
    description="无需登录；只有号码与窗口，不含任何个人信息。",
)
@public
async def station_display(request: Request) -> HTTPResponse:
    return reply(await duty.display.display(now=now(request)))
