"""Tortoise's asyncpg client, made safe when PostgreSQL drops a connection.

Tortoise opens a pooled transaction by taking a connection from the pool, making it
the task's current connection (a context variable) and sending BEGIN. When BEGIN
fails — the server terminated that connection (`pg_terminate_backend`, a restart, a
failover) — the error leaves `__aenter__` and `__aexit__` never runs: the connection
is never given back to the pool and the task keeps it as its current connection.
Everything the task does next runs on that broken connection, and so does every task
it starts (they copy its context: the booking engine's write step and its group-commit
writer, which writes for every request, share one connection that way), and each such
fault takes a connection out of the pool for good: under `pg_terminate_backend` in a
lunch burst, requests ended waiting for a connection that never came back.

Here a failed BEGIN gives the connection back and restores the task's connection at
once, and the end of a transaction restores the task's connection before giving the
connection back (so a failing release cannot leave it behind either).

A connection an operation failed on because the connection broke is closed before
it goes back to the pool, so no later request acquires it. One case needs this: a
pooled connection that receives the server's FATAL while idle keeps waiting for the
end of that error until asyncpg sees the socket close, and the next operation on it
fails with InternalClientError "another operation is in progress" (answered 503 by
server/error_handler.py, and the connection is closed here).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    PoolConnectionWrapper,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

BROKEN = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    TimeoutError,
)


def _drop_if_broken(connection: Any, error: BaseException | None) -> None:
    """Close a connection an operation failed on because the connection broke."""
    if connection is not None and isinstance(error, BROKEN):
        connection.terminate()


class SafeTransactionContext(TransactionContextPooled):
    async def __aenter__(self) -> Any:
        await self.ensure_connection()
        pool = self.client._parent._pool
        self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException as error:
            get_connections().reset(self.token)
            _drop_if_broken(self.client._connection, error)
            await pool.release(self.client._connection)
            raise
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        broken = isinstance(exc_val, BROKEN)  # nothing to roll back on a closed connection
        _drop_if_broken(self.client._connection, exc_val)
        try:
            if not self.client._finalized and not broken:
                if exc_type:
                    if exc_type is not TransactionManagementError:
                        await self.client.rollback()
                else:
                    await self.client.commit()
        except BaseException as error:
            _drop_if_broken(self.client._connection, error)
            raise
        finally:
            get_connections().reset(self.token)
            pool = self.client._parent._pool
            if pool:
                await pool.release(self.client._connection)


class SafePoolConnection(PoolConnectionWrapper[Any]):
    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        _drop_if_broken(self.connection, exc_val)
        await super().__aexit__(exc_type, exc_val, exc_tb)


class SafeAsyncpgClient(AsyncpgDBClient):
    """asyncpg with transactions that never leave a connection behind on a fault."""

    def _in_transaction(self) -> TransactionContext:
        return SafeTransactionContext(TransactionWrapper(self), self._pool_init_lock)

    def acquire_connection(self) -> Any:
        return SafePoolConnection(self, self._pool_init_lock)


client_class = SafeAsyncpgClient
