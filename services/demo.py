"""`python -m server seed-demo`: idempotent demo data for every landed scenario.

Each domain may expose `async def seed_demo(*, now) -> list[str]` in its service
module; they are run in the order of DEMO_ORDER, after the staff directory.
"""

from __future__ import annotations

import importlib
from datetime import datetime

from services import identity

# employee_no, name, department, roles
DEMO_STAFF = [
    ("A0001", "王建国", "机关事务管理局", ["admin"]),
    ("S0001", "李晓梅", "发展和改革委员会", ["staff"]),
    ("S0002", "张伟", "财政局", ["staff"]),
    ("S0003", "刘芳", "教育局", ["staff"]),
    ("S0004", "陈静", "自然资源局", ["staff"]),
    ("C0001", "赵师傅", "机关食堂", ["canteen"]),
    ("C0002", "孙红", "机关食堂", ["canteen"]),
    ("F0001", "周强", "物业维修中心", ["facility_lead"]),
    ("F0002", "吴磊", "物业维修中心", ["facility"]),
    ("F0003", "郑海", "物业维修中心", ["facility"]),
    ("F0004", "冯涛", "物业维修中心", ["facility"]),
    ("G0001", "钱卫东", "安保部", ["guard"]),
    ("G0002", "何勇", "安保部", ["guard"]),
]

# Service modules whose seed_demo() runs after the directory, in this order.
DEMO_ORDER = ["meals", "meetings", "repairs", "visitors", "notifications"]


async def seed(*, now: datetime) -> list[str]:
    rows = [
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in DEMO_STAFF
    ]
    result = await identity.import_staff(rows=rows, now=now)
    lines = [f"staff directory: {len(rows)} demo entries ({result['created']} new)"]
    for domain in DEMO_ORDER:
        try:
            module = importlib.import_module(f"services.{domain}")
        except ModuleNotFoundError:
            continue
        seed_demo = getattr(module, "seed_demo", None)
        if seed_demo is not None:
            lines.extend(await seed_demo(now=now))
    return lines
