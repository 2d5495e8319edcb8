"""One handler renders every error in the shape of API.md §1: ours, validation,
Sanic's own 404/405/413, and unexpected exceptions (500 `internal`, no stack trace)."""

from __future__ import annotations

import json
import logging

import asyncpg
import orjson
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sanic import HTTPResponse, Request
from sanic.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RangeNotSatisfiable,
    RequestCancelled,
    RequestTimeout,
    SanicException,
)
from sanic.handlers import ErrorHandler
from tortoise.exceptions import DBConnectionError

from server import errors
from server.logs import request_id_var

log = logging.getLogger("qinejia.errors")


# orjson: ~20x faster than json.dumps here, and at the lunch rush most answers are
# errors (409 slot_full). Non-str keys and datetimes are written as json.dumps with
# default=str wrote them.
_ORJSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def render(error: errors.AppError) -> HTTPResponse:
    try:
        body: bytes | str = orjson.dumps(error.to_body(), default=str, option=_ORJSON)
    except TypeError:  # what only json.dumps writes: an integer past 64 bits (a made-up id)
        body = json.dumps(error.to_body(), ensure_ascii=False, default=str)
    headers = {"X-Request-ID": request_id_var.get()}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.MethodNotAllowed) and error.allow:
        headers["Allow"] = error.allow
    return HTTPResponse(
        body, status=error.status, headers=headers, content_type="application/json; charset=utf-8"
    )


# A dependency that cannot be reached: the client did nothing wrong and may retry.
# PostgreSQL's: a connection the server terminated or lost (asyncpg raises these as
# they are, Tortoise translates none of them), refused while the server shuts down or
# starts, or a driver connection left unusable by the fault (InterfaceError, which
# includes "connection is closed"; InternalClientError, which asyncpg raises for the
# next operation on a pooled connection that received the server's FATAL while idle:
# its protocol still waits for the end of that error when the socket close has not
# yet been seen. server/pg_backend.py closes such a connection).
UNREACHABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    DBConnectionError,
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


def unreachable(exception: BaseException) -> bool:
    """A dependency fault, also when wrapped (`raise X from fault`, as Tortoise does)."""
    seen: BaseException | None = exception
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, UNREACHABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


RETRY_AFTER_S = 5


def unavailable(exception: BaseException) -> errors.ServiceUnavailable:
    """503 unavailable with Retry-After (API.md §1) for an unreachable Redis or database."""
    part = "redis" if isinstance(exception, (RedisConnectionError, RedisTimeoutError)) else "db"
    return errors.ServiceUnavailable(
        details={"dependency": part, "retry_after": RETRY_AFTER_S},
        retry_after=RETRY_AFTER_S,
    )


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """The methods the router serves on this request's path.

    Sanic fills Allow only for static paths: its compiled tree raises NoMethod for a
    path with a parameter without the route's methods. Asking the router per method is
    exact for both (and cached by Sanic's router).
    """
    router = request.app.router
    host = request.headers.get("host")
    found: list[str] = []
    for method in _METHODS:
        try:
            router.get(request.path, method, host)
        except (NotFound, MethodNotAllowed):
            continue
        found.append(method)
    if "GET" in found:
        found.append("HEAD")
    return found


def to_app_error(exception: BaseException, request: Request | None = None) -> errors.AppError:
    """Translate anything raised into an AppError (unexpected → 500 internal)."""
    if isinstance(exception, errors.AppError):
        return exception
    if unreachable(exception):
        return unavailable(exception)
    if isinstance(exception, NotFound):
        return errors.NotFound("接口不存在")
    if isinstance(exception, MethodNotAllowed):
        headers = dict(getattr(exception, "headers", {}) or {})
        allow = next((v for k, v in headers.items() if k.lower() == "allow"), "")
        if not allow and request is not None:
            allow = ", ".join(allowed_methods(request))
        return errors.MethodNotAllowed(allow=allow)
    if isinstance(exception, PayloadTooLarge):
        return errors.PayloadTooLarge()
    if isinstance(exception, BadRequest):
        return errors.InvalidInput({"body": "请求格式不正确"})
    if isinstance(exception, RequestTimeout):
        return errors.AppError("请求超时", status=408, code="request_timeout")
    if isinstance(exception, RangeNotSatisfiable):
        return errors.AppError("范围无效", status=416, code="range_not_satisfiable")
    if isinstance(exception, SanicException) and 400 <= exception.status_code < 500:
        return errors.AppError("请求无效", status=exception.status_code, code="invalid_request")
    return errors.AppError()


class AppErrorHandler(ErrorHandler):
    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, RequestCancelled):
            # The client hung up; nobody reads this answer and nothing went wrong here.
            return render(errors.AppError("客户端已断开", status=499, code="client_closed"))
        error = to_app_error(exception, request)
        if isinstance(error, errors.ServiceUnavailable) and not isinstance(
            exception, errors.AppError
        ):
            # Expected during an outage, once per request: one line, no traceback.
            log.warning(
                "dependency unreachable (%s: %s) on %s %s",
                type(exception).__name__,
                exception,
                getattr(request, "method", "?"),
                getattr(request, "path", "?"),
            )
        elif error.status >= 500 and not isinstance(exception, errors.AppError):
            log.error(
                "unhandled %s on %s %s",
                type(exception).__name__,
                getattr(request, "method", "?"),
                getattr(request, "path", "?"),
                exc_info=exception,
            )
        return render(error)
