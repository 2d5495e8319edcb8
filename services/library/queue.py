"""The holds queue of a title: strictly first come, first served, in the database.

Every function here that moves a copy runs under the title lock of common.lock_title,
inside the caller's transaction, so the notices it sends commit with the change.
A copy that becomes free (returned, its ready hold cancelled or expired) goes to the
oldest waiting hold of its title, else back to the shelf: `serve_copy` is the one
place that decides it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models.library import Copy, Hold, Title
from server.clock import local
from server.tx import Tx
from services import notifications
from services.library.common import HOLD_SHELF_DAYS

HOLD_LINK = "/pages/library/holds"


def live_key(user_id: int, title_id: int) -> str:
    return f"{user_id}:{title_id}"


async def serve_copy(tx: Tx, *, copy: Copy, title: Title, now: datetime) -> Hold | None:
    """Give a free copy to the first waiting hold of its title, or put it on the shelf."""
    first = (
        await Hold.filter(title_id=title.id, status="waiting")
        .using_db(tx.conn)
        .order_by("id")
        .first()
    )
    if first is None:
        await Copy.filter(id=copy.id).using_db(tx.conn).update(status="available")
        copy.status = "available"
        return None
    await set_aside(tx, hold=first, copy=copy, title=title, now=now)
    return first


async def serve_shelf(tx: Tx, *, title: Title, now: datetime) -> None:
    """Give each copy on the shelf to the next waiting hold, while both remain."""
    while True:
        shelf = (
            await Copy.filter(title_id=title.id, status="available")
            .using_db(tx.conn)
            .order_by("id")
            .first()
        )
        if shelf is None or await serve_copy(tx, copy=shelf, title=title, now=now) is None:
            return


async def set_aside(tx: Tx, *, hold: Hold, copy: Copy, title: Title, now: datetime) -> None:
    """Put `copy` on the hold shelf for `hold` for HOLD_SHELF_DAYS and tell the holder."""
    until = now + timedelta(days=HOLD_SHELF_DAYS)
    await Copy.filter(id=copy.id).using_db(tx.conn).update(status="on_hold_shelf")
    copy.status = "on_hold_shelf"
    await (
        Hold.filter(id=hold.id, status="waiting")
        .using_db(tx.conn)
        .update(
            status="ready", copy_id=copy.id, ready_copy_id=copy.id, ready_at=now, ready_until=until
        )
    )
    hold.status, hold.copy_id, hold.ready_until = "ready", copy.id, until
    await notifications.notify(
        tx=tx,
        user_id=hold.user_id,
        kind="library_hold_ready",
        title="预约的图书已到馆",
        body=f"《{title.title}》已为你保留在预约书架（条码 {copy.barcode}），"
        f"请在 {local(until):%m月%d日 %H:%M} 前借阅",
        link=HOLD_LINK,
        template_data={"ready_until": until},
        now=now,
    )


async def end_hold(tx: Tx, *, hold: Hold, status: str, now: datetime) -> None:
    """End a live hold (fulfilled, cancelled, expired): it leaves the queue and its copy."""
    await (
        Hold.filter(id=hold.id, status=hold.status)
        .using_db(tx.conn)
        .update(status=status, ready_copy_id=None, live_key=None, ended_at=now)
    )
    hold.status = status


async def release_ready(
    tx: Tx, *, hold: Hold, status: str, title: Title, now: datetime
) -> Hold | None:
    """End a ready hold and pass its copy on (next in line, or the shelf)."""
    copy_id = hold.copy_id
    await end_hold(tx, hold=hold, status=status, now=now)
    copy = await Copy.filter(id=copy_id).using_db(tx.conn).first()
    if copy is None or copy.status != "on_hold_shelf":
        return None
    return await serve_copy(tx, copy=copy, title=title, now=now)


async def requeue(tx: Tx, *, hold: Hold) -> None:
    """A ready hold whose copy was lost goes back to waiting; its id keeps it first."""
    await (
        Hold.filter(id=hold.id, status="ready")
        .using_db(tx.conn)
        .update(status="waiting", copy_id=None, ready_copy_id=None, ready_at=None, ready_until=None)
    )
