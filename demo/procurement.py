"""Demo purchase requests (python -m server seed-demo): three departments with their
heads, the procurement office, and requests in every state.

Requests go through the real service functions, so their audit trails and notices are
genuine. Login codes `demo-D0001` … `demo-D0003` are the heads, `demo-P0001` procurement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from demo import demo_account
from models.identity import Staff
from models.procurement import PurchaseRequest
from services import identity
from services.identity import Principal
from services.procurement.requests import act, submit
from services.procurement.rules import wire_stage

Item = dict[str, Any]


def _item(name: str, spec: str, qty: int, unit: str, price_fen: int) -> Item:
    return {"name": name, "spec": spec, "qty": qty, "unit": unit, "unit_price_fen": price_fen}


# requester, title, reason, category, items, days ago, steps [(action, actor, extra)]
DEMO_REQUESTS: list[tuple[str, str, str, str, list[Item], int, list[tuple[str, str, Item]]]] = [
    (
        "S0001",
        "第四季度打印纸采购",
        "科室日常打印用纸已用完，需补充。",
        "office",
        [_item("A4复印纸", "70g 500张/包", 40, "包", 2450)],
        1,
        [],
    ),
    (
        "S0002",
        "财务科硒鼓更换",
        "两台激光打印机硒鼓耗尽。",
        "office",
        [_item("激光打印机硒鼓", "HP 88A", 4, "个", 36000)],
        4,
        [("approve", "D0002", {"comment": "同意，请采购办尽快办理。"})],
    ),
    (
        "S0003",
        "会议室办公桌椅更新",
        "第二会议室桌椅使用超过十年，多处损坏。",
        "furniture",
        [
            _item("会议桌", "2400×1200mm 胡桃木色", 2, "张", 280000),
            _item("会议椅", "网布 带扶手", 12, "把", 45000),
        ],
        6,
        [
            ("approve", "D0003", {"comment": "情况属实，同意更新。"}),
            ("approve", "P0001", {"comment": "预算内，报分管领导审批。"}),
        ],
    ),
    (
        "S0001",
        "便携投影仪",
        "下乡调研汇报需要便携投影设备。",
        "equipment",
        [_item("便携投影仪", "1080P 3000流明", 1, "台", 380000)],
        9,
        [
            ("approve", "D0001", {"comment": "同意。"}),
            ("approve", "P0001", {"comment": "同意，金额在限额内。"}),
        ],
    ),
    (
        "S0002",
        "碎纸机采购",
        "涉密文件销毁需要保密碎纸机。",
        "equipment",
        [_item("保密碎纸机", "5级保密 大容量", 1, "台", 198000)],
        15,
        [
            ("approve", "D0002", {"comment": "同意。"}),
            ("approve", "P0001", {"comment": "同意。"}),
            ("order", "P0001", {"supplier": "市政府采购协议供货商·晨光办公", "amount_fen": 189000}),
        ],
    ),
    (
        "S0003",
        "档案盒及文件夹",
        "年度档案整理归档。",
        "office",
        [
            _item("档案盒", "A4 5cm 无酸纸", 200, "个", 850),
            _item("文件夹", "A4 双强力夹", 100, "个", 650),
        ],
        20,
        [
            ("approve", "D0003", {"comment": "同意。"}),
            ("approve", "P0001", {"comment": "同意。"}),
            ("order", "P0002", {"supplier": "晨光办公用品有限公司", "amount_fen": 230000}),
            ("receive", "P0002", {"comment": "已到货，数量规格核对无误。"}),
        ],
    ),
    (
        "S0001",
        "办公室绿植租摆",
        "改善办公环境。",
        "other",
        [_item("绿植租摆", "中型 季度", 10, "盆", 12000)],
        5,
        [("reject", "D0001", {"comment": "非必需支出，今年预算紧张，暂不安排。"})],
    ),
    (
        "S0003",
        "移动硬盘",
        "资料备份。",
        "equipment",
        [_item("移动硬盘", "2TB USB3.0", 2, "块", 52000)],
        3,
        [("withdraw", "S0003", {"comment": ""})],
    ),
]
DEMO_ACCOUNTS = ("S0001", "S0002", "S0003", "D0001", "D0002", "D0003", "P0001", "P0002")


async def _principal(employee_no: str) -> Principal:
    user = await demo_account(employee_no)
    return identity.principal_for(user, await Staff.get(employee_no=employee_no))


async def seed(*, now: datetime) -> list[str]:
    """Idempotent: a demo request already present (same requester and title) is kept."""
    people = {no: await _principal(no) for no in DEMO_ACCOUNTS}
    created = 0
    for requester, title, reason, category, items, days, steps in DEMO_REQUESTS:
        who = people[requester]
        if await PurchaseRequest.exists(requester_id=who.user_id, title=title):
            continue
        at = now - timedelta(days=days)
        request = await submit(
            principal=who,
            title=title,
            reason=reason,
            category=category,
            items=items,
            attachment_ids=[],
            now=at,
        )
        for number, (action, actor, extra) in enumerate(steps, start=1):
            request = await act(
                request_id=request.id,
                principal=people[actor],
                action=action,
                now=at + timedelta(hours=3 * number),
                comment=str(extra.get("comment", "")),
                stage=wire_stage(request.status),
                supplier=extra.get("supplier"),
                amount_fen=extra.get("amount_fen"),
            )
        created += 1
    return [
        "procurement: heads 马志远/黄丽华/林国栋 (demo-D0001 … demo-D0003), "
        f"procurement 徐敏/高洁 (demo-P0001, demo-P0002), {created} demo requests new "
        f"({len(DEMO_REQUESTS)} in all)"
    ]
