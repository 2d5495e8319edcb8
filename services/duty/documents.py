"""Documents handed in with an appointment: the caller's own unattached uploads (images or
PDF, services.uploads), visible afterwards to their owner and the station's clerks."""

from __future__ import annotations

from models.duty import Appointment
from models.uploads import Upload
from server.errors import InvalidInput
from server.tx import Tx
from services import uploads
from services.identity import Principal

MAX_DOCUMENTS = 10


async def take(tx: Tx, *, user_id: int, appointment_id: int, ids: list[int]) -> list[int]:
    """Attach the caller's own unattached uploads to the appointment, in `tx` (400 on
    `document_ids`, nothing taken, when any is someone else's or already used)."""
    if len(set(ids)) > MAX_DOCUMENTS:
        raise InvalidInput({"document_ids": f"最多 {MAX_DOCUMENTS} 份材料"})
    taken = await uploads.take(
        tx,
        ids,
        owner_id=user_id,
        kinds=uploads.DOCUMENT_TYPES,
        field="document_ids",
        duty_appointment_id=appointment_id,
    )
    return [upload.id for upload in taken]


async def may_read(*, upload: Upload, principal: Principal) -> bool:
    """A duty document: its owner and the clerks may read it."""
    if principal.has_role("duty_station"):
        return True
    return await Appointment.filter(
        id=upload.duty_appointment_id, user_id=principal.user_id
    ).exists()
