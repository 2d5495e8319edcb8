"""Visitor passes (访客接待) and the gate (API.md §6).

A host invites a visitor for a window of at most 7 days; the visitor shows a QR code
carrying a random token; a guard scans it and the pass admits at most `max_entries`
people. Decisions that shape this module:

- The token is 192 random bits (`secrets.token_urlsafe(24)`), never derived from ids.
  The gate finds a pass by the token's SHA-256 only. The host must be able to show
  the QR again, so the token is also kept sealed (server.sealing, a key derived from
  SECRET_KEY): a database dump alone yields no usable pass. The token (and its
  QR) is handed out only while the pass can still admit someone; the seal is erased
  when the pass is anonymised.
- An entry is taken by one conditional UPDATE (`entries_used < max_entries AND
  status = 'active'` inside the window) in the same transaction as the entry row.
  The database decides, so two guards scanning a single-entry pass at once get
  exactly one `valid: true`, on SQLite and PostgreSQL alike, with no Redis state to
  drift. The rate (about 1.6 million entries a year) is far below what one indexed
  row update per scan can carry.
- Anything that is not a token we issued (any length, any characters) is `unknown`:
  shape-checked first so garbage never costs a database query, and never an error.
- Entry rows hold no personal data; anonymising a pass (VISITOR_RETENTION_DAYS after
  its window ends) anonymises the log too and keeps every entry count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from tortoise.expressions import F
from tortoise.functions import Count

from models import could_exist
from models.identity import Staff, User
from models.visitors import PASS_STATUSES, GateEntry, Pass
from server import resources
from server.clock import day_bounds, local, today, wire
from server.errors import InvalidInput, InvalidState, NotFound
from server.logs import get_logger
from server.pagination import listing, page
from server.tx import Tx, transaction
from services import notifications
from services.visitors_support import (
    clean_gate,
    mask_phone,
    new_token,
    render_qr,
    seal_token,
    token_hash,
    token_shaped,
    unseal_token,
    validate_pass,
)

log = get_logger("visitors")

ANONYMISED_NAME = "（已匿名）"
REFUSALS = ("unknown", "revoked", "expired", "not_yet_valid", "used_up")


# --- serialization -----------------------------------------------------------------


def effective_status(visitor_pass: Pass, *, now: datetime) -> str:
    """The stored status, with a window that ended counted as expired before the job runs."""
    if visitor_pass.status == "active" and now >= visitor_pass.valid_to:
        return "expired"
    if visitor_pass.status == "active" and visitor_pass.entries_used >= visitor_pass.max_entries:
        return "used_up"
    return visitor_pass.status


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    staff: Staff | None = user.staff
    return {"id": user.id, "name": staff.name if staff is not None else None}


def pass_out(visitor_pass: Pass, *, now: datetime) -> dict[str, Any]:
    """The `Pass` of API.md §6 for its host (who entered the phone number, so unmasked)."""
    status = effective_status(visitor_pass, now=now)
    token = None
    if status == "active":
        token = unseal_token(visitor_pass.token_sealed, digest=visitor_pass.token_hash)
    base = f"/api/v1/visitors/passes/{visitor_pass.id}"
    return {
        "id": visitor_pass.id,
        "visitor_name": visitor_pass.visitor_name,
        "visitor_phone": visitor_pass.visitor_phone,
        "plate": visitor_pass.plate,
        "purpose": visitor_pass.purpose,
        "valid_from": wire(visitor_pass.valid_from),
        "valid_to": wire(visitor_pass.valid_to),
        "max_entries": visitor_pass.max_entries,
        "entries_used": visitor_pass.entries_used,
        "entries_left": max(0, visitor_pass.max_entries - visitor_pass.entries_used),
        "status": status,
        "token": token,
        "qr_png_url": f"{base}/qr.png",
        "qr_svg_url": f"{base}/qr.svg",
        "host": _person(visitor_pass.host),
        "created_at": wire(visitor_pass.created_at),
        "revoked_at": wire(visitor_pass.revoked_at),
    }


# --- the host's passes -------------------------------------------------------------


async def _insert_pass(*, host_id: int, fields: dict[str, Any]) -> Pass:
    token = new_token()
    digest = token_hash(token)
    created = await Pass.create(
        host_id=host_id,
        token_hash=digest,
        token_sealed=seal_token(token),
        **fields,
    )
    return await Pass.get(id=created.id).select_related("host__staff")


async def create_pass(
    *,
    host_id: int,
    visitor_name: str,
    visitor_phone: str,
    plate: str | None,
    purpose: str,
    valid_from: datetime,
    valid_to: datetime,
    max_entries: int,
    now: datetime,
) -> dict[str, Any]:
    """Invite a visitor: a new active pass with a fresh token."""
    fields = validate_pass(
        visitor_name=visitor_name,
        visitor_phone=visitor_phone,
        plate=plate,
        purpose=purpose,
        valid_from=valid_from,
        valid_to=valid_to,
        max_entries=max_entries,
        now=now,
    )
    created = await _insert_pass(host_id=host_id, fields=fields)
    return pass_out(created, now=now)


async def _own_pass(*, host_id: int, pass_id: int) -> Pass:
    found = (
        await Pass.get_or_none(id=pass_id, host_id=host_id).select_related("host__staff")
        if could_exist(pass_id)
        else None
    )
    if found is None:
        raise NotFound("通行证不存在")
    return found


async def list_passes(
    *, host_id: int, status: str | None, limit: int, cursor: str | None, now: datetime
) -> dict[str, Any]:
    """The host's passes, newest first. `status` filters on the stored status."""
    query = Pass.filter(host_id=host_id)
    if status is not None:
        if status not in PASS_STATUSES:
            raise InvalidInput({"status": "取值无效"})
        query = query.filter(status=status)
    rows, next_cursor = await page(query.select_related("host__staff"), limit=limit, cursor=cursor)
    return listing([pass_out(row, now=now) for row in rows], next_cursor)


async def get_pass(*, host_id: int, pass_id: int, now: datetime) -> dict[str, Any]:
    return pass_out(await _own_pass(host_id=host_id, pass_id=pass_id), now=now)


async def pass_qr(
    *, host_id: int, pass_id: int, image: Literal["png", "svg"], now: datetime
) -> bytes:
    """The QR code of the token, only while the pass can still admit someone."""
    visitor_pass = await _own_pass(host_id=host_id, pass_id=pass_id)
    token = None
    if effective_status(visitor_pass, now=now) == "active":
        token = unseal_token(visitor_pass.token_sealed, digest=visitor_pass.token_hash)
    if token is None:
        raise NotFound("该通行证已失效，没有可用的二维码")
    return render_qr(token, image=image)


async def revoke_pass(*, host_id: int, pass_id: int, now: datetime) -> dict[str, Any]:
    """active → revoked (a conditional update, so it cannot undo a concurrent last entry).

    Revoking a revoked pass answers it unchanged (a retried tap); an expired or used-up
    pass cannot be revoked (409 invalid_state).
    """
    now = now.astimezone(UTC)  # compared in SQL: SQLite compares the stored UTC text
    visitor_pass = await _own_pass(host_id=host_id, pass_id=pass_id)
    await Pass.filter(id=visitor_pass.id, status="active", valid_to__gt=now).update(
        status="revoked", revoked_at=now
    )
    fresh = await _own_pass(host_id=host_id, pass_id=pass_id)
    status = effective_status(fresh, now=now)
    if status not in ("revoked",):
        raise InvalidState(status, "该通行证已失效，无法撤销")
    return pass_out(fresh, now=now)


# --- the gate ----------------------------------------------------------------------


def refusal(visitor_pass: Pass, *, now: datetime) -> str | None:
    """Why this pass may not enter now, or None. The window is [valid_from, valid_to)."""
    status = effective_status(visitor_pass, now=now)
    if status != "active":
        return status
    if now < visitor_pass.valid_from:
        return "not_yet_valid"
    return None


async def find_by_token(*, token: object) -> Pass | None:
    """The pass of this token, or None for anything we did not issue.

    A scanner reads whatever the visitor shows (another QR, a number, nothing), so any
    value at all is an answer (`unknown`), not a client error."""
    if not isinstance(token, str) or not token_shaped(token):
        return None
    return await Pass.get_or_none(token_hash=token_hash(token)).select_related("host__staff")


async def verify(*, token: object, gate: str, guard_id: int, now: datetime) -> dict[str, Any]:
    """Admit one person on this pass, or say why not (API.md §6 POST /gate/verify).

    The entry is taken by a conditional UPDATE that re-checks status, window and count
    in the database, so concurrent scans of the last entry admit exactly one person.
    """
    now = now.astimezone(UTC)  # compared in SQL: SQLite compares the stored UTC text
    gate_name = clean_gate(gate)
    visitor_pass = await find_by_token(token=token)
    if visitor_pass is None:
        return {"valid": False, "reason": "unknown"}
    reason = refusal(visitor_pass, now=now)
    if reason is not None:
        return {"valid": False, "reason": reason}
    async with transaction() as tx:
        taken = await Pass.filter(
            id=visitor_pass.id,
            status="active",
            entries_used__lt=F("max_entries"),
            valid_from__lte=now,
            valid_to__gt=now,
        ).update(entries_used=F("entries_used") + 1)
        if taken:
            entry = await GateEntry.create(
                visitor_pass_id=visitor_pass.id, gate=gate_name, at=now, guard_id=guard_id
            )
            await Pass.filter(
                id=visitor_pass.id, status="active", entries_used__gte=F("max_entries")
            ).update(status="used_up")
            # Read under our row lock: the count this entry left, not a later scan's.
            fresh = await Pass.get(id=visitor_pass.id).select_related("host__staff")
            await _tell_host(tx, visitor_pass=fresh, gate=gate_name, now=now)
    if not taken:
        lost = await Pass.get(id=visitor_pass.id)
        return {"valid": False, "reason": refusal(lost, now=now) or "used_up"}
    host = _person(fresh.host)
    return {
        "valid": True,
        "pass": {
            "id": fresh.id,
            "visitor_name": fresh.visitor_name,
            "visitor_phone_masked": mask_phone(fresh.visitor_phone),
            "plate": fresh.plate,
            "host_name": host["name"] if host else None,
            "purpose": fresh.purpose,
            "valid_to": wire(fresh.valid_to),
            "entries_left": max(0, fresh.max_entries - fresh.entries_used),
        },
        "entry": {"id": entry.id, "gate": gate_name, "at": wire(now)},
    }


async def _tell_host(tx: Tx, *, visitor_pass: Pass, gate: str, now: datetime) -> None:
    """The "arrived" notice, written with the entry it reports."""
    arrived = local(now)
    await notifications.notify(
        tx=tx,
        user_id=visitor_pass.host_id,  # type: ignore[attr-defined]
        kind="visitor_arrived",
        title="访客已到达",
        body=f"{visitor_pass.visitor_name}已于{arrived:%H:%M}从{gate}进入",
        link=f"/pages/visitors/pass?id={visitor_pass.id}",
        template_data={"arrived_at": f"{arrived:%Y-%m-%d %H:%M}"},
        now=now,
    )


def entry_out(entry: GateEntry) -> dict[str, Any]:
    """One line of the gate log: the visitor's phone masked, the host and the guard named."""
    visitor_pass: Pass = entry.visitor_pass
    host = _person(visitor_pass.host)
    return {
        "id": entry.id,
        "at": wire(entry.at),
        "gate": entry.gate,
        "pass_id": visitor_pass.id,
        "visitor_name": visitor_pass.visitor_name,
        "visitor_phone_masked": mask_phone(visitor_pass.visitor_phone),
        "plate": visitor_pass.plate,
        "host_name": host["name"] if host else None,
        "guard": _person(entry.guard),
    }


async def entry_log(
    *, day: date | None, gate: str | None, limit: int, cursor: str | None, now: datetime
) -> dict[str, Any]:
    """The entries of one local day (default today), newest first, and counts per gate.

    `per_gate` and `total` always cover the whole day and every gate, whatever page or
    gate filter is asked for: they are the daily figures the security office reports.
    """
    day = day or today(now)
    start, end = day_bounds(day)
    base = GateEntry.filter(at__gte=start, at__lt=end)
    query = base
    if gate:
        query = query.filter(gate=clean_gate(gate))
    rows, next_cursor = await page(
        query.select_related("visitor_pass__host__staff", "guard__staff"),
        limit=limit,
        cursor=cursor,
    )
    counts = await base.annotate(count=Count("id")).group_by("gate").values("gate", "count")
    per_gate: list[dict[str, Any]] = sorted(
        ({"gate": str(row["gate"]), "count": int(row["count"])} for row in counts),
        key=lambda row: str(row["gate"]),
    )
    return {
        "date": day.isoformat(),
        "items": [entry_out(row) for row in rows],
        "next_cursor": next_cursor,
        "total": sum(int(row["count"]) for row in per_gate),
        "per_gate": per_gate,
    }


# --- jobs --------------------------------------------------------------------------


async def expire_passes(*, now: datetime) -> int:
    """Mark active passes whose window has ended `expired` (the gate already refuses them)."""
    now = now.astimezone(UTC)  # compared in SQL: SQLite compares the stored UTC text
    return await Pass.filter(status="active", valid_to__lte=now).update(status="expired")


async def anonymise_passes(*, now: datetime) -> int:
    """Erase the visitor's name, phone, plate and sealed token VISITOR_RETENTION_DAYS after
    the window ended. Entry rows and counts stay: they carry no personal data."""
    now = now.astimezone(UTC)  # compared in SQL: SQLite compares the stored UTC text
    await expire_passes(now=now)
    cutoff = now - timedelta(days=resources.settings().visitor_retention_days)
    return await Pass.filter(valid_to__lte=cutoff, anonymised_at__isnull=True).update(
        visitor_name=ANONYMISED_NAME,
        visitor_phone="",
        plate=None,
        token_sealed=None,
        anonymised_at=now,
    )
