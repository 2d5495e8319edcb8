"""What the visitors services answer: typed results (pydantic shapes), documented by the
handlers as they are (server/wire.py).

Personal data is shaped here once: the host sees the phone number they entered, the
gate and its log only a masked one (`mask_phone`). No URLs: the pass's QR addresses are
its id, written as the paths of its image routes (server.wire.PassQrPngLink).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from models.identity import Staff, User
from models.visitors import GateEntry, Pass
from server.wire import PassQrPngLink, PassQrSvgLink, WireTime
from services.visitors.rules import PassStatus, Refusal, effective_status
from services.visitors.tokens import unseal_token


def _absent(value: object) -> bool:
    return value is None


class PersonRef(BaseModel):
    id: int
    name: str | None


class PassInfo(BaseModel):
    """The `Pass` of API.md §6, as its host sees it (they entered the phone number)."""

    id: int
    visitor_name: str
    visitor_phone: str
    plate: str | None
    purpose: str
    valid_from: WireTime
    valid_to: WireTime
    max_entries: int
    entries_used: int
    entries_left: int
    status: PassStatus
    token: str | None = Field(description="仅在 active 时返回")
    qr_png_url: PassQrPngLink
    qr_svg_url: PassQrSvgLink
    host: PersonRef
    created_at: WireTime
    revoked_at: WireTime | None


class PassPage(BaseModel):
    items: list[PassInfo]
    next_cursor: str | None


class AdmittedPass(BaseModel):
    """The pass a guard just let someone in on: the phone masked."""

    id: int
    visitor_name: str
    visitor_phone_masked: str
    plate: str | None
    host_name: str | None
    purpose: str
    valid_to: WireTime
    entries_left: int


class GatePass(BaseModel):
    """A pass found at the gate by name or phone: what the guard checks, phone masked."""

    id: int
    visitor_name: str
    visitor_phone_masked: str
    plate: str | None
    host_name: str | None
    purpose: str
    valid_from: WireTime
    valid_to: WireTime
    entries_left: int


class GatePassPage(BaseModel):
    items: list[GatePass]
    next_cursor: str | None


class EntryRecord(BaseModel):
    id: int
    gate: str
    at: WireTime


class Verdict(BaseModel):
    """The gate's answer (API.md §6): `reason` only on a refusal, `pass` and `entry`
    only with an entry; the absent ones are left out of the JSON, not null."""

    model_config = ConfigDict(populate_by_name=True)

    valid: bool
    reason: Refusal | None = Field(
        default=None, exclude_if=_absent, description="仅 valid=false 时出现"
    )
    admitted: AdmittedPass | None = Field(
        default=None, alias="pass", exclude_if=_absent, description="仅 valid=true 时出现"
    )
    entry: EntryRecord | None = Field(
        default=None, exclude_if=_absent, description="仅 valid=true：记录的入场"
    )


class LogLine(BaseModel):
    """One line of the gate log: the visitor's phone masked, the host and the guard named."""

    id: int
    at: WireTime
    gate: str
    pass_id: int
    visitor_name: str
    visitor_phone_masked: str
    plate: str | None
    host_name: str | None
    guard: PersonRef
    manual: bool
    reason: str | None  # why a guard admitted by hand; None for a scan


class GateTotal(BaseModel):
    gate: str
    count: int


class DayLog(BaseModel):
    """One local day of entries; `total` and `per_gate` cover the whole day."""

    date: dt.date
    items: list[LogLine]
    next_cursor: str | None
    total: int = Field(description="当日全部门岗的入场总数")
    per_gate: list[GateTotal] = Field(
        description="当日每个门岗的入场数（不受分页和 gate 筛选影响）"
    )


def mask_phone(phone: str) -> str:
    """138****5678: the guard needs to match the visitor, not to keep the number."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else ""


def person(user: User) -> PersonRef:
    staff: Staff | None = user.staff
    return PersonRef(id=user.id, name=staff.name if staff is not None else None)


def pass_info(visitor_pass: Pass, *, now: dt.datetime) -> PassInfo:
    """The `Pass` of API.md §6 for its host (loaded with `host__staff`)."""
    status = effective_status(visitor_pass, now=now)
    token = None
    if status == "active":
        token = unseal_token(visitor_pass.token_sealed, digest=visitor_pass.token_hash)
    return PassInfo(
        id=visitor_pass.id,
        visitor_name=visitor_pass.visitor_name,
        visitor_phone=visitor_pass.visitor_phone,
        plate=visitor_pass.plate,
        purpose=visitor_pass.purpose,
        valid_from=visitor_pass.valid_from,
        valid_to=visitor_pass.valid_to,
        max_entries=visitor_pass.max_entries,
        entries_used=visitor_pass.entries_used,
        entries_left=max(0, visitor_pass.max_entries - visitor_pass.entries_used),
        status=status,
        token=token,
        qr_png_url=visitor_pass.id,
        qr_svg_url=visitor_pass.id,
        host=person(visitor_pass.host),
        created_at=visitor_pass.created_at,
        revoked_at=visitor_pass.revoked_at,
    )


def admitted_pass(visitor_pass: Pass) -> AdmittedPass:
    """The pass as the gate shows it after an entry (loaded with `host__staff`)."""
    return AdmittedPass(
        id=visitor_pass.id,
        visitor_name=visitor_pass.visitor_name,
        visitor_phone_masked=mask_phone(visitor_pass.visitor_phone),
        plate=visitor_pass.plate,
        host_name=person(visitor_pass.host).name,
        purpose=visitor_pass.purpose,
        valid_to=visitor_pass.valid_to,
        entries_left=max(0, visitor_pass.max_entries - visitor_pass.entries_used),
    )


def gate_pass(visitor_pass: Pass) -> GatePass:
    """A pass as the gate's search lists it (loaded with `host__staff`)."""
    return GatePass(
        id=visitor_pass.id,
        visitor_name=visitor_pass.visitor_name,
        visitor_phone_masked=mask_phone(visitor_pass.visitor_phone),
        plate=visitor_pass.plate,
        host_name=person(visitor_pass.host).name,
        purpose=visitor_pass.purpose,
        valid_from=visitor_pass.valid_from,
        valid_to=visitor_pass.valid_to,
        entries_left=max(0, visitor_pass.max_entries - visitor_pass.entries_used),
    )


def entry_record(entry: GateEntry) -> EntryRecord:
    return EntryRecord(id=entry.id, gate=entry.gate, at=entry.at)


def log_line(entry: GateEntry) -> LogLine:
    """Loaded with `visitor_pass__host__staff` and `guard__staff`."""
    visitor_pass: Pass = entry.visitor_pass
    return LogLine(
        id=entry.id,
        at=entry.at,
        gate=entry.gate,
        pass_id=visitor_pass.id,
        visitor_name=visitor_pass.visitor_name,
        visitor_phone_masked=mask_phone(visitor_pass.visitor_phone),
        plate=visitor_pass.plate,
        host_name=person(visitor_pass.host).name,
        guard=person(entry.guard),
        manual=entry.manual,
        reason=entry.reason if entry.manual else None,
    )
