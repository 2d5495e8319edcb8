"""Car-wash jobs: close unpaid purchases, expire cards (and remind 7 days before),
release bay bookings not redeemed 10 minutes after their slot started, and reconcile
money with WeChat Pay: every refund and unpaid purchase still open after a few minutes
is queried, so a lost answer, a lost notification or a crash never leaves a card stuck."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services.carwash import bay, cards, payments


async def close_unpaid(*, now: datetime) -> str | None:
    closed = await payments.close_unpaid(now=now)
    return f"{closed} unpaid purchases closed" if closed else None


async def reconcile_payments(*, now: datetime) -> str | None:
    refunds = await payments.reconcile_refunds(now=now)
    paid = await payments.reconcile_unpaid(now=now)
    return f"{refunds} refunds settled or sent, {paid} purchases paid" if refunds or paid else None


async def expire_cards(*, now: datetime) -> str | None:
    reminded = await cards.remind_expiring(now=now)
    expired = await cards.expire_cards(now=now)
    return f"{reminded} reminded, {expired} expired" if reminded or expired else None


async def release_no_shows(*, now: datetime) -> str | None:
    released = await bay.release_no_shows(now=now)
    return f"{released} bay bookings released as no_show" if released else None


JOBS = [
    Job(name="carwash.close_unpaid", func=close_unpaid, every_s=60),
    Job(name="carwash.reconcile_payments", func=reconcile_payments, every_s=60),
    Job(name="carwash.expire_cards", func=expire_cards, every_s=3600),
    Job(name="carwash.release_no_shows", func=release_no_shows, every_s=60),
]
