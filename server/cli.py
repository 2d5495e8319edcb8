"""`python -m server run|migrate|makemigrations|import-staff|import-books|import-attendance|seed-demo|worker|repair-orphans|reconcile|forget-principals|requeue-notices`.

All commands read the same settings. A configuration error prints one line naming
the variable and exits 2, without a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging.config
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from server.config import ConfigError, Settings, load_settings
from server.errors import AppError
from server.logs import logging_config


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


async def _with_resources(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from server import registry, resources

    registry.install()  # every domain's hooks, whichever modules the command imported

    await resources.open_resources(settings)
    try:
        return await work()
    finally:
        await resources.close_resources()


# What an import file may be written in: UTF-8 (with or without the BOM Excel writes)
# and GB18030, the superset of the GBK that Chinese Excel saves CSV in by default.
IMPORT_ENCODINGS = ("utf-8-sig", "gb18030")


def _csv_text(path: Path) -> str:
    """The text of an import file, or exit 2 with one line saying what is wrong with it."""
    if not path.is_file():
        print(f"{path}: 文件不存在", file=sys.stderr)
        raise SystemExit(2)
    data = path.read_bytes()
    for encoding in IMPORT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    print(
        f"{path}: 无法识别的文件编码，CSV 应为 UTF-8（可带 BOM）或 GB18030/GBK 编码",
        file=sys.stderr,
    )
    raise SystemExit(2)


def _progress(label: str) -> Callable[[int, int], None] | None:
    """A progress line on stderr for a person watching a terminal; nothing in a pipe or
    a log (the summary line on stdout is what scripts read)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _refused(path: Path, exc: AppError) -> NoReturn:
    """A file the import refuses as a whole: one line naming what is wrong, exit 2."""
    reasons = [f"{where}: {why}" for where, why in exc.details.get("fields", {}).items()]
    shown = "；".join(reasons[:5]) or exc.message
    if len(reasons) > 5:
        shown += f"；另有 {len(reasons) - 5} 处"
    print(f"{path}: 未导入（{shown}）", file=sys.stderr)
    raise SystemExit(2)


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> None:
    from server.db import close_db, migrate

    async def main() -> None:
        try:
            await migrate(settings.database_url)
        finally:
            await close_db()

    asyncio.run(main())
    print("migrations applied")


def cmd_makemigrations(settings: Settings, args: argparse.Namespace) -> None:
    """Write new migration files for the domains whose models changed (developers).

    The autodetector compares models with the migration files, not with a live
    database, so it runs against a throwaway in-memory SQLite.
    """
    import json
    import tempfile

    from tortoise.cli.cli import run_cli_async

    from server.db import tortoise_config

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump(tortoise_config("sqlite://:memory:"), config_file)
    # Tortoise loads only the apps named; every domain points at identity.User, so it
    # always comes along (it gets no new migration unless its models changed).
    domains = ["identity", *sorted(set(args.domains) - {"identity"})] if args.domains else []
    argv = ["--config-file", config_file.name, "makemigrations", *domains]
    if args.name:
        argv += ["--name", args.name]
    code = asyncio.run(run_cli_async(argv))
    Path(config_file.name).unlink(missing_ok=True)
    raise SystemExit(code)


def cmd_import_staff(settings: Settings, args: argparse.Namespace) -> None:
    from server import resources
    from services import identity

    path = Path(args.file)
    text = _csv_text(path)
    settings = resources.prepare_environment(settings)

    async def work() -> identity.ImportCounts:
        rows = identity.parse_staff_csv(text)
        return await identity.import_staff(rows=rows, now=datetime.now(UTC))

    try:
        result = asyncio.run(_with_resources(settings, work))
    except AppError as exc:
        _refused(path, exc)
    print(f"staff directory: {result.created} created, {result.updated} updated")


def cmd_import_books(settings: Settings, args: argparse.Namespace) -> None:
    """The library's existing catalogue (isbn,title,author,publisher,year,barcodes).

    Idempotent: a known ISBN or barcode is left as it is. Each row is imported whole or
    not at all; bad rows are listed by line number and make the exit status 1. A file
    refused as a whole (unreadable, wrong columns) exits 2 with one line.
    """
    from server import resources
    from services import library

    path = Path(args.file)
    text = _csv_text(path)
    settings = resources.prepare_environment(settings)
    try:
        report = asyncio.run(
            _with_resources(
                settings,
                lambda: library.import_books(text=text, progress=_progress("导入图书")),
            )
        )
    except AppError as exc:
        _refused(path, exc)
    for line, reason in report.errors:
        print(f"line {line}: {reason}", file=sys.stderr)
    print(
        f"library catalogue: {report.titles_created} titles and {report.copies_created} copies "
        f"created, {report.rows_unchanged} rows unchanged, {len(report.errors)} bad rows"
    )
    if report.errors:
        raise SystemExit(1)


def cmd_seed_demo(settings: Settings, _: argparse.Namespace) -> None:
    import demo
    from server import resources

    settings = resources.prepare_environment(settings)
    summary = asyncio.run(_with_resources(settings, lambda: demo.seed(now=datetime.now(UTC))))
    for line in summary:
        print(line)


def cmd_repair_orphans(settings: Settings, _: argparse.Namespace) -> None:
    """What the reconcile job also does every minute, on demand (after an upgrade)."""
    import booking
    from server import resources

    settings = resources.prepare_environment(settings)

    async def work() -> list[dict[str, Any]]:
        return await booking.repair_orphans(now=datetime.now(UTC))

    repaired = asyncio.run(_with_resources(settings, work))
    for found in repaired:
        print(
            f"given back: {found['domain']} reservation {found['reservation_id']} "
            f"(user {found['user_id']}, was {found['status']})"
        )
    print(f"orphan reservations repaired: {len(repaired)}")


def cmd_forget_principals(settings: Settings, _: argparse.Namespace) -> None:
    """After editing staff or tokens in the database by hand: retire every cached
    principal (the shared ones at once, the workers' own within AUTH_CACHE_SECONDS)."""
    from server import resources
    from services import identity

    settings = resources.prepare_environment(settings)
    asyncio.run(_with_resources(settings, identity.retire_cached_principals))
    print("cached principals retired")


def cmd_requeue_notices(settings: Settings, args: argparse.Namespace) -> None:
    """Parked notices (WeChat refused them five times) get five more attempts, once the
    cause is fixed (docs/notifications.md, Operations)."""
    from server import resources
    from services.notifications import delivery

    settings = resources.prepare_environment(settings)

    async def work() -> int:
        return await delivery.requeue_dead(notice_ids=args.notice_ids, now=datetime.now(UTC))

    requeued = asyncio.run(_with_resources(settings, work))
    print(f"parked notices requeued: {requeued} of {len(args.notice_ids)}")


def _metrics_dir(settings: Settings, group: str) -> None:
    """Counters of this process group (a `run` with its workers and background process,
    or a `worker`) in a fresh directory of their own, named before prometheus_client
    is imported by any process of the group (server/metrics.py)."""
    import shutil

    directory = settings.metrics_path / group
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    if settings.embedded_redis:
        print("configuration error: REDIS_URL must be set for a separate worker", file=sys.stderr)
        raise SystemExit(2)
    _metrics_dir(settings, f"worker-{settings.metrics_port}")
    from jobs import background
    from server import resources

    resources.prepare_environment(settings)  # the fake WeChat (Pay) when none is configured
    asyncio.run(background.run(with_jobs=not args.no_jobs, metrics_port=settings.metrics_port))


def cmd_reconcile(settings: Settings, _: argparse.Namespace) -> None:
    """What the booking.reconcile job does every minute, at once: after a web process
    died mid-rush, the places it had taken but never wrote are free again now."""
    from jobs.booking import reconcile
    from server import resources

    settings = resources.prepare_environment(settings)
    report = asyncio.run(_with_resources(settings, lambda: reconcile(now=datetime.now(UTC))))
    print(f"booking copies reconciled: {report or 'nothing to repair'}")


def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    _metrics_dir(settings, f"web-{settings.port}")
    from sanic import Sanic
    from sanic.worker.loader import AppLoader
    from sanic.worker.manager import WorkerManager

    from server import resources
    from server.app import create_app

    settings = resources.prepare_environment(settings)
    # Sanic stops everything when a worker has not reported ready within 30 s. A
    # worker imports every domain and documents ~130 routes (~6 s of CPU); three
    # processes starting at once on a busy 2-core host took longer (seen here with the
    # load average at 6). A worker that truly hangs still stops the start, after 120 s.
    WorkerManager.THRESHOLD = 1200  # tenths of a second
    loader = AppLoader(factory=partial(create_app))
    app = loader.load()
    if settings.run_jobs and not args.single_process:
        from jobs.background import process_main

        @app.main_process_ready
        async def start_background(app: Any) -> None:
            # One background process per host (not per worker): jobs + notice consumer.
            app.manager.manage("background", process_main, {})

    elif settings.run_jobs:
        from jobs.background import start_in_loop

        @app.after_server_start
        async def start_background_here(app: Any) -> None:
            app.ctx.stop_background = await start_in_loop()

        @app.before_server_stop
        async def stop_background_here(app: Any) -> None:
            await app.ctx.stop_background()

    base = f"http://{settings.host}:{settings.port}"
    print(f"勤e家 API:  {base}/api/v1   (health: {base}/api/v1/health)", flush=True)
    print(f"API docs:  {base}/docs   (OpenAPI: {base}/docs/openapi.json)", flush=True)
    print(f"H5 app:    {base}/app/   (demo logins: {base}/app/?code=demo-S0001)", flush=True)
    if settings.fake_wechat:
        print(f"fake WeChat: {settings.wechat_api_base}", flush=True)
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        single_process=args.single_process,
        access_log=settings.access_log,
        motd=False,
    )
    Sanic.serve(primary=app, app_loader=loader)


def cmd_import_attendance(settings: Settings, args: argparse.Namespace) -> None:
    """The attendance machines' CSV export (team,date,present): all rows or none."""
    from server import resources
    from services import assessment

    path = Path(args.file)
    text = _csv_text(path)
    settings = resources.prepare_environment(settings)

    async def work() -> dict[str, int]:
        return await assessment.import_rows(rows=assessment.parse_csv(text))

    try:
        result = asyncio.run(_with_resources(settings, work))
    except AppError as exc:
        _refused(path, exc)
    print(
        f"attendance: {result['created']} created, {result['updated']} updated, "
        f"{result['unchanged']} unchanged"
    )


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], None]] = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "makemigrations": cmd_makemigrations,
    "import-staff": cmd_import_staff,
    "seed-demo": cmd_seed_demo,
    "import-books": cmd_import_books,
    "worker": cmd_worker,
    "repair-orphans": cmd_repair_orphans,
    "import-attendance": cmd_import_attendance,
    "forget-principals": cmd_forget_principals,
    "reconcile": cmd_reconcile,
    "requeue-notices": cmd_requeue_notices,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server", description="勤e家 backend")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve the API")
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--single-process", action="store_true")
    sub.add_parser("migrate", help="apply database migrations")
    make = sub.add_parser("makemigrations", help="write migrations for changed models")
    make.add_argument("domains", nargs="*")
    make.add_argument("--name")
    staff = sub.add_parser("import-staff", help="upsert the staff directory from a CSV file")
    staff.add_argument("file")
    sub.add_parser("seed-demo", help="create demo data (idempotent)")
    books = sub.add_parser("import-books", help="import the library catalogue from a CSV file")
    books.add_argument("file")
    worker = sub.add_parser("worker", help="run the job scheduler and queue consumers")
    worker.add_argument("--no-jobs", action="store_true", help="consumers only")
    sub.add_parser(
        "repair-orphans", help="give back reservations left without their order or booking"
    )
    sub.add_parser(
        "forget-principals", help="retire cached principals after a hand edit of staff or tokens"
    )
    sub.add_parser(
        "reconcile", help="compare the booking gate in Redis with the database and repair it now"
    )
    requeue = sub.add_parser(
        "requeue-notices", help="give parked notices five more delivery attempts"
    )
    requeue.add_argument("notice_ids", nargs="+", type=int, metavar="NOTICE_ID")
    attendance = sub.add_parser(
        "import-attendance", help="import team attendance from a CSV file (team,date,present)"
    )
    attendance.add_argument("file")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = _settings_or_exit()
    logging.config.dictConfig(logging_config())
    COMMANDS[args.command](settings, args)
