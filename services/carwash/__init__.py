"""Car-wash cards (洗车卡) and the wash bay, API.md §8: a package by concern.

- cards.py     card types, purchases (WeChat Pay orders), the owner's cards, expiry
- payments.py  verified notifications, order queries, closing unpaid orders, refunds
- redeem.py    single-use codes and exactly-once washes at the station
- bay.py       wash-bay slots and bookings through the booking engine
- report.py    the monthly report (JSON and xlsx)
- demo.py      demo data
"""

from __future__ import annotations

from services.carwash import bay, cards, payments, redeem, report
from services.carwash.payments import NotificationRejected

__all__ = ["NotificationRejected", "bay", "cards", "payments", "redeem", "report"]
