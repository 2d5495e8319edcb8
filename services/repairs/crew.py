"""Who a facility lead can dispatch a ticket to (the H5 stand-in's assign picker).

The contract's `POST /repairs/{id}/assign` takes a user id of someone with the
facility role; without this list a lead would have to know ids by heart. Only bound,
active accounts are listed: the same rule the assign transition checks.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from models.identity import Staff, User
from models.repairs import Ticket
from services.repairs.shapes import Crew, CrewMember


async def list_crew() -> Crew:
    """Facility crew with how many assigned or in-progress tickets each holds, least busy first."""
    staff = {s.id: s for s in await Staff.filter(active=True) if "facility" in s.roles}
    users = await User.filter(staff_id__in=list(staff)).values_list("id", "staff_id")
    busy: dict[int, int] = {}
    held: list[Any] = await Ticket.filter(
        Q(status__in=["assigned", "in_progress"]), assignee_id__in=[u for u, _ in users]
    ).values_list("assignee_id", flat=True)
    for assignee_id in held:
        busy[int(assignee_id)] = busy.get(int(assignee_id), 0) + 1
    items = [
        CrewMember(
            id=int(user_id),
            name=staff[int(staff_id)].name,
            department=staff[int(staff_id)].department,
            open_tickets=busy.get(int(user_id), 0),
        )
        for user_id, staff_id in users
    ]
    items.sort(key=lambda m: (m.open_tickets, m.name, m.id))
    return Crew(items=items)
