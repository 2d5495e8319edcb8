"""The wire shapes of the duty station (API.md §14): what the services return and the
handlers document as they are (server/wire.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from server.wire import UploadLink, WireTime

Mode = Literal["appointment", "walk_in", "errand"]


class DutyService(BaseModel):
    id: int
    name: str
    description: str
    documents: list[str] = Field(description="办理需携带或上传的材料")
    minutes: int = Field(description="每人办理大约所需分钟数")
    fee_note: str
    mode: Mode = Field(
        description="appointment 预约窗口；walk_in 现场取号；errand 代办（提交材料，无需到场）"
    )
    active: bool


class DutyServiceList(BaseModel):
    items: list[DutyService]
    next_cursor: str | None = None


class DutySlot(BaseModel):
    id: int
    service_id: int
    start: WireTime
    end: WireTime
    capacity: int = Field(description="办理该业务的窗口数")
    booked: int
    available: int


class DutySlotList(BaseModel):
    items: list[DutySlot]


class ServiceRef(BaseModel):
    id: int
    name: str


class SlotRef(BaseModel):
    id: int
    start: WireTime
    end: WireTime


class Appointment(BaseModel):
    """The Appointment object of API.md §14."""

    id: int
    service: ServiceRef
    slot: SlotRef | None
    kind: Mode = Field(description="appointment 预约；walk_in 现场取号；errand 代办")
    date: str = Field(description="办理日（YYYY-MM-DD）")
    status: str
    ticket_no: str | None = Field(description="A 开头为预约号，B 开头为现场号；代办无号")
    counter: int | None
    position: int | None = Field(description="等候时在今日队列中的位置（从1开始）")
    document_ids: list[int]
    note: str
    info_note: str = Field(description="窗口要求补充的材料（needs_info 时）")
    result_note: str
    fee_fen: int | None
    rated: bool
    created_at: WireTime
    checked_in_at: WireTime | None
    called_at: WireTime | None
    finished_at: WireTime | None


class AppointmentList(BaseModel):
    items: list[Appointment]
    next_cursor: str | None = None


class Document(BaseModel):
    id: int
    url: UploadLink
    content_type: str


class DeskAppointment(Appointment):
    """An appointment as the counter sees it: the person masked, the documents linked."""

    name_masked: str
    department: str
    documents: list[Document]


class Queue(BaseModel):
    items: list[DeskAppointment] = Field(description="等候中的人，按叫号顺序")
    current: list[DeskAppointment] = Field(description="今日已叫号或办理中的人")


class CalledTicket(BaseModel):
    ticket_no: str
    counter: int
    called_at: WireTime


class Display(BaseModel):
    """What the station's TV shows: ticket numbers, never a name."""

    called: list[CalledTicket]
    waiting: int


class ReportRow(BaseModel):
    service: str
    appointments: int
    walk_ins: int
    errands: int
    done: int
    no_shows: int
    avg_wait_minutes: float | None
    avg_serve_minutes: float | None


class Report(BaseModel):
    month: str
    items: list[ReportRow]


class Rating(BaseModel):
    appointment_id: int
    score: int
    comment: str
    created_at: WireTime
