"""Tortoise ORM setup: one config for the server, the CLI and the tests.

Each domain is its own Tortoise app with its own migrations package
(`migrations/<domain>/`), so domains can add models without editing each other's
migration files. Schemas are created only by `python -m server migrate` (or the
test fixture calling the same `migrate()`), never by `generate_schemas` at start-up.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url


def domains() -> dict[str, str]:
    """Domain → models module: every module in models/ is a Tortoise app of that name.

    A new domain adds `models/<domain>.py` and runs `python -m server makemigrations <domain>`.
    `identity` comes first: every domain may point at its users, and Tortoise resolves
    (and migrates) the apps in this order.
    """
    import pkgutil

    import models

    names = sorted(info.name for info in pkgutil.iter_modules(models.__path__))
    names.sort(key=lambda name: name != "identity")  # stable: identity, then by name
    return {name: f"models.{name}" for name in names}


class PgConnection(asyncpg.Connection):  # type: ignore[misc]
    """asyncpg's connection without the reset query on every release to the pool.

    asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    each time a connection goes back to the pool: a round trip per request and per
    transaction (~8% of an accepted lunch order's samples in py-spy). We set no session
    state, hold no advisory locks, open no cursors across a release and LISTEN to
    nothing, so it has nothing to undo; asyncpg still rolls back a transaction left open.
    """

    def get_reset_query(self) -> str:
        return ""


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        url = "asyncpg://" + url[len("postgres://") :]
    connection: str | dict[str, Any] = url
    if url.startswith("asyncpg://"):
        connection = expand_db_url(url)
        connection["credentials"]["connection_class"] = PgConnection
        # Our own client class: a dropped connection never outlives its transaction
        # (server/pg_backend.py).
        connection["engine"] = "server.pg_backend"
    if url_is_sqlite(url):
        # Our own client class: WAL, busy timeout, BEGIN IMMEDIATE (server/sqlite_backend.py).
        connection = {
            "engine": "server.sqlite_backend",
            "credentials": {"file_path": url[len("sqlite://") :], "journal_size_limit": 16384},
        }
    return {
        "connections": {"default": connection},
        "apps": {
            domain: {
                "models": [module],
                "default_connection": "default",
                "migrations": f"migrations.{domain}",
            }
            for domain, module in domains().items()
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str) -> None:
    if url_is_sqlite(database_url):
        _ensure_sqlite_dir(database_url)
    # The global fallback lets request tasks, started outside the listener's context,
    # see the ORM (Tortoise 1.x keeps its state in a ContextVar otherwise).
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    # Connect now, not lazily on the first request: a first query cancelled while the
    # driver is still connecting (a client hanging up, a health-check timeout) leaves
    # Tortoise's SQLite client half-open and every later query waiting forever.
    from tortoise import connections

    await connections.get("default").execute_query("SELECT 1")


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every pending migration of every domain (idempotent)."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.api import migrate as run_migrations

    if url_is_sqlite(database_url):
        _ensure_sqlite_dir(database_url)
    # A context of its own: the migration's connections close when it ends and
    # never become the process's global ORM state.
    async with TortoiseContext():
        await run_migrations(config=tortoise_config(database_url))


def url_is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite://")


def _ensure_sqlite_dir(database_url: str) -> None:
    from pathlib import Path

    path = database_url[len("sqlite://") :]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
