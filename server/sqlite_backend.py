"""Tortoise's SQLite client, made safe for several processes writing one file.

`python -m server run --workers 2` runs two workers and a background process on one
SQLite file. Tortoise's client opens transactions with a plain (deferred) BEGIN: a
transaction that reads and then writes must upgrade its lock, and when another
process wrote in between SQLite answers "database is locked" at once, without waiting
for the busy timeout (a deadlock it cannot resolve by waiting). `BEGIN IMMEDIATE`
takes the write lock up front, so a second writer waits (busy_timeout) instead of
failing. WAL keeps readers off the writers' way.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

# Seconds a writer waits for another process's write lock before giving up. Long
# enough for a burst of writes from every process to drain.
BUSY_TIMEOUT_MS = 30_000


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """SQLite with WAL, a busy timeout and write transactions that lock up front."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("journal_mode", "WAL")
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
