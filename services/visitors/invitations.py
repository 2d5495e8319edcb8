"""The host's passes: invite a visitor, list and show the passes, the QR, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from models import could_exist
from models.visitors import PASS_STATUSES, Pass
from server.clock import utc
from server.errors import InvalidInput, InvalidState, NotFound
from server.pagination import page
from server.qr import qr_png, qr_svg
from server.tx import transaction
from services.visitors.rules import effective_status, validate_pass
from services.visitors.shapes import PassInfo, PassPage, pass_info
from services.visitors.tokens import new_token, seal_token, token_hash, unseal_token


async def insert_pass(*, host_id: int, fields: dict[str, Any]) -> Pass:
    """A new pass row with a fresh token (validated `fields`; the demo seeds through it)."""
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
) -> PassInfo:
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
    async with transaction() as tx:
        created = await insert_pass(host_id=host_id, fields=fields)
        tx.created(created.id)
    return pass_info(created, now=now)


async def invited(*, user_id: int, ref: str, now: datetime) -> PassInfo:
    """The pass a committed invitation created (named by its transaction): the answer
    to a replay of an invitation whose first answer was lost with its process."""
    return await get_pass(host_id=user_id, pass_id=int(ref), now=now)


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
) -> PassPage:
    """The host's passes, newest first. `status` filters on the stored status."""
    query = Pass.filter(host_id=host_id)
    if status is not None:
        if status not in PASS_STATUSES:
            raise InvalidInput({"status": "取值无效"})
        query = query.filter(status=status)
    rows, next_cursor = await page(query.select_related("host__staff"), limit=limit, cursor=cursor)
    return PassPage(items=[pass_info(row, now=now) for row in rows], next_cursor=next_cursor)


async def get_pass(*, host_id: int, pass_id: int, now: datetime) -> PassInfo:
    return pass_info(await _own_pass(host_id=host_id, pass_id=pass_id), now=now)


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
    return qr_svg(token) if image == "svg" else qr_png(token)


async def revoke_pass(*, host_id: int, pass_id: int, now: datetime) -> PassInfo:
    """active → revoked (a conditional update, so it cannot undo a concurrent last entry).

    Revoking a revoked pass answers it unchanged (a retried tap); an expired or used-up
    pass cannot be revoked (409 invalid_state).
    """
    now = utc(now)
    visitor_pass = await _own_pass(host_id=host_id, pass_id=pass_id)
    await Pass.filter(id=visitor_pass.id, status="active", valid_to__gt=now).update(
        status="revoked", revoked_at=now
    )
    fresh = await _own_pass(host_id=host_id, pass_id=pass_id)
    status = effective_status(fresh, now=now)
    if status not in ("revoked",):
        raise InvalidState(status, "该通行证已失效，无法撤销")
    return pass_info(fresh, now=now)
