"""The wire shapes of the gym (API.md §10): what the services return and the handlers
document as they are (server/wire.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from server.wire import WireTime


class GymView(BaseModel):
    id: int
    name: str
    address: str
    offer: str
    open_hours: str
    walk_in: bool
    active: bool


class GymList(BaseModel):
    items: list[GymView]
    next_cursor: str | None = Field(default=None, description="场馆只有一页，恒为 null")


class GymRef(BaseModel):
    id: int
    name: str


class SessionView(BaseModel):
    """Session of API.md §10 with its live places."""

    id: int
    gym: GymRef
    name: str
    coach: str
    start: WireTime
    end: WireTime
    capacity: int
    booked: int
    available: int
    waitlist: int


class SessionList(BaseModel):
    items: list[SessionView]
    next_cursor: str | None = None


class Quota(BaseModel):
    month: str
    quota: int
    used: int = Field(description="本月已用（含候补中占用的次数）")
    left: int


class BookingView(BaseModel):
    """GymBooking of API.md §10 (+ month, valid_until, created_at)."""

    id: int
    session: SessionView | None
    gym: GymRef
    kind: str
    status: str
    position: int | None
    checked_in_at: WireTime | None
    valid_until: WireTime | None = Field(description="到店券当日有效至（闭馆时间）")
    month: str = Field(description="计入配额的月份 YYYY-MM")
    created_at: WireTime


class BookingPage(BaseModel):
    items: list[BookingView]
    next_cursor: str | None


class Voucher(BaseModel):
    code: str
    expires_at: WireTime


class Member(BaseModel):
    """All the desk sees of a member: the name masked and the department."""

    name_masked: str
    department: str


class Checkin(BaseModel):
    booking: BookingView
    member: Member


class DeskKey(BaseModel):
    id: int
    gym_id: int
    key: str = Field(description="仅此一次返回，服务器只保存其摘要")


class DeskKeyIssued(DeskKey):
    """A new desk key and how the desk device signs in with it: scanning `qr_png` opens
    `signin_url`, the H5 desk page, which keeps the key on the device."""

    signin_url: str = Field(
        description="前台登录链接 …/app/#/gym/desk?key=…（密钥在 # 之后，不会发送给服务器或写入访问日志）"
    )
    qr_png: str = Field(description="signin_url 的二维码，data:image/png;base64,…；同样仅此一次")


class DeskKeyInfo(BaseModel):
    """A desk key as the admin's list shows it: never the key itself."""

    id: int
    gym_id: int
    created_at: WireTime
    revoked_at: WireTime | None
    last_used_at: WireTime | None = Field(description="最近一次前台核销的时间")


class DeskKeyList(BaseModel):
    items: list[DeskKeyInfo]
    next_cursor: str | None = Field(default=None, description="一页返回，恒为 null")


class DeskKeyRevoked(BaseModel):
    id: int
    gym_id: int
    revoked_at: WireTime | None


class SettlementRow(BaseModel):
    gym: GymRef
    check_ins: int
    walk_ins: int
    classes: int
    late_cancels: int
    no_shows: int
    billable: int = Field(description="结算人次 = 签到 + 迟取消 + 爽约")


class Settlement(BaseModel):
    """What the centre pays the partner gyms for one month, per gym."""

    month: str
    items: list[SettlementRow]
