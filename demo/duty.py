"""Demo data of the duty station: its five services, two weeks of counter slots, and a
day of finished numbers (so the report, the TV and the counters have something to show)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from models.duty import Appointment, DutyDay, DutyService, DutySlot
from server.clock import day_bounds, today, tz
from services.duty import catalog

SERVICES = [
    # name, mode, minutes, documents, fee note, description
    (
        "车辆办证年审",
        "appointment",
        20,
        ["行驶证", "身份证", "交强险保单"],
        "年审费用按车管所标准据实收取",
        "公务及个人车辆年检、补换证件，由勤务站统一送检",
    ),
    (
        "违章处理",
        "walk_in",
        10,
        ["驾驶证", "行驶证"],
        "罚款按处罚决定书金额缴纳",
        "交通违法查询与处理",
    ),
    (
        "车辆租赁",
        "appointment",
        15,
        ["用车申请单", "驾驶证"],
        "按租赁协议价结算",
        "临时公务用车租赁",
    ),
    (
        "手机业务",
        "walk_in",
        15,
        ["身份证", "工作证"],
        "按运营商资费",
        "集团号码办理、套餐变更、补卡",
    ),
    (
        "票务预订",
        "errand",
        10,
        ["出差审批单", "身份证正反面"],
        "票款据实结算",
        "火车票、机票代订，出票后通知",
    ),
]
COUNTERS = {"车辆办证年审": 2, "车辆租赁": 1}


async def seed(*, now: datetime) -> list[str]:
    from demo import demo_account

    made = 0
    by_name: dict[str, DutyService] = {}
    for name, mode, minutes, documents, fee, description in SERVICES:
        row, created = await DutyService.get_or_create(
            name=name,
            defaults={
                "mode": mode,
                "minutes": minutes,
                "documents": documents,
                "fee_note": fee,
                "description": description,
            },
        )
        by_name[name] = row
        made += int(created)
    lines = [f"duty: {len(SERVICES)} services ({made} new)"]

    first = today(now)
    days = 0
    for offset in range(14):
        day = first + timedelta(days=offset)
        start, end = day_bounds(day)
        has_slots = await DutySlot.filter(start__gte=start, start__lt=end).exists()
        if day.weekday() >= 5 or has_slots:
            continue
        await catalog.create_slots(
            day=day,
            open_from=time(9, 0),
            open_to=time(17, 0),
            slot_minutes=30,
            counters={by_name[name].id: count for name, count in COUNTERS.items()},
        )
        days += 1
    lines.append(f"duty: counter slots 09:00-17:00 for two weeks, {days} new workdays")

    finished = first - timedelta(days=1)
    while finished.weekday() >= 5:
        finished -= timedelta(days=1)
    if not await Appointment.filter(date=finished).exists():
        await _finished_day(
            finished,
            by_name=by_name,
            people=[(await demo_account(no)).id for no in ("S0001", "S0002", "S0003", "S0004")],
        )
        lines.append(f"duty: a day of finished numbers on {finished}")
    return lines


async def _finished_day(day: date, *, by_name: dict[str, DutyService], people: list[int]) -> None:
    opens = datetime.combine(day, time(9, 0), tzinfo=tz())
    station, _ = await DutyDay.get_or_create(
        date=day, defaults={"open_from": opens, "open_to": opens + timedelta(hours=8)}
    )
    plan = [
        ("违章处理", "walk_in", "已处理违章2条，扣3分", 20000),
        ("手机业务", "walk_in", "已办理集团号码套餐变更", None),
        ("违章处理", "walk_in", "已处理违章1条", 5000),
        ("票务预订", "errand", "已出票：G1234 北京南—上海虹桥", 55300),
        ("手机业务", "walk_in", "已补办SIM卡", 1000),
        ("违章处理", "walk_in", "", None),
        ("票务预订", "errand", "已出票：MU5101 北京首都—上海虹桥", 128000),
        ("手机业务", "walk_in", "已开通国际漫游", None),
    ]
    tickets = 0
    for index, (name, kind, result, fee) in enumerate(plan):
        queued = opens + timedelta(minutes=25 * index)
        called = queued + timedelta(minutes=6 + index % 4)
        started = called + timedelta(minutes=2)
        no_show = not result
        ticket = None
        if kind == "walk_in":
            tickets += 1
            ticket = f"B{tickets:03d}"
        await Appointment.create(
            user_id=people[index % len(people)],
            service_id=by_name[name].id,
            kind=kind,
            status="no_show" if no_show else "done",
            date=day,
            ticket_no=ticket,
            counter=1 + index % 2,
            result_note=result,
            fee_fen=fee,
            queued_at=queued,
            checked_in_at=queued if kind == "walk_in" else None,
            called_at=called,
            call_seq=index + 1,
            started_at=None if no_show else started,
            finished_at=called + timedelta(minutes=10)
            if no_show
            else started + timedelta(minutes=9),
            created_at=queued,
        )
    await DutyDay.filter(id=station.id).update(last_b=tickets, calls=len(plan))
