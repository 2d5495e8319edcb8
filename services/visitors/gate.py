"""The gate (API.md §6): scan a pass, find one by name or phone and admit by hand, the
day's log.

- An entry is taken by one conditional UPDATE (`entries_used < max_entries AND
  status = 'active'` inside the window) in the same transaction as the entry row.
  The database decides, so two guards scanning a single-entry pass at once get
  exactly one `valid: true`, on SQLite and PostgreSQL alike, with no Redis state to
  drift. The rate (about 1.6 million entries a year) is far below what one indexed
  row update per scan can carry.
- Anything that is not a token we issued (any length, any characters) is `unknown`:
  shape-checked first so garbage never costs a database query, and never an error.
"""

from __future__ import annotations

from datetime import date, datetime

from tortoise.expressions import F, Q
from tortoise.functions import Count

from models import could_exist
from models.visitors import GateEntry, Pass
from server.clock import day_bounds, local, today, utc
from server.errors import NotFound
from server.pagination import page
from server.tx import Tx, transaction
from services import notifications
from services.visitors.rules import clean_admission, clean_gate, refusal
from services.visitors.shapes import (
    DayLog,
    GatePassPage,
    GateTotal,
    Verdict,
    admitted_pass,
    entry_record,
    gate_pass,
    log_line,
)
from services.visitors.tokens import token_hash, token_shaped

REFUSALS = ("unknown", "revoked", "expired", "not_yet_valid", "used_up")
PHONE_TAIL = 4  # the last digits of a phone a guard may search by


async def find_by_token(*, token: object) -> Pass | None:
    """The pass of this token, or None for anything we did not issue.

    A scanner reads whatever the visitor shows (another QR, a number, nothing), so any
    value at all is an answer (`unknown`), not a client error."""
    if not isinstance(token, str) or not token_shaped(token):
        return None
    return await Pass.get_or_none(token_hash=token_hash(token)).select_related("host__staff")


async def verify(*, token: object, gate: str, guard_id: int, now: datetime) -> Verdict:
    """Admit one person on this pass, or say why not (API.md §6 POST /gate/verify).

    The entry is taken by a conditional UPDATE that re-checks status, window and count
    in the database, so concurrent scans of the last entry admit exactly one person.
    """
    now = utc(now)
    gate_name = clean_gate(gate)
    visitor_pass = await find_by_token(token=token)
    if visitor_pass is None:
        return Verdict(valid=False, reason="unknown")
    return await _enter(visitor_pass, gate_name=gate_name, guard_id=guard_id, now=now)


async def admit(*, pass_id: int, gate: str, reason: str, guard_id: int, now: datetime) -> Verdict:
    """Admit a visitor who has no QR by their pass, found by name or phone (API.md §6
    POST /gate/passes/{id}/admit): the same entry as a scan — the same conditional
    UPDATE, so a scan and an admission racing for the last entry admit one person —
    logged as manual with the guard's reason."""
    now = utc(now)
    gate_name, why = clean_admission(gate=gate, reason=reason)
    visitor_pass = (
        await Pass.get_or_none(id=pass_id).select_related("host__staff")
        if could_exist(pass_id)
        else None
    )
    if visitor_pass is None:
        raise NotFound("通行证不存在")
    return await _enter(
        visitor_pass, gate_name=gate_name, guard_id=guard_id, now=now, manual=True, reason=why
    )


async def _enter(
    visitor_pass: Pass,
    *,
    gate_name: str,
    guard_id: int,
    now: datetime,
    manual: bool = False,
    reason: str = "",
) -> Verdict:
    """One entry on this pass, exactly once however many guards act on it at once."""
    refused = refusal(visitor_pass, now=now)
    if refused is not None:
        return Verdict(valid=False, reason=refused)
    try:
        async with transaction() as tx:
            taken = await Pass.filter(
                id=visitor_pass.id,
                status="active",
                entries_used__lt=F("max_entries"),
                valid_from__lte=now,
                valid_to__gt=now,
            ).update(entries_used=F("entries_used") + 1)
            if not taken:
                raise _Lost()  # nothing to commit, not even the request's key
            entry = await GateEntry.create(
                visitor_pass_id=visitor_pass.id,
                gate=gate_name,
                at=now,
                guard_id=guard_id,
                manual=manual,
                reason=reason,
            )
            tx.created(entry.id)
            await Pass.filter(
                id=visitor_pass.id, status="active", entries_used__gte=F("max_entries")
            ).update(status="used_up")
            # Read under our row lock: the count this entry left, not a later scan's.
            fresh = await Pass.get(id=visitor_pass.id).select_related("host__staff")
            await _tell_host(tx, visitor_pass=fresh, gate=gate_name, now=now)
    except _Lost:
        lost = await Pass.get(id=visitor_pass.id)
        return Verdict(valid=False, reason=refusal(lost, now=now) or "used_up")
    return _admitted(fresh, entry)


class _Lost(Exception):
    """Another guard took the pass's last entry between the check and the update."""


def _admitted(visitor_pass: Pass, entry: GateEntry) -> Verdict:
    return Verdict.model_validate(
        {"valid": True, "pass": admitted_pass(visitor_pass), "entry": entry_record(entry)}
    )


async def entered(*, user_id: int, ref: str, now: datetime) -> Verdict:
    """The entry a committed `verify` or `admit` recorded, with the pass as that entry
    left it (its entries counted up to this one): the answer to a replay whose first
    answer was lost, however many entries came after it."""
    entry = await GateEntry.get(id=int(ref), guard_id=user_id)
    visitor_pass = await Pass.get(id=entry.visitor_pass_id).select_related("host__staff")
    used = await GateEntry.filter(visitor_pass_id=visitor_pass.id, id__lte=entry.id).count()
    visitor_pass.entries_used = used
    return _admitted(visitor_pass, entry)


async def find_passes(*, q: str, limit: int, cursor: str | None, now: datetime) -> GatePassPage:
    """Passes that can admit someone now whose visitor name contains `q`, or whose phone
    ends with `q` when it is 4 digits: for a visitor who stands at the gate without
    the QR. Phones are masked as at the scan."""
    now = utc(now)
    text = q.strip()
    wanted = Q(visitor_name__icontains=text)
    if len(text) == PHONE_TAIL and text.isascii() and text.isdigit():
        wanted |= Q(visitor_phone__endswith=text)
    query = Pass.filter(
        wanted,
        status="active",
        valid_from__lte=now,
        valid_to__gt=now,
        entries_used__lt=F("max_entries"),
    )
    rows, next_cursor = await page(query.select_related("host__staff"), limit=limit, cursor=cursor)
    return GatePassPage(items=[gate_pass(row) for row in rows], next_cursor=next_cursor)


async def _tell_host(tx: Tx, *, visitor_pass: Pass, gate: str, now: datetime) -> None:
    """The "arrived" notice, written with the entry it reports."""
    arrived = local(now)
    await notifications.notify(
        tx=tx,
        user_id=visitor_pass.host_id,
        kind="visitor_arrived",
        title="访客已到达",
        body=f"{visitor_pass.visitor_name}已于{arrived:%H:%M}从{gate}进入",
        link=f"/pages/visitors/pass?id={visitor_pass.id}",
        template_data={"arrived_at": f"{arrived:%Y-%m-%d %H:%M}"},
        now=now,
    )


async def entry_log(
    *, day: date | None, gate: str | None, limit: int, cursor: str | None, now: datetime
) -> DayLog:
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
    per_gate = sorted(
        (GateTotal(gate=str(row["gate"]), count=int(row["count"])) for row in counts),
        key=lambda total: total.gate,
    )
    return DayLog(
        date=day,
        items=[log_line(row) for row in rows],
        next_cursor=next_cursor,
        total=sum(total.count for total in per_gate),
        per_gate=per_gate,
    )
