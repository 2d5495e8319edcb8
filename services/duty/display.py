"""The station's TV: the last tickets called and how many wait — ticket numbers only,
never a name, so it can hang in the hall and answer without a token."""

from __future__ import annotations

from datetime import datetime

from models.duty import Appointment
from server.clock import day_bounds, today
from services.duty import shapes

SHOWN = 6  # the tickets a TV shows at once


async def display(*, now: datetime) -> shapes.Display:
    start, end = day_bounds(today(now))
    called = (
        await Appointment.filter(called_at__gte=start, called_at__lt=end, ticket_no__isnull=False)
        .order_by("-called_at", "-id")
        .limit(SHOWN)
        .values_list("ticket_no", "counter", "called_at")
    )
    waiting = await Appointment.filter(
        status="waiting", date=today(now), ticket_no__isnull=False
    ).count()
    return shapes.Display(
        called=[
            shapes.CalledTicket(ticket_no=str(t), counter=int(c), called_at=at)
            for t, c, at in called
        ],
        waiting=waiting,
    )
