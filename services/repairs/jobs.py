"""Scheduled repair rules: escalation to the facility leads and auto-close.

Run by jobs/repairs.py with the scheduler's `now`, and by tests with any `now`. Both are
safe to run twice at once (two hosts): escalation is once per ticket and reason by a
unique row, auto-close is a conditional update on the resolved ticket.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from models.repairs import Escalation, Ticket, TicketEvent
from server.tx import transaction
from services import identity
from services.repairs.tickets import AUTO_CLOSE_AFTER, UNASSIGNED_AFTER, tell

ESCALATION_NOTES = {
    "unassigned": "超过30分钟未派单，已上报维修主管",
    "overdue": "超过该类别处理时限仍未解决，已上报维修主管",
}


async def escalate(*, now: datetime, batch: int = 500) -> dict[str, int]:
    """Escalate tickets waiting too long, once per ticket and reason.

    `unassigned`: still open 30 min after the report. `overdue`: not resolved by its
    category deadline (due_at). The unique (ticket, reason) row is what makes it once,
    even when two job runners race.
    """
    waiting = {
        "unassigned": Ticket.filter(status="open", created_at__lte=now - UNASSIGNED_AFTER),
        "overdue": Ticket.filter(status__in=("open", "assigned", "in_progress"), due_at__lte=now),
    }
    leads = await identity.staff_with_role(role="facility_lead")
    counts: dict[str, int] = {}
    for reason, query in waiting.items():
        candidates = await query.order_by("id").values_list("id", flat=True)
        done = set(
            await Escalation.filter(ticket_id__in=candidates, reason=reason).values_list(
                "ticket_id", flat=True
            )
        )
        counts[reason] = 0
        for ticket_id in [c for c in candidates if c not in done][:batch]:
            try:
                async with transaction() as tx:
                    await Escalation.create(ticket_id=ticket_id, reason=reason, at=now)
                    await TicketEvent.create(
                        ticket_id=ticket_id,
                        at=now,
                        actor_id=None,
                        action="escalate",
                        note=ESCALATION_NOTES[reason],
                    )
                    await tell(
                        tx,
                        user_ids=leads,
                        ticket=await Ticket.get(id=ticket_id),
                        kind="repair_escalated",
                        title="报修单超时待处理",
                        now=now,
                    )
            except IntegrityError:  # another runner escalated it first
                continue
            counts[reason] += 1
    return counts


async def auto_close(*, now: datetime, batch: int = 500) -> int:
    """Close tickets resolved 72 h ago that the requester neither confirmed nor reopened."""
    due = (
        await Ticket.filter(status="resolved", resolved_at__lte=now - AUTO_CLOSE_AFTER)
        .order_by("id")
        .limit(batch)
    )
    closed = 0
    for ticket in due:
        async with transaction() as tx:
            updated = await Ticket.filter(
                id=ticket.id, status="resolved", resolved_at=ticket.resolved_at
            ).update(status="closed", closed_at=now, updated_at=now)
            if not updated:  # confirmed or reopened meanwhile
                continue
            await TicketEvent.create(
                ticket_id=ticket.id,
                at=now,
                actor_id=None,
                action="auto_close",
                note="解决后72小时未确认，系统自动关闭",
            )
            await ticket.refresh_from_db(using_db=tx.conn)
            await tell(
                tx,
                user_ids=[i for i in (ticket.requester_id, ticket.assignee_id) if i],
                ticket=ticket,
                kind="repair_closed",
                title="报修单已自动关闭",
                now=now,
            )
        closed += 1
    return closed
