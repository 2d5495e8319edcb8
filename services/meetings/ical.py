"""A booking as an iCalendar file (RFC 5545) that phone calendars import.

One VEVENT with a UID derived from the booking id only (`booking-<id>@qinejia`), so
importing the file again after a change updates the event instead of duplicating it;
SEQUENCE grows with every change so calendars accept the newer copy. Times carry
TZID=Asia/Shanghai with the VTIMEZONE included, so the event shows at the right
wall-clock time whatever zone the phone is in.
"""

from __future__ import annotations

from icalendar import Calendar, Event, vCalAddress, vText

from models.meetings import Booking
from server.clock import tz, utc

UID_DOMAIN = "qinejia"
_ICS_STATUS = {
    "pending_approval": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "released": "CANCELLED",
    "rejected": "CANCELLED",
}
_STATUS_TEXT = {
    "pending_approval": "待审批",
    "confirmed": "已确认",
    "completed": "已结束",
    "cancelled": "已取消",
    "released": "未签到已释放",
    "rejected": "未通过审批",
}


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@{UID_DOMAIN}"


def booking_calendar(row: Booking, *, organizer_name: str | None) -> str:
    """The .ics text (CRLF line endings, folded lines) of one booking."""
    zone = tz()
    room = row.room
    calendar = Calendar()
    calendar.add("prodid", "-//勤e家//会务预定//CN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(row.id))
    event.add("dtstamp", utc(row.updated_at))
    event.add("created", utc(row.created_at))
    event.add("dtstart", row.start.astimezone(zone))
    event.add("dtend", row.end.astimezone(zone))
    event.add("summary", row.title)
    event.add("location", f"{room.building} {room.floor}层 {room.name}")
    event.add(
        "description",
        f"会议室：{room.building}{room.name}\n参会人数：{row.attendees}\n"
        f"状态：{_STATUS_TEXT.get(row.status, row.status)}\n"
        "请在会议开始前10分钟至开始后15分钟内签到，逾时未签到将自动释放会议室。",
    )
    event.add("status", _ICS_STATUS.get(row.status, "CONFIRMED"))
    # grows with every change (updated_at moves with each state change)
    event.add("sequence", max(0, int((row.updated_at - row.created_at).total_seconds())))
    if organizer_name:
        organizer = vCalAddress(f"urn:qinejia:user:{row.organizer_id}")
        organizer.params["cn"] = vText(organizer_name)
        event.add("organizer", organizer)
    if row.status in ("pending_approval", "confirmed"):
        event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    text: str = calendar.to_ical().decode("utf-8")
    return text
