"""The counters: today's queue, calling the next person, and finishing each errand.

A call takes the head of the queue exactly once however many counters call at once:
the call is counted on the day row first (a conditional UPDATE whose row lock lasts
until the call commits), so calls run one after another per day, each reading the queue
as the previous call left it; the appointment then moves waiting → called with a
conditional UPDATE as a second guard. The owner is told which counter to go to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.queryset import QuerySet

import booking
from models import could_exist
from models.duty import Appointment
from models.identity import Staff, User
from models.uploads import Upload
from server.clock import today
from server.errors import InvalidState, NotFound, TooEarly
from server.tx import Tx, move, transaction
from services.duty import queue, shapes
from services.duty.common import appointment_view, link
from services.notifications import notify
from services.text import mask_name

NO_SHOW_AFTER = timedelta(minutes=10)  # called and not come: the counter may pass


async def _people(user_ids: list[int]) -> dict[int, tuple[str, str]]:
    """user id → (name, department) from the directory."""
    users = await User.filter(id__in=user_ids).values_list("id", "staff_id")
    staff_ids = {int(s) for _, s in users if s is not None}
    directory = {
        int(row[0]): (str(row[1]), str(row[2]))
        for row in await Staff.filter(id__in=staff_ids).values_list("id", "name", "department")
    }
    return {int(u): directory.get(int(s), ("", "")) for u, s in users if s is not None}


async def _documents(appointment_ids: list[int]) -> dict[int, list[shapes.Document]]:
    rows = (
        await Upload.filter(duty_appointment_id__in=appointment_ids)
        .order_by("id")
        .values_list("duty_appointment_id", "id", "content_type")
    )
    found: dict[int, list[shapes.Document]] = {}
    for appointment_id, upload_id, content_type in rows:
        found.setdefault(int(appointment_id), []).append(
            shapes.Document(id=int(upload_id), url=int(upload_id), content_type=str(content_type))
        )
    return found


async def _entries(
    rows: list[Appointment], *, positions: dict[int, int]
) -> list[shapes.DeskAppointment]:
    people = await _people([r.user_id for r in rows])
    documents = await _documents([r.id for r in rows])
    entries = []
    for row in rows:
        name, department = people.get(row.user_id, ("", ""))
        seen = appointment_view(row, position=positions.get(row.id))
        entries.append(
            shapes.DeskAppointment(
                **dict(seen),
                name_masked=mask_name(name),
                department=department,
                documents=documents.get(row.id, []),
            )
        )
    return entries


async def today_queue(*, now: datetime) -> shapes.Queue:
    """Who waits, in call order, and who is at a counter now."""
    waiting = await queue.waiting(now=now)
    current = (
        await Appointment.filter(status__in=("called", "serving"), date__lte=today(now))
        .order_by("called_at", "id")
        .select_related("service", "slot")
        .limit(queue.QUEUE_LIMIT)
    )
    positions = {row.id: place for place, row in enumerate(waiting, start=1)}
    return shapes.Queue(
        items=await _entries(waiting, positions=positions),
        current=await _entries(list(current), positions={}),
    )


async def call_next(*, clerk_id: int, counter: int, now: datetime) -> shapes.DeskAppointment:
    """The head of the queue, now `called` at `counter`; 404 when nobody waits."""
    day = today(now)
    await queue.ensure_day(day)
    async with transaction() as tx:
        sequence = await queue.count_call(tx, day=day)
        head = next(iter(await queue.waiting(now=now, conn=tx.conn)), None)
        if head is None:
            raise NotFound("当前没有等候的人")
        await move(
            tx,
            Appointment.filter(id=head.id, status="waiting"),
            message="该号已被其他窗口叫走，请重试",
            status="called",
            counter=counter,
            called_at=now,
            call_seq=sequence,
            called_by_id=clerk_id,
        )
        if head.kind != "errand":  # an errand's owner need not come
            await notify(
                tx=tx,
                user_id=head.user_id,
                kind="duty_called",
                title=f"请到 {counter} 号窗口",
                body=f"{head.ticket_no or ''} {head.service.name}：请到 {counter} 号窗口办理。",
                link=link(head.id),
                template_data={"ticket_no": head.ticket_no or "", "counter": str(counter)},
                now=now,
            )
    head.status, head.counter, head.called_at = "called", counter, now
    return (await _entries([head], positions={}))[0]


async def _at_counter(appointment_id: int) -> Appointment:
    row = (
        await Appointment.get_or_none(id=appointment_id).select_related("service", "slot")
        if could_exist(appointment_id)
        else None
    )
    if row is None:
        raise NotFound("预约不存在")
    return row


async def _finish(
    row: Appointment, *, status: str, changes: dict[str, object], now: datetime, tell: bool
) -> None:
    """Move `row` to a final state; its engine place ends with it (completed or no-show)."""
    state = Appointment.filter(id=row.id, status=row.status)
    final = {"status": status, "live_key": None, "finished_at": now, **changes}

    async def record(step: booking.Recording) -> None:
        await _final_step(step.tx, row, state=state, final=final, now=now, tell=tell)

    if row.reservation_id is not None:
        engine_status = "completed" if status == "done" else "no_show"
        await booking.finish(
            reservation_id=row.reservation_id, status=engine_status, record=record, now=now
        )
    else:
        async with transaction() as tx:
            await _final_step(tx, row, state=state, final=final, now=now, tell=tell)


async def _final_step(
    tx: Tx,
    row: Appointment,
    *,
    state: QuerySet[Appointment],
    final: dict[str, object],
    now: datetime,
    tell: bool,
) -> None:
    await move(tx, state, message="预约状态已变化", **final)
    if not tell:
        return
    if final["status"] == "done":
        fee = final.get("fee_fen")
        fee_text = f"，费用 ¥{int(fee) / 100:.2f}" if isinstance(fee, int) else ""
        await notify(
            tx=tx,
            user_id=row.user_id,
            kind="duty_done",
            title=f"{row.service.name} 已办结",
            body=f"{final.get('result_note') or '已办结'}{fee_text}。欢迎评价本次服务。",
            link=link(row.id),
            now=now,
        )


async def start(*, appointment_id: int, now: datetime) -> shapes.DeskAppointment:
    """called → serving (the person is at the counter, or the clerk took up the errand)."""
    row = await _at_counter(appointment_id)
    if row.status != "called":
        raise InvalidState(row.status, "只有已叫号的可以开始办理")
    async with transaction() as tx:
        await move(
            tx,
            Appointment.filter(id=row.id, status="called"),
            message="预约状态已变化",
            status="serving",
            started_at=now,
        )
    row.status = "serving"
    return (await _entries([row], positions={}))[0]


async def done(
    *, appointment_id: int, result_note: str, fee_fen: int | None, now: datetime
) -> shapes.DeskAppointment:
    """serving → done, the owner told the result."""
    row = await _at_counter(appointment_id)
    if row.status != "serving":
        raise InvalidState(row.status, "只有办理中的可以办结")
    await _finish(
        row,
        status="done",
        changes={"result_note": result_note, "fee_fen": fee_fen},
        now=now,
        tell=True,
    )
    return await _entries_of(row.id)


async def needs_info(*, appointment_id: int, note: str, now: datetime) -> shapes.DeskAppointment:
    """called or serving → needs_info: back to its owner, who is told what is missing;
    their documents put it back at the head of the queue."""
    row = await _at_counter(appointment_id)
    if row.status not in ("called", "serving"):
        raise InvalidState(row.status, "只有已叫号或办理中的可以要求补件")
    async with transaction() as tx:
        await move(
            tx,
            Appointment.filter(id=row.id, status=row.status),
            message="预约状态已变化",
            status="needs_info",
            info_note=note,
        )
        await notify(
            tx=tx,
            user_id=row.user_id,
            kind="duty_needs_info",
            title=f"{row.service.name} 需要补充材料",
            body=note,
            link=link(row.id),
            now=now,
        )
    return await _entries_of(row.id)


async def no_show(*, appointment_id: int, now: datetime) -> shapes.DeskAppointment:
    """called for 10 min and nobody came: no_show (the counter moves on)."""
    row = await _at_counter(appointment_id)
    if row.status != "called":
        raise InvalidState(row.status, "只有已叫号未到的可以过号")
    if row.called_at is None or now < row.called_at + NO_SHOW_AFTER:
        raise TooEarly("叫号10分钟后仍未到场才能过号")
    await _finish(row, status="no_show", changes={}, now=now, tell=False)
    return await _entries_of(row.id)


async def _entries_of(appointment_id: int) -> shapes.DeskAppointment:
    return (await _entries([await _at_counter(appointment_id)], positions={}))[0]
