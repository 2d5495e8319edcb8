"""The station's view of a day (API.md §8 GET /carwash/desk/bookings): the bay bookings
of each slot and the washes taken, with names masked — the attendant matches a plate,
not a person.
"""

from __future__ import annotations

from datetime import date

from models.carwash import Wash, WashBooking, WashDay
from server.clock import day_bounds
from services import identity
from services.carwash import shapes
from services.text import mask_name


async def desk_day(*, day: date) -> shapes.DeskDay:
    """Bookings of the day's slots in slot order (every status), and the day's washes."""
    start, end = day_bounds(day)
    bookings: list[WashBooking] = []
    wash_day = await WashDay.get_or_none(date=day)
    if wash_day is not None:
        bookings = (
            await WashBooking.filter(slot__day_id=wash_day.id)
            .select_related("slot")
            .order_by("slot__start", "id")
        )
    washes = (
        await Wash.filter(washed_at__gte=start, washed_at__lt=end)
        .select_related("card__type")
        .order_by("-washed_at", "-id")
    )
    names = await identity.names_of(
        [b.user_id for b in bookings] + [w.card.owner_id for w in washes]
    )
    return shapes.DeskDay(
        date=day.isoformat(),
        items=[
            shapes.DeskBooking(
                id=b.id,
                slot=shapes.SlotRef(id=b.slot.id, start=b.slot.start, end=b.slot.end),
                plate=b.plate,
                name_masked=mask_name(names.get(b.user_id)),
                status=b.status,
            )
            for b in bookings
        ],
        washes=[
            shapes.DeskWash(
                id=w.id,
                washed_at=w.washed_at,
                plate=w.plate,
                name_masked=mask_name(names.get(w.card.owner_id)),
                card_type=w.card.type.name,
                washes_left=w.washes_left,
                booking_id=w.booking_id,
            )
            for w in washes
        ],
    )
