"""The passes' upkeep: expiry, and anonymisation after the retention period."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.visitors import Pass
from server import resources
from server.clock import utc

ANONYMISED_NAME = "（已匿名）"


async def expire_passes(*, now: datetime) -> int:
    """Mark active passes whose window has ended `expired` (the gate already refuses them)."""
    now = utc(now)
    return await Pass.filter(status="active", valid_to__lte=now).update(status="expired")


async def anonymise_passes(*, now: datetime) -> int:
    """Erase the visitor's name, phone, plate and sealed token VISITOR_RETENTION_DAYS after
    the window ended. Entry rows and counts stay: they carry no personal data."""
    now = utc(now)
    await expire_passes(now=now)
    cutoff = now - timedelta(days=resources.settings().visitor_retention_days)
    return await Pass.filter(valid_to__lte=cutoff, anonymised_at__isnull=True).update(
        visitor_name=ANONYMISED_NAME,
        visitor_phone="",
        plate=None,
        token_sealed=None,
        anonymised_at=now,
    )
