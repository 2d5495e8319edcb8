"""Domain events of the engine, delivered in-process after the commit.

A domain subscribes once at import time, e.g. in services/meals.py:
`booking.events.subscribe("meals", on_promoted)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from booking.api import Promoted

Handler = Callable[[Promoted], Awaitable[None]]
_handlers: dict[str, list[Handler]] = {}


def subscribe(domain: str, handler: Handler) -> None:
    if handler not in _handlers.setdefault(domain, []):
        _handlers[domain].append(handler)


async def publish(event: Promoted) -> None:
    for handler in _handlers.get(event.domain, []):
        await handler(event)
