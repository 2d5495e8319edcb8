"""Demo data for the gym alliance: a handful of real-looking partner gyms (yoga,
swimming, badminton, fitness) with a week of classes from today (idempotent)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from models.gym import Gym, GymDeskKey
from server import resources
from services.gym.catalog import SessionIn, create_gym, create_sessions
from services.gym.desk import issue_key

# name, address, offer, open_hours, walk_in, [(class, coach, HH:MM, minutes, capacity)]
DEMO_GYMS = [
    (
        "悦心瑜伽馆（政务中心店）",
        "市民路88号政务中心B座2楼",
        "职工专享：团课与到店练习均免费，每月计入次数",
        "09:00-21:30",
        True,
        [("流瑜伽", "林静", "12:10", 50, 16), ("阴瑜伽", "苏晓", "18:30", 60, 16)],
    ),
    (
        "蓝鲸游泳馆",
        "体育中心路12号市游泳中心",
        "职工价 ¥15/次（原价 ¥45），含淋浴与储物柜",
        "06:30-22:00",
        True,
        [("成人蛙泳入门", "赵海", "19:00", 60, 12)],
    ),
    (
        "羽动羽毛球俱乐部",
        "科技园区创新大道6号",
        "场地 5 折，周中晚间团课免费",
        "08:00-22:00",
        True,
        [("羽毛球进阶团课", "陈锋", "18:00", 90, 10)],
    ),
    (
        "力行健身工作室",
        "政务中心南门对面金融大厦1楼",
        "团课免费，私教课 7 折",
        "07:00-22:30",
        False,
        [("午间燃脂HIIT", "周琪", "12:15", 40, 20), ("动感单车", "王磊", "19:30", 45, 24)],
    ),
]


# A partner whose agreement ended: the admin's list shows it inactive, members never see it.
ENDED_GYM = ("康途健身（已停止合作）", "滨江路3号", "合作已于上月结束", "08:00-21:00")


async def seed(*, now: datetime) -> list[str]:
    """The demo gyms, a desk key for the first, and 7 days of classes from today."""
    tz = resources.settings().tz
    today = now.astimezone(tz).date()
    lines: list[str] = []
    created = 0
    for name, address, offer, hours, walk_in, classes in DEMO_GYMS:
        gym = await Gym.get_or_none(name=name)
        if gym is not None:
            continue
        view = await create_gym(
            name=name, address=address, offer=offer, open_hours=hours, walk_in=walk_in
        )
        sessions = []
        for day in (today + timedelta(days=n) for n in range(7)):
            for title, coach, clock, minutes, capacity in classes:
                hours_, mins = (int(p) for p in clock.split(":"))
                start = datetime.combine(day, time(hours_, mins), tzinfo=tz)
                sessions.append(
                    SessionIn(title, coach, start, start + timedelta(minutes=minutes), capacity)
                )
        await create_sessions(gym_id=view.id, sessions=sessions, weeks=1)
        created += 1
        if not await GymDeskKey.exists(gym_id=view.id):
            key = await issue_key(gym_id=view.id)
            lines.append(f"gym desk key of {name} (shown once): {key.key}")
    if not await Gym.exists(name=ENDED_GYM[0]):
        name, address, offer, hours = ENDED_GYM
        await create_gym(
            name=name, address=address, offer=offer, open_hours=hours, walk_in=False, active=False
        )
        lines.append(f"gym alliance: {name} (inactive)")
    lines.insert(0, f"gym alliance: {len(DEMO_GYMS)} demo gyms ({created} new), 7 days of classes")
    return lines
