"""Car-wash cards (洗车卡) and the wash bay, API.md §8: a package by concern.

- cards.py     card types, purchases (WeChat Pay orders), the owner's cards, expiry
- card_types.py  the admin's card types: all of them, editing one
- payments.py  verified notifications, order queries, closing unpaid orders, refunds
- redeem.py    single-use codes and exactly-once washes at the station
- bay.py       wash-bay slots and bookings through the booking engine
- desk.py      the station's day: bay bookings and washes, names masked
- report.py    the monthly report (JSON and xlsx)
- demo.py      demo data
"""

from __future__ import annotations

from services.carwash import bay, card_types, cards, desk, payments, redeem, report
from services.carwash.payments import NotificationRejected

__all__ = [
    "NotificationRejected",
    "bay",
    "card_types",
    "cards",
    "desk",
    "payments",
    "redeem",
    "report",
]
