"""The wire shapes of notifications (API.md §7): what the services return and the
handlers document as they are (server/wire.py)."""

from __future__ import annotations

from pydantic import BaseModel

from server.wire import WireTime


class Notice(BaseModel):
    """`Notice` of API.md §7 (delivery details stay server-side)."""

    id: int
    kind: str
    title: str
    body: str
    link: str | None
    created_at: WireTime
    read_at: WireTime | None


class NoticePage(BaseModel):
    items: list[Notice]
    next_cursor: str | None


class ReadAll(BaseModel):
    updated: int


class Credits(BaseModel):
    """Every subscribe-message credit a user holds, by template id."""

    credits: dict[str, int]


class Template(BaseModel):
    kind: str
    template_id: str
    title: str


class Templates(BaseModel):
    items: list[Template]
