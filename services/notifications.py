"""Notifications (issue 4): in-app inbox + Redis Stream → WeChat subscribe messages.

CONTRACT STUB: `notify()` keeps this signature; the implementation lands with issue 4.
Services call it after their transaction commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


async def notify(
    *,
    user_id: int,
    kind: str,
    title: str,
    body: str,
    link: str | None = None,
    template_data: dict[str, Any] | None = None,
    now: datetime,
) -> int:
    """Write the inbox row and append to the delivery stream; returns the notice id."""
    raise NotImplementedError
