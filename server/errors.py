"""The one error type of the service (API.md §1).

Services and the booking engine raise these; one handler (server/error_handler.py)
renders them. This module imports nothing from Sanic so that `services/` and
`booking/` can use it.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error with an HTTP status, a stable code, a Chinese message and details."""

    status: int = 500
    code: str = "internal"
    message: str = "服务器内部错误"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
        code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        self.details: dict[str, Any] = details or {}
        # Seconds a client should wait before trying again (429, 503): the error
        # handler writes it as the Retry-After header; services set no headers.
        self.retry_after = retry_after
        super().__init__(self.message)

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AppError):
    status, code, message = 400, "invalid_input", "请求参数有误"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message, details={"fields": fields})


class Unauthorized(AppError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "没有权限执行此操作"


class NotBound(AppError):
    status, code, message = 403, "not_bound", "请先绑定工号"


class NotFound(AppError):
    status, code, message = 404, "not_found", "对象不存在"


class MethodNotAllowed(AppError):
    status, code, message = 405, "method_not_allowed", "不支持该请求方法"

    def __init__(self, *, allow: str = "") -> None:
        super().__init__()
        self.allow = allow  # the methods the path serves: the Allow header


class Conflict(AppError):
    status, code, message = 409, "conflict", "与已有记录冲突"


class SlotFull(AppError):
    status, code, message = 409, "slot_full", "该时段已约满"


class SoldOut(AppError):
    status, code, message = 409, "sold_out", "该菜品已售罄"


class LimitReached(AppError):
    status, code, message = 409, "limit_reached", "已达到个人预订上限"


class TooLate(AppError):
    status, code, message = 409, "too_late", "已过截止时间"


class TooEarly(AppError):
    status, code, message = 409, "too_early", "还未到允许的时间"


class InvalidState(AppError):
    status, code, message = 409, "invalid_state", "当前状态不允许此操作"

    def __init__(self, state: str, message: str | None = None, **details: Any) -> None:
        super().__init__(message, details={"state": state, **details})


class WrongDay(AppError):
    """A pickup code of another day at the till: `details.date` is the order's day."""

    status, code, message = 409, "wrong_day", "非今日订单"


class WrongCanteen(AppError):
    """A pickup code of another canteen at a till that names its canteen."""

    status, code, message = 409, "wrong_canteen", "非本食堂订单"


class Stale(AppError):
    """The object moved on since the client saw it: an action meant for what it was then
    must not apply to what it is now (API.md §1, `details.status` the current one)."""

    status, code, message = 409, "stale", "该申请已进入下一环节，请刷新后再操作"

    def __init__(self, status: str, message: str | None = None) -> None:
        super().__init__(message, details={"status": status})


class IdempotencyMismatch(AppError):
    status, code, message = 409, "idempotency_mismatch", "幂等键已用于另一个请求"


class PayloadTooLarge(AppError):
    status, code, message = 413, "payload_too_large", "请求内容过大"


class UnsupportedMediaType(AppError):
    status, code, message = 415, "unsupported_media_type", "不支持的文件类型"


class RateLimited(AppError):
    status, code, message = 429, "rate_limited", "请求过于频繁，请稍后再试"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(
            message,
            details={"retry_after": retry_after},
            retry_after=retry_after,
        )


class ServiceUnavailable(AppError):
    status, code, message = 503, "unavailable", "服务暂时不可用"


# Every code of API.md §1, so the OpenAPI document can list them per endpoint.
ERROR_STATUS: dict[str, int] = {
    cls.code: cls.status
    for cls in (
        InvalidInput,
        Unauthorized,
        Forbidden,
        NotBound,
        NotFound,
        MethodNotAllowed,
        Conflict,
        SlotFull,
        SoldOut,
        LimitReached,
        TooLate,
        TooEarly,
        InvalidState,
        WrongDay,
        WrongCanteen,
        Stale,
        IdempotencyMismatch,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        ServiceUnavailable,
        AppError,
    )
}
