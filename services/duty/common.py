"""What every part of the duty station shares: its engine domain, views, lookups."""

from __future__ import annotations

from models import could_exist
from models.duty import Appointment, DutySlot
from server.clock import utc
from server.errors import NotFound
from services.duty import shapes

DOMAIN = "duty"

__all__ = ["DOMAIN", "appointment_view", "link", "own", "utc"]


def link(appointment_id: int) -> str:
    """The H5 page of one appointment (every notice about it opens it)."""
    return f"/duty/appointments/{appointment_id}"


def live_key(*, user_id: int, service_id: int) -> str:
    """The value that keeps one live appointment per person and service (unique column)."""
    return f"{user_id}:{service_id}"


def slot_ref(slot: DutySlot | None) -> shapes.SlotRef | None:
    if slot is None:
        return None
    return shapes.SlotRef(id=slot.id, start=slot.start, end=slot.end)


def appointment_view(
    row: Appointment, *, position: int | None = None, rated: bool = False
) -> shapes.Appointment:
    """`row` with its service and slot fetched (select_related)."""
    return shapes.Appointment(
        id=row.id,
        service=shapes.ServiceRef(id=row.service.id, name=row.service.name),
        slot=slot_ref(row.slot),
        kind=row.kind,  # type: ignore[arg-type]
        date=row.date.isoformat(),
        status=row.status,
        ticket_no=row.ticket_no,
        counter=row.counter,
        position=position if row.status == "waiting" else None,
        document_ids=list(row.document_ids),
        note=row.note,
        info_note=row.info_note,
        result_note=row.result_note,
        fee_fen=row.fee_fen,
        rated=rated,
        created_at=row.created_at,
        checked_in_at=row.checked_in_at,
        called_at=row.called_at,
        finished_at=row.finished_at,
    )


async def own(*, user_id: int, appointment_id: int) -> Appointment:
    """The caller's appointment with its service and slot; 404 for anyone else's."""
    row = (
        await Appointment.get_or_none(id=appointment_id, user_id=user_id).select_related(
            "service", "slot"
        )
        if could_exist(appointment_id)
        else None
    )
    if row is None:
        raise NotFound("预约不存在")
    return row
