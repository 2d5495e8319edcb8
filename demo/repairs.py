"""Demo repair data: the crew accounts and a ticket in every state (python -m server seed-demo).

Demo accounts are bound to the openid the fake WeChat gives for the README's login codes
`demo-<employee_no>`, so `POST /auth/login {"code": "demo-F0001"}` logs in as the
facility lead 周强 in development.
S0002 张伟 is left unbound for the walk in docs/repairs.md.
Tickets go through the real service functions, so their timelines are genuine.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from demo import demo_account
from models.identity import Staff
from models.repairs import Ticket
from services import identity
from services.identity import Principal
from services.repairs import tickets as repairs

# requester, category, location, description, steps [(action, minutes after report, actor, extra)]
DEMO_TICKETS: list[tuple[str, str, str, str, int, list[tuple[str, int, str, dict[str, Any]]]]] = [
    (
        "S0001",
        "electrical",
        "行政中心A座3楼 302会议室",
        "投影仪插座没电，插上电源指示灯不亮。",
        10,
        [],
    ),
    ("S0003", "electrical", "行政中心A座1楼 大厅", "大厅东侧吊顶照明灯持续闪烁。", 120, []),
    (
        "S0003",
        "plumbing",
        "行政中心B座1楼 东侧卫生间",
        "洗手池下水堵塞，地面有积水。",
        90,
        [("assign", 20, "F0001", {"assignee": "F0002"})],
    ),
    (
        "S0004",
        "hvac",
        "行政中心C座5楼 512办公室",
        "空调制热不工作，出风口一直吹冷风。",
        300,
        [("assign", 15, "F0001", {"assignee": "F0003"}), ("start", 60, "F0003", {})],
    ),
    (
        "S0001",
        "it",
        "行政中心A座2楼 财务科",
        "墙上网口无法上网，电脑提示网络电缆被拔出。",
        26 * 60,
        [
            ("assign", 10, "F0001", {"assignee": "F0004"}),
            ("start", 40, "F0004", {}),
            ("resolve", 95, "F0004", {"note": "更换了损坏的网络模块，已测试正常。"}),
        ],
    ),
    (
        "S0003",
        "furniture",
        "行政中心B座4楼 第二会议室",
        "会议桌桌腿松动，桌面明显晃动。",
        4 * 24 * 60,
        [
            ("assign", 25, "F0001", {"assignee": "F0002"}),
            ("start", 120, "F0002", {}),
            ("resolve", 180, "F0002", {"note": "已加固桌腿螺丝并更换垫片。"}),
            ("confirm", 300, "S0003", {}),
            ("rate", 301, "S0003", {"score": 5, "note": "师傅很快就修好了，非常满意！"}),
        ],
    ),
    (
        "S0004",
        "other",
        "地下停车场B2入口",
        "车库感应门反应迟钝，需要停车等待很久。",
        2 * 24 * 60,
        [("cancel", 30, "S0004", {"note": "已自行恢复正常，撤销报修。"})],
    ),
]
DEMO_ACCOUNTS = ("F0001", "F0002", "F0003", "F0004", "S0001", "S0003", "S0004")


async def demo_principal(employee_no: str) -> Principal:
    """The account bound to a demo directory entry (login code `demo-<employee_no>`)."""
    user = await demo_account(employee_no)
    staff = await Staff.get(employee_no=employee_no)
    return identity.principal_for(user, staff)


async def seed(*, now: datetime) -> list[str]:
    """Idempotent: a demo ticket already present (same requester, place, text) is kept."""
    people = {no: await demo_principal(no) for no in DEMO_ACCOUNTS}
    created = 0
    for requester, category, location, description, age_min, steps in DEMO_TICKETS:
        who = people[requester]
        if await Ticket.exists(
            requester_id=who.user_id, location=location, description=description
        ):
            continue
        reported = now - timedelta(minutes=age_min)
        ticket = await repairs.report(
            principal=who,
            category=category,
            location=location,
            description=description,
            photo_ids=[],
            now=reported,
        )
        for action, after_min, actor, extra in steps:
            assignee = people[extra["assignee"]].user_id if "assignee" in extra else None
            await repairs.act(
                ticket_id=ticket.id,
                principal=people[actor],
                action=action,
                now=reported + timedelta(minutes=after_min),
                note=str(extra.get("note", "")),
                assignee_id=assignee,
                score=extra.get("score"),
            )
        created += 1
    return [
        "repairs: lead 周强 and crew 吴磊/郑海/冯涛 bound "
        "(login codes demo-F0001 … demo-F0004), "
        f"{created} demo tickets new ({len(DEMO_TICKETS)} in all)"
    ]
