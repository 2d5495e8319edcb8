"""`python -m server seed-demo`: idempotent demo data for every landed scenario.

One module per domain here (`demo/<domain>.py` with `async def seed(*, now) -> list[str]`),
run in the order of DEMO_ORDER after the staff directory. Demo data is never imported
by production code (services/, booking/, models/, handlers/): it may lean on the fakes
of miniapp_stub/.
"""

from __future__ import annotations

import importlib
from datetime import datetime

from miniapp_stub.fake_wechat import identity_for_code
from models.identity import Staff, User
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
    # service-quality assessment: inspectors (I) and the contracted teams' contacts (Q)
    ("I0001", "孙检查", "机关事务管理局", ["inspector"]),
    ("I0002", "黄文静", "机关事务管理局", ["inspector"]),
    ("Q0001", "马保国", "江城保安服务有限公司", ["staff"]),
    ("Q0002", "林会芳", "嘉会会务服务有限公司", ["staff"]),
    ("Q0003", "徐大厨", "和味餐饮管理有限公司", ["staff"]),
    ("Q0004", "杨洁", "洁美物业服务有限公司", ["staff"]),
    ("Q0005", "田青禾", "青禾园林绿化有限公司", ["staff"]),
    ("Q0006", "高恒信", "恒信机电设备工程有限公司", ["staff"]),
    ("L0001", "林书华", "机关图书室", ["librarian"]),
    ("W0001", "马师傅", "洗车服务站", ["carwash"]),
    ("W0002", "林小军", "洗车服务站", ["carwash"]),
    ("D0001", "马志远", "发展和改革委员会", ["dept_head"]),
    ("D0002", "黄丽华", "财政局", ["dept_head"]),
    ("D0003", "林国栋", "教育局", ["dept_head"]),
    ("P0001", "徐敏", "机关事务管理局", ["procurement"]),
    ("P0002", "高洁", "机关事务管理局", ["procurement"]),
    ("Z0001", "周勤", "勤务站", ["duty_station"]),
    ("Z0002", "吴敏", "勤务站", ["duty_station"]),
]
# Entries that no longer work here (active=false): the admin's staff search shows them.
DEMO_INACTIVE_STAFF = [
    ("S0090", "周退休", "财政局", ["staff"]),
]


async def demo_account(employee_no: str) -> User:
    """The WeChat account bound to a demo directory entry, made and bound if needed.

    An entry nobody is bound to yet gets the account the fake WeChat gives to the login
    code `demo-<employee_no>`, so `POST /auth/login {"code": "demo-S0001"}` logs in as
    the seeded 李晓梅 with her demo data (the README's walks use these codes).
    """
    staff = await Staff.get(employee_no=employee_no)
    user = await User.get_or_none(staff_id=staff.id)
    if user is not None:
        return user
    openid = identity_for_code(f"demo-{employee_no}")["openid"]
    user, _ = await User.get_or_create(openid=openid)
    if user.staff_id is None:
        user.staff = staff
        await user.save(update_fields=["staff_id"])
    return user


# Service modules whose seed_demo() runs after the directory, in this order.
DEMO_ORDER = [
    "meals",
    "meetings",
    "repairs",
    "visitors",
    "library",
    "notifications",
    "gym",
    "assessment",
    "carwash",
    "procurement",
    "duty",
]


async def seed(*, now: datetime) -> list[str]:
    rows = [
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in DEMO_STAFF
    ] + [
        {"employee_no": no, "name": name, "department": dept, "roles": roles, "active": False}
        for no, name, dept, roles in DEMO_INACTIVE_STAFF
    ]
    result = await identity.import_staff(rows=rows, now=now)
    lines = [f"staff directory: {len(rows)} demo entries ({result.created} new)"]
    for domain in DEMO_ORDER:
        try:
            module = importlib.import_module(f"demo.{domain}")
        except ModuleNotFoundError:
            continue  # a domain without demo data
        lines.extend(await module.seed(now=now))
    return lines
