"""Repair tickets (设备报修, API.md §5): what the handlers and jobs call.

tickets.py (reporting, the workflow's one transition table, listing, photos,
categories), jobs.py (escalation, auto-close), stats.py (figures per crew member and
category), crew.py (the facility crew a lead assigns).
"""

from services.repairs.crew import list_crew
from services.repairs.jobs import auto_close, escalate
from services.repairs.shapes import Categories, Category, Crew, Stats, Ticket, TicketPage
from services.repairs.stats import stats
from services.repairs.tickets import (
    ACTIONS,
    ACTORS,
    MAX_PHOTOS,
    TRANSITIONS,
    act,
    categories,
    get,
    list_tickets,
    photo,
    report,
    reported,
    set_deadline,
    visible_ticket,
)

__all__ = [
    "ACTIONS",
    "ACTORS",
    "MAX_PHOTOS",
    "TRANSITIONS",
    "Categories",
    "Category",
    "Crew",
    "Stats",
    "Ticket",
    "TicketPage",
    "act",
    "auto_close",
    "categories",
    "escalate",
    "get",
    "list_crew",
    "list_tickets",
    "photo",
    "report",
    "reported",
    "set_deadline",
    "stats",
    "visible_ticket",
]
