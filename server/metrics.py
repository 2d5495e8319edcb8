"""Prometheus metrics of every process: `GET /metrics` (never reachable through nginx).

What is counted where:
- every request, by route template, method and status, in a latency histogram (its
  `_count` is the request count) — a response middleware;
- booking attempts by domain and result (`booking.reserve`), group-commit batch sizes
  (`booking/batch.py`), notices by delivery outcome (the consumer), job runs and
  failures (the scheduler) — one-line hooks at their result points;
- at scrape time, from the database and Redis: outbox rows waiting and the age of the
  oldest, parked notices, each job's last success and interval, and whether this
  process reaches Redis and the database.

Multiprocess: `python -m server run` starts several processes (Sanic workers, the
background process) and several `run` processes may share a host, so counters live
in memory-mapped files (prometheus_client's multiprocess mode) under one directory per
`run` or `worker` process group, named by `PROMETHEUS_MULTIPROC_DIR` before
prometheus_client is imported (server/cli.py does it first thing). Any process of the
group answers /metrics with the sum over the group; Prometheus scrapes each group.
Without that variable (tests, a single process) the values live in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from server import resources
from server.logs import get_logger

if TYPE_CHECKING:  # booking/ and services/ call the hooks and never import Sanic
    from sanic import HTTPResponse, Request, Sanic

log = get_logger("metrics")

PATH = "/metrics"
JOBS_LAST_SUCCESS = "jobs:last_success"  # Redis hash: job name -> epoch seconds
SCRAPE_TIMEOUT_S = 2.0

REQUEST_SECONDS = Histogram(
    "qinejia_http_request_duration_seconds",
    "Time from the request line to the response, by route template, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BOOKINGS = Counter(
    "qinejia_bookings",
    "Booking attempts by domain and result (confirmed, waitlisted, held, replayed, or "
    "the error code: slot_full, limit_reached, sold_out, conflict, unavailable, ...).",
    ["domain", "result"],
)
BATCH_SIZE = Histogram(
    "qinejia_booking_batch_size",
    "Accepted bookings written per group-commit transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
NOTICES = Counter(
    "qinejia_notices",
    "WeChat deliveries of notices by outcome (sent, retried, parked, refused, failed, ...).",
    ["outcome"],
)
JOB_RUNS = Counter("qinejia_job_runs", "Job runs this process made (its lock won).", ["name"])
JOB_FAILURES = Counter("qinejia_job_failures", "Job runs that raised.", ["name"])

# The consumer's outcome words -> the metric's (bounded) label values.
_NOTICE_OUTCOMES = {
    "sent": "sent",
    "retry": "retried",
    "dead": "parked",
    "refused": "refused",
    "failed": "failed",
    "inbox_only": "inbox_only",
    "expired": "expired",
}


# --- hooks --------------------------------------------------------------------------

# The request path adds to plain per-process tallies (a dict lookup and two list
# additions, ~1 µs); they reach the multiprocess files (~5 µs per histogram observation:
# a lock and two memory-mapped writes each) once a second, and before this process
# answers a scrape. A process killed loses at most its last second of counts.
_BOUNDS = (*REQUEST_SECONDS._upper_bounds,)  # the buckets' upper bounds, +Inf last
_tallies: dict[tuple[str, str, int], list[float]] = {}  # key -> [sum, count per bucket...]
FLUSH_EVERY_S = 1.0


async def _observe_request(request: Request, response: HTTPResponse) -> None:
    """Response middleware: the request's latency, tallied by route template."""
    started = getattr(request.stream, "perft0", None)  # Sanic's HTTP/1 server sets it
    elapsed = time.perf_counter() - started if started is not None else 0.0  # ASGI: tests
    route = request.route
    key = (route.path if route is not None else "unmatched", request.method, response.status)
    tally = _tallies.get(key)
    if tally is None:
        tally = _tallies[key] = [0.0] * (len(_BOUNDS) + 1)
    tally[0] += elapsed
    tally[1 + bisect_left(_BOUNDS, elapsed)] += 1


def flush() -> None:
    """Move the tallies into the metrics (the multiprocess files)."""
    counted = list(_booking_tallies.items())
    _booking_tallies.clear()
    for (domain, result), count in counted:
        BOOKINGS.labels(domain, result).inc(count)
    if not _tallies:
        return
    taken = list(_tallies.items())
    _tallies.clear()
    for (route, method, status), tally in taken:
        child = REQUEST_SECONDS.labels(route, method, str(status))
        child._sum.inc(tally[0])
        for index, observed in enumerate(tally[1:]):
            if observed:
                child._buckets[index].inc(observed)


async def _flush_forever(app: Sanic[Any, Any]) -> None:
    while True:
        await asyncio.sleep(FLUSH_EVERY_S)
        flush()


_domains: dict[int, str] = {}
_booking_tallies: dict[tuple[str, str], int] = {}  # flushed with the request tallies


async def booking(resource_id: int, result: str) -> None:
    """Count a booking attempt. The engine knows resources, not domains: each process
    reads a resource's domain once, at its first booking there (one query per resource
    and process; every later attempt, a rejection included, costs no database query)."""
    domain = _domains.get(resource_id)
    if domain is None:
        domain = await _domain_of(resource_id)
    key = (domain, result)
    _booking_tallies[key] = _booking_tallies.get(key, 0) + 1


async def _domain_of(resource_id: int) -> str:
    from models.booking import Resource

    try:
        found = await asyncio.wait_for(
            Resource.filter(id=resource_id).first().values_list("domain", flat=True),
            SCRAPE_TIMEOUT_S,
        )
    except Exception:  # noqa: BLE001 - a metric never fails a booking: counted as unknown
        return "unknown"
    if found is None:
        return "unknown"
    _domains[resource_id] = str(found)
    return str(found)


async def settled() -> None:
    """(Tests) kept for callers: counts are tallied when the attempt ends."""


def batch_size(size: int) -> None:
    BATCH_SIZE.observe(size)


def notice(outcome: str) -> None:
    label = _NOTICE_OUTCOMES.get(outcome)
    if label is not None:
        NOTICES.labels(label).inc()


async def job_ran(name: str, *, ok: bool, now: datetime) -> None:
    """A job run this process made; a success is kept in Redis for the whole cluster
    (the alert asks when any process last succeeded, across restarts)."""
    JOB_RUNS.labels(name).inc()
    if not ok:
        JOB_FAILURES.labels(name).inc()
        return
    with contextlib.suppress(Exception):  # a metric never fails the job
        await resources.redis().hset(JOBS_LAST_SUCCESS, name, f"{now.timestamp():.3f}")


async def jobs_started(names: Iterable[str], *, now: datetime) -> None:
    """A scheduler starts: jobs that never succeeded in this cluster count from now, so
    "no success for two intervals" means two intervals of this scheduler, not forever."""
    with contextlib.suppress(Exception):
        redis = resources.redis()
        for name in names:
            await redis.hsetnx(JOBS_LAST_SUCCESS, name, f"{now.timestamp():.3f}")


# --- the scrape ---------------------------------------------------------------------


class _Snapshot:
    """The values read at scrape time, served as gauges."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


async def _health_families() -> list[Metric]:
    from services import health

    found = await health.check()
    parts = found if isinstance(found, dict) else vars(found)
    up = GaugeMetricFamily(
        "qinejia_dependency_up",
        "1 if this process reaches the dependency (PING, SELECT 1 within 2 s), else 0.",
        labels=["dependency"],
    )
    up.add_metric(["redis"], 1.0 if parts.get("redis") == "ok" else 0.0)
    up.add_metric(["database"], 1.0 if parts.get("db") == "ok" else 0.0)
    return [up]


async def _outbox_families(now: datetime) -> list[Metric]:
    from services.notifications import delivery

    backlog = await delivery.backlog(now=now)
    return [
        _gauge(
            "qinejia_outbox_waiting",
            "Notices written but not yet delivered to WeChat (pending or sending).",
            backlog.waiting,
        ),
        _gauge(
            "qinejia_outbox_oldest_age_seconds",
            "Age of the oldest notice still waiting for delivery (0 when none waits).",
            backlog.oldest_age_s,
        ),
        _gauge(
            "qinejia_notices_parked",
            "Notices whose WeChat delivery was given up after repeated failures.",
            backlog.parked,
        ),
    ]


async def _job_families() -> list[Metric]:
    from jobs.scheduler import discover

    known = {job.name: job.every_s for job in discover()}
    stored = await resources.redis().hgetall(JOBS_LAST_SUCCESS)
    last = GaugeMetricFamily(
        "qinejia_job_last_success_timestamp_seconds",
        "When a run of the job last succeeded anywhere in the cluster (or its scheduler started).",
        labels=["name"],
    )
    every = GaugeMetricFamily(
        "qinejia_job_interval_seconds", "How often the job runs.", labels=["name"]
    )
    for name, interval in sorted(known.items()):
        every.add_metric([name], float(interval))
        if name in stored:
            last.add_metric([name], float(stored[name]))
    return [last, every]


async def _read(part: Any, *args: Any) -> list[Metric]:
    """One part of the scrape; a part whose source is down is left out (its absence and
    qinejia_dependency_up say so), never failing the scrape."""
    try:
        return list(await asyncio.wait_for(part(*args), SCRAPE_TIMEOUT_S))
    except Exception:  # noqa: BLE001
        return []


async def exposition(*, now: datetime) -> bytes:
    """The text format: this process group's counters plus the scrape-time gauges."""
    flush()
    parts = await asyncio.gather(
        _read(_health_families), _read(_outbox_families, now), _read(_job_families)
    )
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_Snapshot([family for part in parts for family in part]))
        return generate_latest(registry)
    registry.register(_Snapshot([family for part in parts for family in part]))
    return generate_latest(REGISTRY) + generate_latest(registry)


_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def refused_through_proxy(request: Request) -> bool:
    """/metrics answers only direct connections: a request nginx forwarded carries its
    proxy headers (nginx also refuses the path itself)."""
    return any(name in request.headers for name in _PROXY_HEADERS)


def install(app: Sanic[Any, Any]) -> None:
    """The request histogram and the /metrics route (public; refused when proxied)."""
    from sanic import HTTPResponse
    from sanic_ext.extensions.openapi import openapi

    from server.auth import public
    from server.errors import NotFound
    from server.http import now

    app.register_middleware(_observe_request, "response", priority=1100)  # type: ignore[arg-type]

    @app.after_server_start
    async def _start_flushing(app: Sanic[Any, Any]) -> None:
        app.add_task(_flush_forever(app), name="metrics_flush")

    @app.before_server_stop
    async def _last_flush(app: Sanic[Any, Any]) -> None:
        flush()

    # Prometheus's exposition for the operators, not a part of the API document.
    @app.get(PATH, name="metrics")
    @openapi.exclude()
    @public
    async def metrics_endpoint(request: Request) -> HTTPResponse:
        if refused_through_proxy(request):
            raise NotFound()
        body = await exposition(now=now(request))
        return HTTPResponse(body, content_type=CONTENT_TYPE_LATEST)


async def serve(*, host: str, port: int) -> asyncio.Server:
    """/metrics of a process without the web app (`python -m server worker`): a plain
    HTTP/1.0 answer to `GET /metrics`, 404 to anything else."""
    from datetime import UTC

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), SCRAPE_TIMEOUT_S)
            method, target, *_ = head.split(b" ", 2)
            if method == b"GET" and target.split(b"?")[0] == PATH.encode():
                body = await exposition(now=datetime.now(UTC))
                status, kind = b"200 OK", CONTENT_TYPE_LATEST.encode()
            else:
                body, status, kind = b"not found\n", b"404 Not Found", b"text/plain"
            writer.write(
                b"HTTP/1.0 "
                + status
                + b"\r\nContent-Type: "
                + kind
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
            await writer.drain()
        except (TimeoutError, ValueError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, host, port)
