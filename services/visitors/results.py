"""What the visitors services answer: typed results, the handlers serialize them.

Times are already in wire form (`server.clock.wire`), and personal data is shaped here
once: the host sees the phone number they entered, the gate and its log only a masked
one (`mask_phone`). No URLs: the pass's QR addresses are the handler's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from models.identity import Staff, User
from models.visitors import GateEntry, Pass
from server.clock import wire
from services.visitors.rules import effective_status
from services.visitors.tokens import unseal_token


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str | None


@dataclass(frozen=True)
class PassInfo:
    """A pass as its host sees it (they entered the phone number, so unmasked)."""

    id: int
    visitor_name: str
    visitor_phone: str
    plate: str | None
    purpose: str
    valid_from: str
    valid_to: str
    max_entries: int
    entries_used: int
    entries_left: int
    status: str
    token: str | None  # only while the pass can still admit someone
    host: PersonRef
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True)
class PassPage:
    items: list[PassInfo]
    next_cursor: str | None


@dataclass(frozen=True)
class AdmittedPass:
    """The pass a guard just let someone in on: the phone masked."""

    id: int
    visitor_name: str
    visitor_phone_masked: str
    plate: str | None
    host_name: str | None
    purpose: str
    valid_to: str
    entries_left: int


@dataclass(frozen=True)
class GatePass:
    """A pass found at the gate by name or phone: what the guard checks, phone masked."""

    id: int
    visitor_name: str
    visitor_phone_masked: str
    plate: str | None
    host_name: str | None
    purpose: str
    valid_from: str
    valid_to: str
    entries_left: int


@dataclass(frozen=True)
class GatePassPage:
    items: list[GatePass]
    next_cursor: str | None


@dataclass(frozen=True)
class EntryRecord:
    id: int
    gate: str
    at: str


@dataclass(frozen=True)
class Verdict:
    """The gate's answer: `reason` when refused, `admitted` and `entry` when valid."""

    valid: bool
    reason: str | None = None
    admitted: AdmittedPass | None = None
    entry: EntryRecord | None = None


@dataclass(frozen=True)
class LogLine:
    """One line of the gate log: the visitor's phone masked, the host and the guard named."""

    id: int
    at: str
    gate: str
    pass_id: int
    visitor_name: str
    visitor_phone_masked: str
    plate: str | None
    host_name: str | None
    guard: PersonRef
    manual: bool
    reason: str | None  # why a guard admitted by hand; None for a scan


@dataclass(frozen=True)
class GateTotal:
    gate: str
    count: int


@dataclass(frozen=True)
class DayLog:
    """One local day of entries; `total` and `per_gate` cover the whole day."""

    date: str
    items: list[LogLine]
    next_cursor: str | None
    total: int
    per_gate: list[GateTotal]


def _wire(moment: datetime) -> str:
    """A time that is always set (`wire` also passes None through)."""
    return cast(str, wire(moment))


def mask_phone(phone: str) -> str:
    """138****5678: the guard needs to match the visitor, not to keep the number."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else ""


def person(user: User) -> PersonRef:
    staff: Staff | None = user.staff
    return PersonRef(id=user.id, name=staff.name if staff is not None else None)


def pass_info(visitor_pass: Pass, *, now: datetime) -> PassInfo:
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
        valid_from=_wire(visitor_pass.valid_from),
        valid_to=_wire(visitor_pass.valid_to),
        max_entries=visitor_pass.max_entries,
        entries_used=visitor_pass.entries_used,
        entries_left=max(0, visitor_pass.max_entries - visitor_pass.entries_used),
        status=status,
        token=token,
        host=person(visitor_pass.host),
        created_at=_wire(visitor_pass.created_at),
        revoked_at=wire(visitor_pass.revoked_at),
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
        valid_to=_wire(visitor_pass.valid_to),
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
        valid_from=_wire(visitor_pass.valid_from),
        valid_to=_wire(visitor_pass.valid_to),
        entries_left=max(0, visitor_pass.max_entries - visitor_pass.entries_used),
    )


def entry_record(entry: GateEntry) -> EntryRecord:
    return EntryRecord(id=entry.id, gate=entry.gate, at=_wire(entry.at))


def log_line(entry: GateEntry) -> LogLine:
    """Loaded with `visitor_pass__host__staff` and `guard__staff`."""
    visitor_pass: Pass = entry.visitor_pass
    return LogLine(
        id=entry.id,
        at=_wire(entry.at),
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
