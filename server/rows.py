"""Rows written by one multi-row INSERT: no model instance per row, one statement.

Tortoise's `bulk_create` builds a model instance per row and sends one statement per
row (asyncpg's executemany); on the hot path (a group commit of lunch orders) both
showed in py-spy. Values are converted by the model's own fields (JSON, datetimes),
so what is written is what Tortoise would write.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from server import batches

_NO_INSTANCE: Any = None  # a value converted for a row, not for a model instance


async def insert_rows(
    conn: BaseDBAsyncClient, model: type[Model], rows: list[dict[str, Any]]
) -> None:
    """INSERT `rows` (dicts with the same field names, as the model names them, every
    value given: no default is filled in) into `model`'s table in one statement.
    A constraint refusing any row raises Tortoise's IntegrityError. Many rows go in
    several statements, each under the driver's limit on bound arguments."""
    if not rows:
        return
    per_statement = max(1, batches.DRIVER_ARG_LIMIT // len(rows[0]))
    if len(rows) > per_statement:
        for part in batches.chunks(rows, per_statement):
            await insert_rows(conn, model, list(part))
        return
    fields_map = model._meta.fields_map
    names = list(rows[0])
    columns = ", ".join(f'"{fields_map[n].source_field or n}"' for n in names)
    postgres = conn.capabilities.dialect == "postgres"
    values: list[Any] = []
    groups = []
    for row in rows:
        marks = []
        for name in names:
            values.append(fields_map[name].to_db_value(row[name], _NO_INSTANCE))
            marks.append(f"${len(values)}" if postgres else "?")
        groups.append(f"({', '.join(marks)})")
    await conn.execute_query(
        f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES {", ".join(groups)}', values
    )
