"""One action, one transaction: a database transaction and what to do once it committed.

A service changes its rows, the booking engine's rows and the notices that report the
change in ONE transaction (DESIGN.md "One action, one transaction"), so a process
killed at any instant leaves all of it or none. Work that must not happen before the
commit — pushing a notice id to the Redis Stream — is registered with `after_commit`
and runs once the transaction is durable; if the process dies first, the relay job
finds the row and does it (services.notifications.delivery.sweep).

A request carrying an Idempotency-Key has its key inserted by the first transaction
that commits in it (services/idempotency.py): the key is claimed by the commit that
creates the object, never in a statement of its own. A service names what it created
with `tx.created(id)`, so a lost answer can be told again from it.

Nothing here imports Sanic: services and the booking engine share it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.errors import InvalidState
from server.rows import insert_rows
from services import idempotency
from services.idempotency import Keyed

log = logging.getLogger("tx")
REF_MAX = 64  # the length of a key record's ref (models/idempotency.py)

AfterCommit = Callable[[], Awaitable[object]]


@dataclass
class _Ids:
    """Ids drawn for a transaction's rows (its savepoints draw from the same)."""

    ids: dict[type[Model], list[int]] = field(default_factory=dict)
    top: dict[type[Model], int] = field(default_factory=dict)  # SQLite: the last id drawn
    expect: int = 1  # how many rows of a table a transaction is likely to insert


@dataclass
class Tx:
    """An open transaction (`conn`, pass it as `using_db=`) and its after-commit work."""

    conn: BaseDBAsyncClient
    _after: list[AfterCommit] = field(default_factory=list)
    ref: str | None = None
    _ids: _Ids = field(default_factory=_Ids)
    _queued: dict[type[Model], list[dict[str, Any]]] = field(default_factory=dict)

    def expect(self, rows: int) -> None:
        """Draw ids `rows` at a time (a group commit: one row of a table per request)."""
        self._ids.expect = max(1, rows)

    async def insert(self, model: type[Model], row: dict[str, Any]) -> int:
        """Queue `row` (field names as the model names them, no default filled in) for
        `model`'s table and return its id, drawn from the table's sequence; the rows of
        a transaction are written by one multi-row INSERT per table before it commits.

        A statement of the transaction that reads or references the row must come
        after `flush()`. Why not `Model.create`: in a group commit every request's row was an INSERT …
        RETURNING of its own and a model instance, one round trip each inside the
        transaction every request of the batch waits for."""
        drawn = self._ids
        free = drawn.ids.get(model)
        if not free:
            free = drawn.ids[model] = await self._draw_ids(model, drawn.expect)
        row_id = free.pop(0)
        self._queued.setdefault(model, []).append({"id": row_id, **row})
        return row_id

    async def _draw_ids(self, model: type[Model], count: int) -> list[int]:
        """PostgreSQL: sequence values. SQLite runs one transaction at a time, so the
        ids after the table's maximum are free until this transaction commits."""
        table = model._meta.db_table
        if self.conn.capabilities.dialect == "postgres":
            found = await self.conn.execute_query_dict(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id "
                "FROM generate_series(1, $1)",
                [count],
            )
            return [int(item["id"]) for item in found]
        top = self._ids.top.get(model)
        if top is None:
            found = await self.conn.execute_query_dict(f'SELECT MAX("id") AS top FROM "{table}"')
            top = int(found[0]["top"] or 0)
        self._ids.top[model] = top + count
        return list(range(top + 1, top + 1 + count))

    async def flush(self) -> None:
        """Write the queued rows: one INSERT per table (IntegrityError as Tortoise's)."""
        queued, self._queued = self._queued, {}
        for model, rows in queued.items():
            await insert_rows(self.conn, model, rows)

    def created(self, ref: int | str) -> None:
        """Name the object this transaction creates (kept with the request's key)."""
        self.ref = str(ref)

    def created_all(self, ids: Iterable[int]) -> None:
        """Name every row of a batch this transaction creates, as runs of ids
        (`"12-40,43"`: a batch's ids are consecutive unless another transaction took
        some at the same moment). A batch too scattered to name in a key's record
        (REF_MAX) is left unnamed: its replay answers 409, never a second batch."""
        runs: list[list[int]] = []
        for value in sorted(ids):
            if runs and value == runs[-1][1] + 1:
                runs[-1][1] = value
            else:
                runs.append([value, value])
        ref = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
        self.ref = ref if ref and len(ref) <= REF_MAX else None

    def after_commit(self, work: AfterCommit) -> None:
        """Run `work` once this transaction has committed (never if it rolls back)."""
        self._after.append(work)

    def take_after(self) -> list[AfterCommit]:
        """Hand the registered work to whoever commits (a savepoint hands it up)."""
        work, self._after = self._after, []
        return work

    async def committed(self) -> None:
        """The transaction is durable: run the registered work, each failure logged.

        After the commit nothing may fail the action the user was told succeeded, and
        everything registered here is repaired by a job if it never runs.
        """
        for work in self.take_after():
            try:
                await work()
            except Exception:
                log.exception("after-commit work failed; the relay job will repeat it")


def ids_in(ref: str) -> list[int]:
    """The ids `Tx.created_all` named, in order."""
    out: list[int] = []
    for run in ref.split(","):
        first, _, last = run.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


class _FromContext:
    pass


FROM_CONTEXT = _FromContext()


@asynccontextmanager
async def transaction(*, keyed: Keyed | _FromContext | None = FROM_CONTEXT) -> AsyncIterator[Tx]:
    """`async with transaction() as tx:` — commit, then run tx's after-commit work.

    The key of the request in this context (or `keyed`, for a transaction written on
    behalf of another request, as the booking engine's group commit does) is inserted
    before the commit; `idempotency.KeyTaken` when that key committed already.
    """
    key = idempotency.current() if isinstance(keyed, _FromContext) else keyed
    if key is not None and key.written:
        key = None
    async with in_transaction() as conn:
        tx = Tx(conn)
        yield tx
        await tx.flush()
        if key is not None:
            await idempotency.write_in(conn, key, ref=tx.ref)
    if key is not None:
        key.written = True
    await tx.committed()


@asynccontextmanager
async def savepoint(tx: Tx) -> AsyncIterator[Tx]:
    """A nested step of `tx` that rolls back alone (its after-commit work with it)."""
    await tx.flush()  # what tx queued so far is not the savepoint's to roll back
    async with tx.conn._in_transaction() as nested:  # Tortoise: a savepoint inside tx
        inner = Tx(nested, _ids=tx._ids)
        yield inner
        await inner.flush()
    for work in inner.take_after():
        tx.after_commit(work)


async def move(tx: Tx, rows: QuerySet[Any], *, message: str | None = None, **changes: Any) -> None:
    """Apply `changes` in `tx` to `rows` (a row filtered by the state the action read),
    or raise InvalidState("changed") when none is left in that state: someone else moved
    it first, and the whole action rolls back."""
    if not await rows.using_db(tx.conn).update(**changes):
        raise InvalidState("changed", message)
