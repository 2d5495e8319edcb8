"""Documents handed in with an appointment: the caller's own unattached uploads (images or
PDF, services.uploads), visible afterwards to their owner and the station's clerks."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from models.duty import Appointment, DutyDocument
from models.repairs import Upload
from server.errors import InvalidInput
from server.tx import Tx
from services.identity import Principal

MAX_DOCUMENTS = 10
TAKEN = "材料不存在、不属于你或已被使用"


async def take(tx: Tx, *, user_id: int, ids: list[int]) -> list[int]:
    """Check that `ids` are the caller's own uploads not attached to anything yet; they
    are linked to the appointment by `link` once it exists. Returns them deduplicated."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_DOCUMENTS:
        raise InvalidInput({"document_ids": f"最多 {MAX_DOCUMENTS} 份材料"})
    if not wanted:
        return []
    free = await (
        Upload.filter(id__in=wanted, owner_id=user_id, ticket_id=None, purchase_request_id=None)
        .using_db(tx.conn)
        .count()
    )
    used = await DutyDocument.filter(upload_id__in=wanted).using_db(tx.conn).exists()
    if free != len(wanted) or used:
        raise InvalidInput({"document_ids": TAKEN})
    return wanted


async def link(tx: Tx, *, appointment_id: int, ids: list[int]) -> None:
    """Attach checked uploads to the appointment (a second claim of one fails the action)."""
    try:
        for upload_id in ids:
            await DutyDocument.create(
                using_db=tx.conn, upload_id=upload_id, appointment_id=appointment_id
            )
    except IntegrityError:
        raise InvalidInput({"document_ids": TAKEN}) from None


async def may_read(*, upload_id: int, principal: Principal) -> bool | None:
    """None: not a duty document; else whether the caller may read it (owner, clerks)."""
    document = await DutyDocument.get_or_none(upload_id=upload_id)
    if document is None:
        return None
    if principal.has_role("duty_station"):
        return True
    return await Appointment.filter(id=document.appointment_id, user_id=principal.user_id).exists()
