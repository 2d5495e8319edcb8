"""Every domain of the service and how it plugs into the shared parts: one explicit list.

A domain's booking hooks (the record step that confirms its row when a waitlisted
reservation gets a place; which reservations have their row, for the orphan repair),
its scheduled jobs, its queue consumers and the notice kinds it sends are named here,
and nowhere else. Every entry point imports this module — the web workers
(`server.app`), the background process and worker (`jobs.background`), each CLI
command (`server.cli`) and the tests — and importing it installs the hooks into the
booking engine, so no behaviour depends on which other modules a process happens to
have imported.

Handlers (`handlers/`) and models (`models/`) are still found by their folders: a
blueprint or a model module has no wiring beyond being there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import booking
import jobs.assessment
import jobs.booking
import jobs.carwash
import jobs.duty
import jobs.gym
import jobs.idempotency
import jobs.library
import jobs.meals
import jobs.meetings
import jobs.notifications
import jobs.procurement
import jobs.repairs
import jobs.uploads
import jobs.visitors
from booking.domains import RowsOf
from jobs import Job
from services import carwash, duty, gym, meals, meetings, notifications

Consumer = Callable[..., Awaitable[None]]  # async def consume(*, stop: asyncio.Event)


@dataclass(frozen=True)
class Domain:
    name: str
    promoted: booking.Record | None = None  # a waitlisted reservation got a place
    recorded: RowsOf | None = None  # which reservation ids have their domain row
    jobs: tuple[Job, ...] = ()
    consumers: tuple[Consumer, ...] = ()
    notice_kinds: tuple[str, ...] = ()  # the kinds of server/notice_kinds.py it sends


DOMAINS: tuple[Domain, ...] = (
    Domain("identity"),
    Domain(
        "meals",
        promoted=meals.record_promotion,
        recorded=meals.orders_of,
        jobs=tuple(jobs.meals.JOBS),
        notice_kinds=("meal_promoted", "meal_cancelled", "meal_prep_summary"),
    ),
    Domain(
        "meetings",
        recorded=meetings.bookings_of,
        jobs=tuple(jobs.meetings.JOBS),
        notice_kinds=(
            "meeting_confirmed",
            "meeting_pending",
            "meeting_approved",
            "meeting_rejected",
            "meeting_released",
            "meeting_reminder",
        ),
    ),
    Domain(
        "repairs",
        jobs=tuple(jobs.repairs.JOBS),
        notice_kinds=(
            "repair_new",
            "repair_assigned",
            "repair_started",
            "repair_resolved",
            "repair_reopened",
            "repair_closed",
            "repair_cancelled",
            "repair_rated",
            "repair_escalated",
        ),
    ),
    Domain("uploads", jobs=tuple(jobs.uploads.JOBS)),
    Domain("visitors", jobs=tuple(jobs.visitors.JOBS), notice_kinds=("visitor_arrived",)),
    Domain(
        "carwash",
        recorded=carwash.bay.bookings_of,
        jobs=tuple(jobs.carwash.JOBS),
        notice_kinds=(
            "carwash_paid",
            "carwash_refunded",
            "carwash_washed",
            "carwash_expiring",
            "carwash_expired",
            "carwash_no_show",
        ),
    ),
    Domain(
        "library",
        jobs=tuple(jobs.library.JOBS),
        notice_kinds=(
            "library_due_soon",
            "library_overdue",
            "library_hold_ready",
            "library_hold_expired",
        ),
    ),
    Domain(
        "gym",
        promoted=gym.record_promotion,
        recorded=gym.rows_of,
        jobs=tuple(jobs.gym.JOBS),
        notice_kinds=("gym_promoted",),
    ),
    Domain(
        "assessment",
        jobs=tuple(jobs.assessment.JOBS),
        notice_kinds=(
            "rectification_opened",
            "rectification_submitted",
            "rectification_verified",
            "rectification_rejected",
            "rectification_overdue",
        ),
    ),
    Domain(
        "procurement",
        jobs=tuple(jobs.procurement.JOBS),
        notice_kinds=("procurement_to_approve", "procurement_status", "procurement_reminder"),
    ),
    Domain(
        "duty",
        recorded=duty.appointments_of,
        jobs=tuple(jobs.duty.JOBS),
        notice_kinds=(
            "duty_called",
            "duty_reminder",
            "duty_needs_info",
            "duty_done",
            "duty_no_show",
        ),
    ),
    Domain(
        "notifications",
        jobs=tuple(jobs.notifications.JOBS),
        consumers=(notifications.consume_forever,),
        notice_kinds=("system",),
    ),
    # Shared parts with jobs of their own: the booking engine's self-healing and the
    # idempotency records' expiry.
    Domain("booking", jobs=tuple(jobs.booking.JOBS)),
    Domain("idempotency", jobs=tuple(jobs.idempotency.JOBS)),
)


def all_jobs() -> list[Job]:
    return [job for domain in DOMAINS for job in domain.jobs]


def all_consumers() -> list[Consumer]:
    return [consume for domain in DOMAINS for consume in domain.consumers]


def install() -> None:
    """Give the booking engine every domain's hooks (idempotent)."""
    for domain in DOMAINS:
        if domain.promoted is not None:
            booking.on_promoted(domain.name, domain.promoted)
        if domain.recorded is not None:
            booking.on_orphans(domain.name, domain.recorded)


install()
