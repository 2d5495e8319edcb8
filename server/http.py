"""Small helpers every handler uses: parse a body or query with pydantic, reply JSON,
read the current time, and document the endpoint in OpenAPI in one decorator.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from sanic import HTTPResponse, Request
from sanic_ext.extensions.openapi import openapi

from server import resources, wire, xlsx
from server.clock import utc
from server.errors import ERROR_STATUS, InvalidInput, PayloadTooLarge, UnsupportedMediaType
from server.openapi_schema import RawSchema, field_schema, model_schema
from services.text import bidi_fields

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

# pydantic error type → the reason shown to the user in details.fields.
_REASONS = {
    "missing": "必填",
    "string_too_short": "太短或为空",
    "string_too_long": "太长",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "greater_than": "太小",
    "greater_than_equal": "太小",
    "less_than": "太大",
    "less_than_equal": "太大",
    "too_short": "数量太少",
    "too_long": "数量太多",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "datetime_type": "应为 ISO 8601 时间",
    "datetime_parsing": "应为 ISO 8601 时间",
    "datetime_from_date_parsing": "应为 ISO 8601 时间",
    "extra_forbidden": "不支持的字段",
    "string_pattern_mismatch": "格式不正确",
    "time_parsing": "应为时间 HH:MM",
    "time_type": "应为时间 HH:MM",
    "string_unicode": "不是有效的文本",
}


def _nul_fields(value: Any, path: str = "") -> dict[str, str]:
    """Fields whose text holds a NUL byte: PostgreSQL refuses to store one (a 500 otherwise)."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if "\x00" in value:
            found[path or "body"] = "不能包含空字符"
    elif isinstance(value, dict):
        for key, item in value.items():
            found.update(_nul_fields(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(_nul_fields(item, f"{path}.{index}" if path else str(index)))
    return found


def fields_from(error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"]) or "body"
        reason = _REASONS.get(item["type"])
        if reason is None:
            message = str(item.get("msg", "无效"))
            reason = message.removeprefix("Value error, ")
        fields.setdefault(location, reason)
    return fields


# Our bodies nest a few levels (a menu's dishes, a ticket's photo ids); anything deeper
# is an attack on the parser (json.loads recurses: 1,000 levels were a RecursionError,
# a 500 and a traceback in the log per request). The staff import, the largest body,
# is ~110 bytes an employee: 15,000 employees fit in 4 MiB.
JSON_MAX_DEPTH = 32
JSON_MAX_BYTES = 4 * 1024 * 1024
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # +1 / -1 as int8


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, without parsing it.

    Brackets inside strings do not count; runs in C (regex, translate, accumulate).
    """
    if raw.count(b"[") + raw.count(b"{") <= JSON_MAX_DEPTH:
        return 0  # cannot nest deeper than the brackets it has: the common case
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    steps = memoryview(brackets.translate(_BRACKET_STEP)).cast("b")
    return max(itertools.accumulate(steps), default=0)


def _may_hide_controls(raw: bytes) -> bool:
    """Whether some string of a JSON text could hold a NUL or a bidi control.

    A NUL can only arrive as a `\\u` escape (json.loads refuses raw control
    characters), a bidi control as an escape or as non-ASCII bytes; a UTF-16 or
    UTF-32 text (json.loads detects them) always has NUL bytes. Most bodies (every lunch order) are plain ASCII
    without escapes and skip the walk over their fields; a false positive (an escaped
    backslash followed by `u`) only costs the walk.
    """
    return b"\\u" in raw or b"\x00" in raw or not raw.isascii()


def _loads(raw: bytes) -> Any:
    """orjson (~10x faster) for the UTF-8 bodies every client sends; json.loads for what
    only it reads (UTF-16/32 text, NaN), so that what parsed before still parses."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_body(request: Request, model: type[M], *, nul_ok: Iterable[str] = ()) -> M:
    """The JSON body as `model`, or 400 invalid_input with details.fields.

    Guards run before parsing: a body that is not declared JSON is 415, one over
    JSON_MAX_BYTES 413, one nested deeper than JSON_MAX_DEPTH 400. Text with a NUL byte
    is refused (PostgreSQL cannot store it), except in the top-level fields named in
    `nul_ok`, whose service treats any garbage as data (a gate token); so is text with
    a bidi control character (services/text.py), in every field.
    """
    raw = request.body
    if not raw:
        raise InvalidInput({"body": "请求体不能为空"})
    if not _is_json(request.headers.get("content-type")):
        raise UnsupportedMediaType("请求体应为 JSON（Content-Type: application/json）")
    if len(raw) > JSON_MAX_BYTES:
        raise PayloadTooLarge()
    if json_depth(raw) > JSON_MAX_DEPTH:
        raise InvalidInput({"body": f"JSON 嵌套不能超过{JSON_MAX_DEPTH}层"})
    try:
        payload = _loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput({"body": "不是有效的 JSON"}) from None
    if not _may_hide_controls(raw):
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            raise InvalidInput(fields_from(exc)) from None
    exempt = set(nul_ok)
    refused = {
        field: reason
        for field, reason in {**bidi_fields(payload), **_nul_fields(payload)}.items()
        if field not in exempt
    }
    if refused:
        raise InvalidInput(refused)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput(fields_from(exc)) from None


def has_multipart_boundary(request: Request) -> bool:
    """A multipart/form-data body Sanic can parse. Without a boundary, touching
    `request.form`/`request.files` makes Sanic log a traceback per request (a log
    flood anyone with a token could cause), so callers refuse such a body first."""
    header = request.headers.get("content-type", "")
    return header.lower().startswith("multipart/form-data") and "boundary=" in header.lower()


def parse_query(request: Request, model: type[M], *, lists: Iterable[str] = ()) -> M:
    """Query arguments as `model`; names in `lists` keep every value, others the first."""
    many = set(lists)
    data: dict[str, Any] = {}
    for key, values in request.args.items():
        data[key] = values if key in many else values[0]
    for key in many:
        if key in data and len(data[key]) == 1 and "," in data[key][0]:
            data[key] = [v for v in data[key][0].split(",") if v]
    nul = _nul_fields(data)
    if nul:
        raise InvalidInput(nul)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(fields_from(exc)) from None


def reply(
    result: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    """JSON with Chinese kept as is (API.md §1: no ASCII escaping), serialized through
    the response model `doc()` documents for this route and `status` (server/wire.py):
    a route names its model once, in its documentation, and serves exactly that shape.
    A status the route does not document is a programming error (500, named in the log).
    """
    request = Request.get_current()
    documented = wire.documented(request.route.handler if request.route else None)
    model = documented.get(status)
    if model is None:
        raise wire.Undocumented(
            f"{request.method} {request.path}: no response model documented for {status}"
        )
    payload = wire.serialize(model, result)
    if resources.settings().app_env == "test":
        wire.check(model=model, result=result, payload=payload, status=status)
    return HTTPResponse(
        payload, status=status, headers=headers, content_type="application/json; charset=utf-8"
    )


def workbook(data: bytes, *, filename: str) -> HTTPResponse:
    """An Excel workbook (server/xlsx.py wrote it) as a download named `filename`."""
    return HTTPResponse(
        data,
        content_type=xlsx.CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def now(request: Request | None = None) -> datetime:
    """The current time, UTC. Under APP_ENV=test a request may set it with `X-Test-Now`
    so that HTTP tests of time windows need no sleeping; elsewhere the header is ignored."""
    if request is not None and resources.settings().app_env == "test":
        forced = request.headers.get("x-test-now")
        if forced:
            try:
                value = datetime.fromisoformat(forced)
            except ValueError:
                raise InvalidInput({"X-Test-Now": "应为 ISO 8601 时间"}) from None
            if value.tzinfo is None:
                value = value.replace(tzinfo=resources.settings().tz)
            return utc(value)
    return datetime.now(UTC)


def _schema_of(schema: type[BaseModel] | dict[str, Any]) -> RawSchema:
    if isinstance(schema, dict):
        return RawSchema(schema)
    return RawSchema(model_schema(schema, "serialization"))


IDEMPOTENT_CODES = {"conflict", "idempotency_mismatch", "invalid_input"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(BaseModel):
    """The one error shape of API.md §1."""

    error: ErrorDetail


def doc(
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | dict[str, Any] | None = None,
    status: int = 200,
    extra_responses: dict[int, tuple[Any, str]] | None = None,
    errors: Iterable[str] = (),
    auth: bool = True,
    description: str | None = None,
    content_type: str = "application/json",
    alternatives: dict[str, dict[str, Any]] | None = None,
) -> Callable[[F], F]:
    """Document an endpoint: summary, body, query, success schema and its error codes.

    Error codes are grouped by status, each status answering the one error shape. A
    handler under `@idempotent` also answers conflict (the same key still in progress)
    and idempotency_mismatch. `body_required=False`: a body the handler reads only when
    one is sent.
    """
    codes = set(errors) | {"unavailable"}
    if auth:
        codes |= {"unauthorized", "not_bound"}
    if body is not None or query is not None:
        codes.add("invalid_input")
    if body is not None:
        codes |= {"unsupported_media_type", "payload_too_large"}

    # The JSON answers a handler serializes through a model (server/wire.py).
    models = {
        code_status: schema
        for code_status, schema in [(status, response)]
        + [(s, schema) for s, (schema, _text) in (extra_responses or {}).items()]
        if isinstance(schema, type) and issubclass(schema, BaseModel)
    }
    if not _is_json(content_type):
        models.pop(status, None)

    def decorate(func: F) -> F:
        setattr(func, wire.RESPONSES_ATTR, models)
        found = codes | (IDEMPOTENT_CODES if getattr(func, "__idempotent__", False) else set())
        by_status: dict[int, list[str]] = {}
        for code in sorted(found):
            by_status.setdefault(ERROR_STATUS[code], []).append(code)
        decorated: Any = openapi.summary(summary)(func)
        decorated = openapi.tag(tag)(decorated)
        if description:
            decorated = openapi.description(description)(decorated)
        if body is not None:
            decorated = openapi.body(
                {"application/json": RawSchema(model_schema(body))}, required=body_required
            )(decorated)
        if query is not None:
            for attribute, field in query.model_fields.items():
                name = field.alias or attribute  # what the client sends (`from`, not `date_from`)
                decorated = openapi.parameter(
                    name,
                    RawSchema(field_schema(query, name)),
                    "query",
                    required=field.is_required(),
                    description=field.description,
                )(decorated)
        if response is not None:
            # `alternatives`: other media types the same success may answer with (an
            # Excel export of a JSON report), so response checks know them.
            content = {content_type: _schema_of(response)}
            content |= {media: RawSchema(schema) for media, schema in (alternatives or {}).items()}
            decorated = openapi.response(status, content, "成功")(decorated)
        elif status == 204:
            # No body, so no media type (content=None would document "*/*").
            decorated = openapi.response(204, {}, description="成功（无内容）")(decorated)
        extra = extra_responses or {}
        for code_status, (schema, text) in extra.items():
            if code_status in by_status:
                continue  # documented below, with the error shape
            decorated = openapi.response(
                code_status, {"application/json": _schema_of(schema)}, text
            )(decorated)
        for code_status, names in by_status.items():
            error_schema = model_schema(ErrorBody)
            text = "错误: " + ", ".join(names)
            if code_status in extra:
                # The same status answers a documented body too (a 503 health report).
                schema, also = extra[code_status]
                error_schema = {"oneOf": [_schema_of(schema).serialize(), error_schema]}
                text = f"{also}；或{text}"
            decorated = openapi.response(
                code_status, {"application/json": RawSchema(error_schema)}, text
            )(decorated)
        if auth:
            decorated = openapi.secured("token")(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
