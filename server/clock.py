"""Time on the wire and in queries: one set of rules for every domain.

- Stored and compared in UTC (SQLite compares the stored text, so filters must be UTC).
- On the wire: ISO 8601 with the service zone's offset (API.md §1).
- Naive input is read in the service zone; a time whose UTC or local form falls off the
  calendar (year 1 or 9999 with an offset) is the client's mistake: 400 on its field,
  never an OverflowError later.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

from server import resources
from server.errors import InvalidInput

# Calendar days a client may ask about (reports, day views): far enough for any real
# use, near enough that every bound converts in both directions.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def tz() -> ZoneInfo:
    """The service time zone (TZ_NAME, Asia/Shanghai by default)."""
    return resources.settings().tz


def local(moment: datetime) -> datetime:
    """The same instant in the service zone (for display and day arithmetic)."""
    return moment.astimezone(tz())


def utc(moment: datetime) -> datetime:
    """The same instant in UTC. Stored datetimes are UTC, and SQLite compares them as
    text: a filter or key with another offset silently matches nothing there (while it
    works on PostgreSQL), so every time a query compares is converted with this."""
    return moment.astimezone(UTC)


def wire(moment: datetime | None) -> str | None:
    """ISO 8601 with the service zone's offset, as every time on the wire."""
    return moment.astimezone(tz()).isoformat() if moment is not None else None


def wire_epoch(seconds: int) -> str:
    """A Unix time (as the booking engine's Redis state keeps them) on the wire."""
    return datetime.fromtimestamp(seconds, tz=UTC).astimezone(tz()).isoformat()


def try_utc(moment: datetime) -> datetime | None:
    """Client input as an aware UTC time (naive means the service zone), or None when
    it cannot be converted (the calendar's ends): for validators that report every
    field at once."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz())
    try:
        moment.astimezone(tz())
        return utc(moment)
    except (OverflowError, ValueError):
        return None


def aware(moment: datetime, *, field: str) -> datetime:
    """Client input as an aware UTC time; 400 on `field` when it cannot be converted."""
    converted = try_utc(moment)
    if converted is None:
        raise InvalidInput({field: OUT_OF_RANGE})
    return converted


OUT_OF_RANGE = "时间超出范围"


def day_bounds(day: date, *, field: str = "date") -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of a local calendar day, in UTC; 400 on `field` outside the
    years a client may ask about."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput({field: "日期超出范围"})
    start = datetime.combine(day, time(0), tzinfo=tz())
    return utc(start), utc(start + timedelta(days=1))


def next_month(first: date) -> date:
    """The first day of the month after the one `first` begins."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def parse_month(value: str, *, field: str = "month") -> date:
    """'2026-11' → its first day; anything else (month 13, year 0) is 400, never a 500."""
    match = _MONTH.match(value or "")
    year, month = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not match or not FIRST_YEAR <= year <= LAST_YEAR or not 1 <= month <= 12:
        raise InvalidInput({field: "应为月份 YYYY-MM"})
    return date(year, month, 1)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """[the 1st 00:00, the next month's 1st 00:00) of a local month, in UTC. The caller
    has parsed the month (each domain's own range and message); any year from 2 to 9998
    converts."""
    start = datetime.combine(first, time(0), tzinfo=tz())
    end = datetime.combine(next_month(first), time(0), tzinfo=tz())
    return utc(start), utc(end)


def _calendar_day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"日期应在 {FIRST_YEAR}-{LAST_YEAR} 年之间")
    return value


def _calendar_time(value: datetime) -> datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"时间应在 {FIRST_YEAR}-{LAST_YEAR} 年之间")
    return value


# The date and time types of every request model. A day or time a client sends is
# arithmetic later (weeks of sessions, the slots of a day, zone conversion, a month's
# bounds): near the calendar's ends that is an OverflowError, a 500 for a typo. Bounding
# the years at the edge makes it a 400 on the field, for every domain at once.
CalendarDay = Annotated[date, AfterValidator(_calendar_day)]
CalendarTime = Annotated[datetime, AfterValidator(_calendar_time)]


def today(now: datetime) -> date:
    """The local calendar day of an instant."""
    return now.astimezone(tz()).date()
