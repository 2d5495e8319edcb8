"""Each test session's database: a copy of a template the migrations ran into once.

Running every migration takes seconds of CPU per session (and per xdist worker); the
schema they build only changes when a migration does. So the migrations run once into a
template named by a hash of the migration files, and each session copies it:

- SQLite: `var/test-templates/sqlite-<hash>.sqlite3`, copied to the session's own file.
- PostgreSQL: the database `<name>_tpl_<hash>` beside TEST_DATABASE_URL's `<name>`; the
  session's database is dropped and created again with `CREATE DATABASE … TEMPLATE …`.

A changed (or added) migration changes the hash, so the next session builds a new
template and removes the old ones. Templates are built in a child process
(`python -m server migrate`, the command production runs) under a temporary name and
renamed when complete, so two sessions starting at once (xdist workers) never copy a
half-built one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
TEMPLATES = ROOT / "var" / "test-templates"


def migrations_hash() -> str:
    """12 hex digits over every migration file's path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.relative_to(MIGRATIONS).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def _run_migrations(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "-m", "server", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrations failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


# --- SQLite ------------------------------------------------------------------------------


def sqlite_template() -> Path:
    """The migrated template file of the current migrations, built if missing."""
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    name = f"sqlite-{migrations_hash()}.sqlite3"
    template = TEMPLATES / name
    if template.exists():
        return template
    building = TEMPLATES / f"building-{os.getpid()}.sqlite3"
    for leftover in TEMPLATES.glob(f"building-{os.getpid()}.sqlite3*"):
        leftover.unlink()
    _run_migrations(f"sqlite://{building}")
    # One self-contained file (no -wal beside it), so a plain copy is the whole database.
    with contextlib.closing(sqlite3.connect(building)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(building, template)
    for stale in TEMPLATES.glob("*"):
        if stale.name != name and not stale.name.startswith("building-"):
            stale.unlink(missing_ok=True)
    for leftover in TEMPLATES.glob(f"building-{os.getpid()}.sqlite3*"):
        leftover.unlink()
    return template


def sqlite_copy(target: Path) -> str:
    """A fresh copy of the template at `target`; its DATABASE_URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for journal in ("-wal", "-shm", "-journal"):  # of an earlier database at this path
        target.with_name(target.name + journal).unlink(missing_ok=True)
    shutil.copyfile(sqlite_template(), target)
    return f"sqlite://{target}"


# --- PostgreSQL ------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _postgres_copy(url: str, name: str) -> str:
    import asyncpg

    admin_url = _with_database(url, "postgres").replace("asyncpg://", "postgres://", 1)
    base = database_name(url)
    template = f"{base}_tpl_{migrations_hash()}"
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template)
        if not exists:
            building = f"{template}_b{os.getpid()}"
            await conn.execute(f"DROP DATABASE IF EXISTS {_quote(building)} WITH (FORCE)")
            await conn.execute(f"CREATE DATABASE {_quote(building)}")
            await asyncio.to_thread(_run_migrations, _with_database(url, building))
            try:
                await conn.execute(
                    f"ALTER DATABASE {_quote(building)} RENAME TO {_quote(template)}"
                )
            except asyncpg.DuplicateDatabaseError:  # another session built it first
                await conn.execute(f"DROP DATABASE {_quote(building)} WITH (FORCE)")
            # Templates of older migrations (not another session's one being built).
            former = re.compile(re.escape(base) + r"_tpl_[0-9a-f]{12}")
            for row in await conn.fetch("SELECT datname FROM pg_database"):
                if former.fullmatch(row["datname"]) and row["datname"] != template:
                    with contextlib.suppress(asyncpg.PostgresError):
                        await conn.execute(f"DROP DATABASE IF EXISTS {_quote(row['datname'])}")
        await conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
        # A template may be copied by one session at a time: xdist workers starting
        # together take turns (a readiness wait on another process, not a time rule).
        for attempt in range(300):
            try:
                await conn.execute(f"CREATE DATABASE {_quote(name)} TEMPLATE {_quote(template)}")
                break
            except asyncpg.ObjectInUseError:
                if attempt == 299:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await conn.close()
    return _with_database(url, name)


def postgres_copy(url: str, name: str) -> str:
    """The database `name` on `url`'s server, a fresh copy of the template; its URL."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_postgres_copy(url, name))
    finally:
        loop.close()
