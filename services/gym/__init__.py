"""Gym alliance (健身联盟, API.md §10): partner gyms, classes on the booking engine with
waitlists, the monthly visit quota, walk-ins, desk keys and check-in vouchers, the
monthly settlement. Files by concern; this module exports what handlers and jobs call.
"""

from services.gym.bookings import (
    book_class,
    cancel,
    get_booking,
    list_bookings,
    visit,
)
from services.gym.catalog import (
    SessionIn,
    all_gyms,
    create_gym,
    create_sessions,
    list_gyms,
    list_sessions,
    update_gym,
)
from services.gym.common import quota_view
from services.gym.desk import (
    DeskPrincipal,
    authenticate_desk,
    checkin,
    issue_key,
    issue_voucher,
    list_keys,
    revoke_key,
    signin_qr,
    voucher_png,
)
from services.gym.jobs import expire_waitlists, expire_walk_ins, mark_no_shows
from services.gym.settlement import settlement, settlement_xlsx
from services.gym.shapes import (
    BookingPage,
    BookingView,
    Checkin,
    DeskKey,
    DeskKeyInfo,
    DeskKeyIssued,
    DeskKeyList,
    DeskKeyRevoked,
    GymList,
    GymRef,
    GymView,
    Quota,
    SessionList,
    SessionView,
    Voucher,
)

__all__ = [
    "BookingPage",
    "BookingView",
    "Checkin",
    "DeskKey",
    "DeskKeyInfo",
    "DeskKeyIssued",
    "DeskKeyList",
    "DeskKeyRevoked",
    "DeskPrincipal",
    "GymList",
    "GymRef",
    "GymView",
    "Quota",
    "SessionIn",
    "SessionList",
    "SessionView",
    "Voucher",
    "all_gyms",
    "authenticate_desk",
    "book_class",
    "cancel",
    "checkin",
    "create_gym",
    "create_sessions",
    "expire_waitlists",
    "expire_walk_ins",
    "get_booking",
    "issue_key",
    "issue_voucher",
    "list_bookings",
    "list_gyms",
    "list_keys",
    "list_sessions",
    "mark_no_shows",
    "quota_view",
    "revoke_key",
    "settlement",
    "settlement_xlsx",
    "signin_qr",
    "update_gym",
    "visit",
    "voucher_png",
]
