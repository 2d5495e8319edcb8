"""Meeting bookings (会务预定): booking, series, cancel, check-in, reading.

A room is one booking-engine resource (capacity 1 per slot, runs of consecutive
slots, full → 409 conflict) and a booking is one engine reservation of the run of
grid slots covering [start, end). The engine takes the whole run or nothing in one
atomic step and its database constraint backs it, so this module never checks
overlaps itself: it validates the request, maps engine outcomes to the contract and
keeps the booking rows (the domain's record) in step with the reservations.

State changes are claimed with a conditional UPDATE (`WHERE status = expected`) inside
the engine's transaction (its record step), so two concurrent actions on one booking
(a cancel and the no-show job, an approval and a rejection) never both happen, and a
booking row never disagrees with the room time it holds. Notices are written in the
same transaction as the change they report.

Rooms: rooms.py; time rules and wire shapes: rules.py; approval: approval.py; jobs:
jobs.py; calendar files: ical.py (all in services/meetings/).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import booking as engine
from models import could_exist
from models.meetings import HOLDING, BookingSeries, Room
from models.meetings import Booking as BookingRow
from server import faults
from server.clock import aware, tz, wire
from server.errors import (
    AppError,
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    SlotFull,
    TooEarly,
    TooLate,
)
from server.logs import get_logger
from server.pagination import Page, page
from server.tx import Tx, move
from services import identity
from services.meetings.ical import booking_calendar
from services.meetings.rooms import bookable_room, closed_room
from services.meetings.rules import (
    CHECKIN_CLOSES,
    CHECKIN_OPENS,
    Booking,
    BookingIn,
    Series,
    Skipped,
    booking_window_errors,
    weekly,
)
from services.notifications import notify

log = get_logger("meetings")


# --- booking -----------------------------------------------------------------------


async def create_booking(*, user_id: int, request: BookingIn, now: datetime) -> Booking:
    """One booking: `confirmed`, or `pending_approval` (holding the time) for rooms that
    need an approval. Overlap with held time is the engine's 409 conflict."""
    room = await bookable_room(request.room_id)
    if room.closed:
        raise closed_room()
    start, end = aware(request.start, field="start"), aware(request.end, field="end")
    fields = booking_window_errors(
        room=room, start=start, end=end, attendees=request.attendees, now=now
    )
    if not request.title.strip():  # stored stripped: blanks only would be an empty title
        fields["title"] = "会议主题不能为空"
    if fields:
        raise InvalidInput(fields)
    row = await _reserve_run(
        room=room, user_id=user_id, start=start, end=end, request=request, announce=True, now=now
    )
    return await booking_view(booking_id=row.id)


async def create_series(
    *,
    user_id: int,
    request: BookingIn,
    weeks: int,
    now: datetime,
) -> Series:
    """The same time every week for `weeks` weeks. Each week is one engine run, taken
    whole or not at all, so a week is either booked or skipped (with the reason) and a
    partial overlap cannot happen. If no week can be booked nothing is created.

    The weeks, the series row that ties them and its one announcement commit in one
    transaction (engine.reserve_each): a crash at any instant leaves the whole series
    or nothing, never weeks without their series. The request's Idempotency-Key
    covers the whole series.
    """
    room = await bookable_room(request.room_id)
    if room.closed:
        raise closed_room()
    start, end = aware(request.start, field="start"), aware(request.end, field="end")
    fields = booking_window_errors(
        room=room, start=start, end=end, attendees=request.attendees, now=now
    )
    if not request.title.strip():  # stored stripped: blanks only would be an empty title
        fields["title"] = "会议主题不能为空"
    if fields:
        raise InvalidInput(fields)
    runs = weekly(start, end, weeks)  # before anything is written: it may be a 400
    assert room.resource_id is not None
    slot_runs = [
        [
            slot.id
            for slot in await engine.ensure_slots(
                resource_id=room.resource_id,
                start=week_start,
                end=week_end,
                step_minutes=room.slot_minutes,
            )
        ]
        for week_start, week_end in runs
    ]

    async def record(tx: Tx, outcomes: list[engine.ReservationInfo | AppError]) -> Series:
        await _same_grid(tx, room)
        series = await BookingSeries.create(
            using_db=tx.conn, room_id=room.id, organizer_id=user_id, weeks=weeks
        )
        # The first week's start with the series: the skipped weeks can be told again.
        tx.created(f"{series.id}@{runs[0][0].isoformat()}")
        booked: list[BookingRow] = []
        skipped: list[Skipped] = []
        for (week_start, week_end), outcome in zip(runs, outcomes, strict=True):
            if isinstance(outcome, AppError):
                if not isinstance(outcome, Conflict | SlotFull):
                    raise _refused(outcome)
                skipped.append(
                    Skipped(
                        start=week_start,
                        end=week_end,
                        reason="conflict",
                        message="该周此时段已被预订",
                    )
                )
                continue
            booked.append(
                await BookingRow.create(
                    using_db=tx.conn,
                    reservation_id=outcome.id,
                    room_id=room.id,
                    organizer_id=user_id,
                    series_id=series.id,
                    start=week_start,
                    end=week_end,
                    title=request.title.strip(),
                    attendees=request.attendees,
                    status="pending_approval" if outcome.status == "held" else "confirmed",
                )
            )
            await faults.point("meetings.series.after_week")
        await _announce_created(tx, room=room, bookings=booked, skipped=len(skipped), now=now)
        return Series(series_id=series.id, bookings=[], skipped=skipped)

    outcomes, made = await engine.reserve_each(
        resource_id=room.resource_id,
        user_id=user_id,
        runs=slot_runs,
        hold=room.needs_approval,
        record=record,
        now=now,
    )
    if made is None:
        for outcome in outcomes:
            if not isinstance(outcome, Conflict | SlotFull):
                raise _refused(outcome)
        skipped = [
            Skipped(start=s, end=e, reason="conflict", message="该周此时段已被预订")
            for s, e in runs
        ]
        raise Conflict(
            "每一周的该时段都已被预订",
            details={"skipped": [item.model_dump(mode="json") for item in skipped]},
        )
    rows = await BookingRow.filter(series_id=made.series_id).order_by("start")
    return Series(
        series_id=made.series_id,
        bookings=[await booking_view(booking_id=row.id) for row in rows],
        skipped=made.skipped,
    )


async def series_created(*, user_id: int, ref: str, now: datetime) -> Series:
    """The series a committed `create_series` booked, its bookings as they are now and
    the weeks it skipped (the weeks from the first one named with it that have no
    booking): the answer to a replay whose first answer was lost."""
    series_id, _, first = ref.partition("@")
    series = await BookingSeries.get(id=int(series_id), organizer_id=user_id)
    rows = await BookingRow.filter(series_id=series.id).order_by("start")
    start = datetime.fromisoformat(first)
    runs = weekly(start, start + (rows[0].end - rows[0].start), series.weeks)
    booked_starts = {row.start for row in rows}
    return Series(
        series_id=series.id,
        bookings=[await booking_view(booking_id=row.id) for row in rows],
        skipped=[
            Skipped(start=s, end=e, reason="conflict", message="该周此时段已被预订")
            for s, e in runs
            if s not in booked_starts
        ],
    )


def _refused(error: engine.ReservationInfo | AppError) -> AppError:
    """A week refused for another reason than its time being taken refuses the series."""
    assert isinstance(error, AppError)
    return closed_room() if isinstance(error, engine.ResourceClosed) else error


async def _reserve_run(
    *,
    room: Room,
    user_id: int,
    start: datetime,
    end: datetime,
    request: BookingIn,
    announce: bool,
    idempotency_key: str | None = None,
    now: datetime,
) -> BookingRow:
    """Reserve the grid run [start, end) through the engine; the booking row (and, for
    a single booking, its notices) commit in the engine's transaction with the time.
    A replay of `idempotency_key` returns the booking that reservation already has."""
    assert room.resource_id is not None
    slots = await engine.ensure_slots(
        resource_id=room.resource_id, start=start, end=end, step_minutes=room.slot_minutes
    )

    async def record(step: engine.Recording) -> BookingRow:
        await _same_grid(step.tx, room)
        row = await BookingRow.create(
            using_db=step.tx.conn,
            reservation_id=step.reservation.id,
            room_id=room.id,
            organizer_id=user_id,
            start=start,
            end=end,
            title=request.title.strip(),
            attendees=request.attendees,
            status="pending_approval" if step.reservation.status == "held" else "confirmed",
        )
        if announce:
            await _announce_created(step.tx, room=room, bookings=[row], skipped=0, now=now)
        return row

    try:
        reservation = await engine.reserve(
            resource_id=room.resource_id,
            user_id=user_id,
            slot_ids=[slot.id for slot in slots],
            hold=room.needs_approval,
            idempotency_key=idempotency_key,
            record=record,
            now=now,
        )
    except (Conflict, SlotFull) as exc:
        raise Conflict(
            "该会议室在所选时段已有预订", details={"room_id": room.id, **exc.details}
        ) from None
    except engine.ResourceClosed:  # closed after this request read the room
        raise closed_room() from None
    booked: BookingRow | None = reservation.record
    if booked is None:  # an idempotent replay: the row committed with the reservation
        booked = await BookingRow.get_or_none(reservation_id=reservation.id)
        if booked is None or booked.status not in HOLDING:
            raise Conflict("该会议室在所选时段已有预订", details={"room_id": room.id})
    return booked


async def _same_grid(tx: Tx, room: Room) -> None:
    """Inside the booking's transaction: the room still has the grid its slots were cut
    from and is still open (an admin's edit commits either before, and is seen here, or
    after, and sees this booking's slots)."""
    now_row = await Room.filter(id=room.id).using_db(tx.conn).first()
    if now_row is None or now_row.closed:
        raise closed_room()
    if (now_row.slot_minutes, now_row.open_from) != (room.slot_minutes, room.open_from):
        raise Conflict("会议室的时段设置刚刚变更，请重新选择时间", details={"room_id": room.id})


async def _announce_created(
    tx: Tx, *, room: Room, bookings: list[BookingRow], skipped: int, now: datetime
) -> None:
    first = bookings[0]
    when = when_text(first)
    count = f"共{len(bookings)}次" + (f"，{skipped}周因冲突跳过" if skipped else "")
    count = count if len(bookings) > 1 or skipped else ""
    if first.status == "confirmed":
        await tell(
            tx,
            booking=first,
            kind="meeting_confirmed",
            title="会议室预订成功",
            body=f"{room.building}{room.name} {when}「{first.title}」{count}",
            now=now,
        )
        return
    await tell(
        tx,
        booking=first,
        kind="meeting_confirmed",
        title="会议室预订已提交审批",
        body=f"{room.building}{room.name} {when}「{first.title}」{count}，审批通过后生效",
        now=now,
    )
    for admin_id in await identity.staff_with_role(role="admin"):
        await tell(
            tx,
            booking=first,
            user_id=admin_id,
            kind="meeting_pending",
            title="有会议室预订待审批",
            body=f"{room.building}{room.name} {when}「{first.title}」{count}",
            link=f"/pages/admin/approvals?id={first.id}",
            now=now,
        )


# --- reading -----------------------------------------------------------------------


async def booked(*, user_id: int, ref: str, now: datetime) -> Booking:
    """The booking a committed `create_booking` created: its transaction named the
    engine's reservation. The answer to a replay whose first answer was lost with
    its process."""
    row = await BookingRow.get(reservation_id=int(ref), organizer_id=user_id)
    return await booking_view(booking_id=row.id)


async def booking_view(*, booking_id: int) -> Booking:
    row = await BookingRow.get(id=booking_id).select_related("room", "organizer__staff")
    return Booking.of(row, organizer_name=_organizer_name(row))


def _organizer_name(row: BookingRow) -> str | None:
    staff = row.organizer.staff
    return staff.name if staff is not None else None


async def own_booking(*, user_id: int, booking_id: int) -> BookingRow:
    """The caller's own booking; anyone else's is indistinguishable from none (404)."""
    if not could_exist(booking_id):
        raise NotFound("预订不存在", details={"booking_id": booking_id})
    row = await BookingRow.get_or_none(id=booking_id, organizer_id=user_id).select_related(
        "room", "organizer__staff"
    )
    if row is None:
        raise NotFound("预订不存在", details={"booking_id": booking_id})
    return row


async def get_booking(*, user_id: int, booking_id: int) -> Booking:
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    return Booking.of(row, organizer_name=_organizer_name(row))


async def booking_ics(*, user_id: int, booking_id: int) -> str:
    """The booking as an iCalendar file the phone's calendar can import."""
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    return booking_calendar(row, organizer_name=_organizer_name(row))


async def list_bookings(
    *,
    user_id: int | None,
    status: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> Page[Booking]:
    """Newest first, by id (a stable cursor). `user_id=None` lists everyone's (admins)."""
    query = BookingRow.all().select_related("room", "organizer__staff")
    if user_id is not None:
        query = query.filter(organizer_id=user_id)
    if status is not None:
        query = query.filter(status=status)
    rows, next_cursor = await page(query, limit=limit, cursor=cursor)
    return Page(
        items=[Booking.of(row, organizer_name=_organizer_name(row)) for row in rows],
        next_cursor=next_cursor,
    )


# --- changes -----------------------------------------------------------------------


Claim = Callable[[Tx], Awaitable[None]]


def claims(
    booking_id: int, *, expected: tuple[str, ...], to: str, now: datetime, **changes: Any
) -> Claim:
    """A step that moves a booking from one of `expected` to `to` in `tx`, or raises
    InvalidState if someone else moved it first (the whole action then rolls back).
    `updated_at` moves too: the .ics SEQUENCE grows from it, so calendars take the change."""

    async def claim(tx: Tx) -> None:
        rows = BookingRow.filter(id=booking_id, status__in=expected)
        await move(tx, rows, status=to, updated_at=now, **changes)

    return claim


async def end_booking(
    *,
    row: BookingRow,
    expected: tuple[str, ...],
    to: str,
    now: datetime,
    notice: Notice | None = None,
    **changes: Any,
) -> None:
    """End a holding booking with a freeing status and give its time back at once: the
    row's change (and the notice about it) commit in the engine's cancel transaction."""
    claim = claims(row.id, expected=expected, to=to, now=now, **changes)

    async def record(step: engine.Recording) -> None:
        await claim(step.tx)
        if notice is not None:
            await tell(
                step.tx,
                booking=row,
                kind=notice.kind,
                title=notice.title,
                body=notice.body,
                now=now,
            )

    try:
        await engine.cancel(reservation_id=row.reservation_id, status=to, record=record, now=now)
    except InvalidState:
        current = await BookingRow.get(id=row.id)
        raise InvalidState(current.status, "预订状态已变化，请刷新后重试") from None
    row.status = to


async def cancel_booking(*, user_id: int, booking_id: int, now: datetime) -> Booking:
    """The organizer gives the room back; the time is free for others at once."""
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    if row.status not in HOLDING:
        raise InvalidState(row.status, "该预订已结束，不能取消")
    if row.end <= now:
        raise TooLate("会议已结束，不能取消")
    await end_booking(row=row, expected=HOLDING, to="cancelled", now=now)
    return await booking_view(booking_id=row.id)


async def check_in(*, user_id: int, booking_id: int, now: datetime) -> Booking:
    """Check-in from start − 10 min to start + 15 min; a repeated check-in is a no-op."""
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    if row.status == "confirmed" and row.checked_in_at is not None:
        return Booking.of(row, organizer_name=_organizer_name(row))
    if row.status != "confirmed":
        raise InvalidState(row.status, "只有已确认的预订可以签到")
    opens, closes = row.start - CHECKIN_OPENS, row.start + CHECKIN_CLOSES
    if now < opens:
        raise TooEarly("签到将于会议开始前10分钟开放", details={"opens_at": wire(opens)})
    if now > closes:
        raise TooLate("已超过签到时间（开始后15分钟）", details={"closed_at": wire(closes)})
    updated = await BookingRow.filter(id=row.id, status="confirmed", checked_in_at=None).update(
        checked_in_at=now, updated_at=now
    )
    if not updated:  # released by the job or cancelled in the meantime, or a double tap
        current = await BookingRow.get(id=row.id)
        if current.status != "confirmed":
            raise InvalidState(current.status, "预订状态已变化，请刷新后重试")
    return await booking_view(booking_id=row.id)


# --- notices -----------------------------------------------------------------------


def when_text(row: BookingRow) -> str:
    start, end = row.start.astimezone(tz()), row.end.astimezone(tz())
    return f"{start:%m月%d日 %H:%M}–{end:%H:%M}"


@dataclass(frozen=True)
class Notice:
    """What to tell about a booking; written with the change it reports."""

    kind: str
    title: str
    body: str


async def tell(
    tx: Tx,
    *,
    booking: BookingRow,
    kind: str,
    title: str,
    body: str,
    now: datetime,
    user_id: int | None = None,
    link: str | None = None,
) -> None:
    """A notice about a booking (to its organizer unless `user_id`), in `tx`."""
    await notify(
        tx=tx,
        user_id=user_id if user_id is not None else booking.organizer_id,
        kind=kind,
        title=title,
        body=body,
        link=link or f"/pages/meetings/booking?id={booking.id}",
        template_data={"start": f"{booking.start.astimezone(tz()):%Y-%m-%d %H:%M}"},
        now=now,
    )


async def bookings_of(reservation_ids: list[int]) -> set[int]:
    """Which of these reservations have their booking row (the engine's orphan repair)."""
    found: list[Any] = await BookingRow.filter(reservation_id__in=reservation_ids).values_list(
        "reservation_id", flat=True
    )
    return {int(r) for r in found}
