"""Meeting rooms (会务预定, API.md §4): what the handlers and jobs call.

rooms.py (rooms: create, list, edit, close; search), bookings.py (booking, series, cancel, check-in, reading),
approval.py (admins approve or reject), jobs.py (no-shows, reminders, expiry,
completion), rules.py (time rules; the wire shapes, which handlers document as they are), ical.py (.ics).
"""

from services.meetings.approval import approve, reject
from services.meetings.bookings import (
    booked,
    booking_ics,
    booking_view,
    bookings_of,
    cancel_booking,
    check_in,
    create_booking,
    create_series,
    get_booking,
    list_bookings,
    series_created,
)
from services.meetings.rooms import all_rooms, create_room, room_created, search_rooms, update_room
from services.meetings.rules import (
    AllRooms,
    Booking,
    BookingIn,
    BookingStatus,
    Interval,
    Room,
    RoomList,
    RoomPatch,
    RoomSpec,
    RoomWithBusy,
    Series,
    Skipped,
)

__all__ = [
    "AllRooms",
    "Booking",
    "BookingIn",
    "BookingStatus",
    "Interval",
    "Room",
    "RoomList",
    "RoomPatch",
    "RoomSpec",
    "RoomWithBusy",
    "Series",
    "Skipped",
    "all_rooms",
    "approve",
    "booked",
    "booking_ics",
    "booking_view",
    "bookings_of",
    "cancel_booking",
    "check_in",
    "create_booking",
    "create_room",
    "create_series",
    "get_booking",
    "list_bookings",
    "reject",
    "room_created",
    "search_rooms",
    "series_created",
    "update_room",
]
