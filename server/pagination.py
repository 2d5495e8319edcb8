"""Lists: one cursor scheme and one page() for every domain (API.md §1).

A list answers `{"items": [...], "next_cursor": "..." | null}`, newest first (or oldest
first where a list reads in order: a catalogue, a queue of the longest waiting). The cursor
is opaque to clients: base64url of the last row's sort key, prefixed with a version.
Anything that does not decode to a key that could exist is the client's mistake: 400
`invalid_input` on `cursor`, never a database error (ids beyond the INT column, dates
beyond the calendar).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models import MAX_ID
from server.clock import utc
from server.errors import InvalidInput

M = TypeVar("M", bound=Model)
T = TypeVar("T")
_PREFIX = "c1"
_EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def encode(*key: int | datetime) -> str:
    """The cursor after a row whose sort key is `key` (ids, or a time and an id)."""
    parts = [utc(k).isoformat() if isinstance(k, datetime) else str(k) for k in key]
    raw = "|".join([_PREFIX, *parts]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parts(cursor: str, count: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid() from None
    parts = raw.split("|")
    if len(parts) != count + 1 or parts[0] != _PREFIX:
        raise _invalid()
    return parts[1:]


def _invalid() -> InvalidInput:
    return InvalidInput({"cursor": "无效的分页游标"})


def _id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise _invalid()
    return int(text)


def decode_id(cursor: str | None) -> int | None:
    """The last id of the previous page, or None for the first page."""
    if not cursor:
        return None
    (last_id,) = _parts(cursor, 1)
    return _id(last_id)


def decode_time_id(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, id) of the previous page's last row, or None for the first page."""
    if not cursor:
        return None
    moment_text, last_id = _parts(cursor, 2)
    try:
        moment = datetime.fromisoformat(moment_text)
    except ValueError:
        raise _invalid() from None
    if moment.tzinfo is None or not _EARLIEST <= moment <= _LATEST:
        raise _invalid()
    return moment, _id(last_id)


async def page(
    query: QuerySet[M], *, limit: int, cursor: str | None, oldest_first: bool = False
) -> tuple[list[M], str | None]:
    """Rows newest first by id (oldest first if asked), at most `limit`, and the cursor
    of the next page."""
    last_seen = decode_id(cursor)
    if last_seen is not None:
        query = query.filter(id__gt=last_seen) if oldest_first else query.filter(id__lt=last_seen)
    rows = await query.order_by("id" if oldest_first else "-id").limit(limit + 1)
    last: int = rows[limit - 1].pk if len(rows) > limit else 0
    return rows[:limit], (encode(last) if last else None)


async def page_by_time(
    query: QuerySet[M], *, field: str, limit: int, cursor: str | None
) -> tuple[list[M], str | None]:
    """Rows newest first by (`field`, id) — keyset, so rows arriving while a user
    scrolls neither repeat nor skip — at most `limit`, and the next page's cursor."""
    after = decode_time_id(cursor)
    if after is not None:
        at, last_id = after
        earlier: dict[str, Any] = {f"{field}__lt": at}
        same: dict[str, Any] = {field: at, "id__lt": last_id}
        query = query.filter(Q(**earlier) | Q(**same))
    rows = await query.order_by(f"-{field}", "-id").limit(limit + 1)
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode(getattr(last, field), last.pk)


class PageQuery(BaseModel):
    """`limit` and `cursor` of every list's query (API.md §1); a list's query extends it."""

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def statuses_of(known: Collection[str]) -> Callable[[str | None], str | None]:
    """A validator of a `status` filter: one or more of `known`, comma-separated.
    Reuse it in a query model as `field_validator("status")(statuses_of(STATUSES))`."""

    def check(value: str | None) -> str | None:
        if value is not None:
            unknown = [s for s in value.split(",") if s not in known]
            if unknown or not value:
                raise ValueError("取值无效")
        return value

    return check


class Page(BaseModel, Generic[T]):
    """The list shape of API.md §1, typed: a page of items and the next page's cursor
    (`Page[Booking]` is both a service's result and its route's response model)."""

    items: list[T]
    next_cursor: str | None
