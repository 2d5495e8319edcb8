"""server.rows.insert_rows: one multi-row INSERT, split under the driver's argument limit."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections

from models.library import Copy, Title
from server import batches
from server.rows import insert_rows
from tests.support.library import new_isbn


async def test_more_arguments_than_the_driver_takes_go_in_several_statements(client):
    """asyncpg refuses a statement with more than 32,767 arguments (and SQLite its own
    limit): 7,000 copies of 5 columns are 35,000 values, written whole."""
    title = await Title.create(isbn=new_isbn(), title="分批写入")
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    count = batches.DRIVER_ARG_LIMIT // 5 + 500
    rows = [
        {
            "id": 9_000_000 + n,
            "barcode": f"RW{title.id}-{n:05d}",
            "title_id": title.id,
            "status": "available",
            "created_at": stamp,
        }
        for n in range(count)
    ]
    await insert_rows(connections.get("default"), Copy, rows)
    assert await Copy.filter(title_id=title.id).count() == count
    assert await Copy.filter(title_id=title.id, barcode=f"RW{title.id}-00042").exists()
