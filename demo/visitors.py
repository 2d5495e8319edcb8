"""Demo visitor passes: one in each state for 李晓梅 (S0001), entries by 钱卫东 (G0001)."""

from __future__ import annotations

from datetime import datetime, timedelta

from demo import demo_account
from models.identity import Staff, User
from models.visitors import GateEntry, Pass
from services.visitors.invitations import insert_pass

# visitor, phone, plate, purpose, window start / end (hours from now), max, used, status
_DEMO_PASSES: list[tuple[str, str, str | None, str, float, float, int, int, str]] = [
    ("王志刚", "13912345601", None, "参加数字政务平台项目评审会", -1, 7, 1, 0, "active"),
    ("黄海涛", "13812345602", "苏A3K729", "会议室投影设备安装调试", -2, 46, 5, 1, "active"),
    ("林淑华", "13712345603", None, "商洽年度物业服务合同", 24, 32, 1, 0, "active"),
    ("马丽", "15012345604", None, "参加公开遴选面试", -26, 6, 1, 1, "used_up"),
    ("徐明", "18612345605", "浙B6F789", "送达会议材料", 24, 48, 2, 0, "revoked"),
    ("高建华", "17712345606", "皖A8M201", "基层调研座谈", -72, -64, 2, 1, "expired"),
]


async def _demo_user(employee_no: str) -> User | None:
    """The account of a demo directory entry (login code `demo-<employee_no>`)."""
    if not await Staff.filter(employee_no=employee_no).exists():
        return None
    return await demo_account(employee_no)


async def seed(*, now: datetime) -> list[str]:
    """Passes in every state for 李晓梅 (S0001), entries scanned by 钱卫东 (G0001).

    Idempotent: nothing is added once the demo host has any of the demo visitors.
    """
    host = await _demo_user("S0001")
    guard = await _demo_user("G0001")
    if host is None or guard is None:
        return ["visitors: demo host S0001 or guard G0001 has no account yet, skipped"]
    phones = [row[1] for row in _DEMO_PASSES]
    if await Pass.filter(host_id=host.id, visitor_phone__in=phones).exists():
        return ["visitors: demo passes already present"]
    for name, phone, plate, purpose, start_h, end_h, maximum, used, status in _DEMO_PASSES:
        start = now + timedelta(hours=start_h)
        created = await insert_pass(
            host_id=host.id,
            fields={
                "visitor_name": name,
                "visitor_phone": phone,
                "plate": plate,
                "purpose": purpose,
                "valid_from": start,
                "valid_to": now + timedelta(hours=end_h),
                "max_entries": maximum,
                "entries_used": used,
                "status": status,
                "revoked_at": now if status == "revoked" else None,
            },
        )
        for number in range(used):
            await GateEntry.create(
                visitor_pass_id=created.id,
                gate="东门" if number % 2 == 0 else "北门",
                at=start + timedelta(minutes=30 + 90 * number),
                guard_id=guard.id,
            )
    return [f"visitors: {len(_DEMO_PASSES)} demo passes for 李晓梅 (S0001), one in each state"]
