"""create_app(): the Sanic application, its middleware, error handler and resources."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import os
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from sanic import HTTPResponse, Request, Sanic
from sanic_ext import Extend
from sanic_ext.extensions.openapi.extension import OpenAPIExtension

import booking
from handlers import blueprints
from server import h5, methods, metrics, registry, resources, wire
from server.config import Settings, load_settings
from server.error_handler import AppErrorHandler
from server.errors import PayloadTooLarge
from server.logs import get_logger, logging_config, request_id_var

APP_NAME = "qinejia"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


SETTLE_ON_STOP_S = 10.0  # how long a stopping worker waits for abandoned bookings


def _dumps(value: Any, **kwargs: Any) -> str:
    return json.dumps(value, ensure_ascii=False, **kwargs)


def create_app(
    settings: Settings | None = None, *, manage_resources: bool = True, name: str = APP_NAME
) -> Sanic[Any, Any]:
    """Build the app. `manage_resources=False` when the caller (the test session) opens
    Redis, WeChat and the database itself and keeps them across requests."""
    settings = settings or load_settings()
    registry.install()  # every domain's booking hooks (server/registry.py)
    app = Sanic(
        name,
        log_config=logging_config(),
        dumps=_dumps,
        error_handler=AppErrorHandler(),
    )
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.ACCESS_LOG = settings.access_log
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 75
    app.config.OAS_UI_DEFAULT = "swagger"
    app.config.OAS_UI_REDOC = False
    app.config.OAS_AUTODOC = False
    app.config.CORS = False
    app.config.HEALTH = False
    # The client's address behind the proxy (rate limits and logs see the phone, not
    # nginx): believed only from what is configured, see server/config.py Proxy.
    if settings.proxy.forwarded_secret:
        app.config.FORWARDED_SECRET = settings.proxy.forwarded_secret
    if settings.proxy.proxies_count:
        app.config.PROXIES_COUNT = settings.proxy.proxies_count
    if settings.proxy.real_ip_header:
        app.config.REAL_IP_HEADER = settings.proxy.real_ip_header
    app.ctx.settings = settings

    app.config.API_TITLE = "勤e家 API"
    app.config.API_VERSION = "1.0.0"
    app.config.API_DESCRIPTION = (
        "Backend of the 勤e家 mini-program (contract: API.md v1). Every error uses one shape: "
        '{"error": {"code", "message", "details"}}. Creating POSTs honour Idempotency-Key '
        "(1-64 characters, per user and route, kept 24 h). "
        "Idempotency (API.md §1): a replay with the same key and body returns the first "
        "response, same status and body, header Idempotent-Replay: true, and creates "
        "nothing; the same key with another body is 409 idempotency_mismatch. Once the "
        "object is committed, every replay at any later time returns it: the key is "
        "committed in the same transaction as the object, so a crash or a lost database "
        "connection between the commit and the answer is answered from the committed "
        "object on replay (for a car-wash purchase the payment arguments are signed "
        "anew, for the same WeChat Pay order). A request that created nothing is not "
        "stored: a 4xx refusal (slot_full, limit_reached, sold_out, too_late, ...) "
        "writes nothing, and its replay is evaluated again, so it may succeed once a "
        "place is free (or be refused with another code). 5xx and 429 are never "
        "stored: retry with the same key. A replay arriving while the first request "
        "still runs waits for its answer (409 conflict if it has none within 15 s)."
    )
    # Only the extension we use: OpenAPI (the document). The built-in injection
    # extension adds a signal dispatch to every request for dependencies no handler
    # declares; HEAD and OPTIONS are server/methods.py's.
    Extend(app, built_in_extensions=False, extensions=[OpenAPIExtension])
    app.ext.openapi.add_security_scheme("token", "http", scheme="bearer")

    for blueprint in blueprints():
        app.blueprint(blueprint)
    h5.mount(app)  # the mini-program's H5 stand-in at /app/ (API.md §13)
    metrics.install(app)  # GET /metrics and the request histogram
    methods.add_head_and_options(app)

    app.register_middleware(_assign_request_id, "request", priority=1000)
    app.register_middleware(_echo_request_id, "response", priority=1000)  # type: ignore[arg-type]

    if settings.app_env == "test":
        app.register_middleware(_record_served, "response", priority=900)  # type: ignore[arg-type]

    if manage_resources:

        @app.before_server_start
        async def _open(app: Sanic[Any, Any]) -> None:
            await resources.open_resources(settings)

        @app.after_server_start
        async def _follow_logouts(app: Sanic[Any, Any]) -> None:
            # Another worker's logout drops the token from this worker's cache at once.
            from services import identity

            app.add_task(identity.listen_for_logouts(), name="logout_listener")

        @app.after_server_start
        async def _keep_alive(app: Sanic[Any, Any]) -> None:
            # This worker's leases on Idempotency-Keys are waited for while it lives
            # (server/idempotency.py: a killed worker's are not).
            from server import idempotency

            app.add_task(idempotency.keep_alive(), name="idempotency_keep_alive")

        @app.after_server_start
        async def _heal(app: Sanic[Any, Any]) -> None:
            # A worker that starts may be replacing one that was killed mid-request:
            # the places it took in Redis but never wrote are free again at once, not
            # at the next minute's reconcile (booking.heal_at_start). In the
            # background, so the worker answers meanwhile; a fault here is the
            # minute job's to repair.
            app.add_task(_heal_in_background(), name="booking.heal_at_start")

        @app.after_server_start
        async def _freeze(app: Sanic[Any, Any]) -> None:
            # What exists once the worker has started (modules, routes, schemas, pools)
            # lives as long as the process: move it out of the collector's sight, so
            # the collections that a request's garbage triggers stop walking it.
            gc.collect()
            gc.freeze()
            gc.set_threshold(int(os.environ.get("GC0", "700")), 10, 10)

        @app.after_server_stop
        async def _close(app: Sanic[Any, Any]) -> None:
            # Accepted bookings whose clients hung up are still being written: let them
            # finish (or give their places back) before the pools close. A kill -9 skips
            # this, and the database stays right anyway (one transaction per action).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(booking.settled(), SETTLE_ON_STOP_S)
            await resources.close_resources()

    return app


log = get_logger("app")


async def _heal_in_background() -> None:
    try:
        await booking.heal_at_start(now=datetime.now(UTC))
    except Exception:  # Redis or the database away: the reconcile job repairs later
        log.warning("booking heal at start failed", exc_info=True)


# Generated request ids: 16 random hex digits per process, then a counter (32 hex
# digits in all, like a uuid4 hex). Unique across workers and restarts without paying
# for os.urandom and a UUID object on every request; the prefix is drawn again in a
# process forked after import, so two workers never share one.
_id_state: dict[str, Any] = {}


def _next_request_id() -> str:
    if _id_state.get("pid") != os.getpid():
        _id_state.update(pid=os.getpid(), prefix=secrets.token_hex(8), counter=itertools.count(1))
    return f"{_id_state['prefix']}{next(_id_state['counter']):016x}"


async def _assign_request_id(request: Request) -> None:
    given = request.headers.get("x-request-id", "")
    request_id = given if given and _REQUEST_ID.match(given) else _next_request_id()
    request.ctx.request_id = request_id
    request_id_var.set(request_id)
    # Sanic enforces REQUEST_MAX_SIZE on its own server; under ASGI we check here too.
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > request.app.config.REQUEST_MAX_SIZE:
        raise PayloadTooLarge()


async def _record_served(request: Request, response: HTTPResponse) -> None:
    """(Tests only) JSON bodies served per route, for tests/support/wire_check.py."""
    content_type = response.content_type or ""
    if request.route is not None and content_type.startswith("application/json"):
        wire.record(
            request.method, request.route.path, response.status, bytes(response.body or b"")
        )


async def _echo_request_id(request: Request, response: HTTPResponse) -> None:
    response.headers["X-Request-ID"] = getattr(request.ctx, "request_id", request_id_var.get())
