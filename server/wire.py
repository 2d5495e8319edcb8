"""One wire format: a JSON reply is its route's documented response model, serialized.

Services return typed results (pydantic shapes, services/<domain>/shapes.py); a
handler passes the result and its status to `server.http.reply`, which looks up the
response model `doc(response=..., extra_responses=...)` recorded for the route and that
status, validates the result into it and dumps the model's JSON. The model is the one
in the OpenAPI document, named once per route, so the documented shape and the served
one are the same object: a field the model lacks is not served, a field the result
lacks is a 500 rather than an invented value.

In tests (APP_ENV=test) every reply is also checked strictly: the model's JSON must
equal the result itself, field for field and type for type (no dropped field, no
default filled in, no int turned into a float, no reformatted time), and the model
must be the one documented for the route and status being served. A mismatch is a
`WireDrift` (a 500 in the test that caused it, which tests/support/wire_check.py also
fails by name), and the routes served are recorded for the suite's served-share check.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer, WithJsonSchema

from server.clock import wire


def _wire_time(moment: datetime) -> str:
    return wire(moment) or ""


# A time on the wire (API.md §1): services hand over aware datetimes, the response
# model writes them ISO 8601 with the service zone's offset (server.clock.wire).
WireTime = Annotated[
    datetime,
    PlainSerializer(_wire_time, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


# Ids a service returns, written on the wire as the path of the route serving them:
# services build no URLs, the HTTP layer owns its paths. GET /api/v1/uploads/{id}
# (handlers/uploads.py), GET /api/v1/assessment/photos/{id} (handlers/assessment.py) and a
# pass's QR images (handlers/visitors.py).
UPLOAD_PATH = "/api/v1/uploads/{}"
ASSESSMENT_PHOTO_PATH = "/api/v1/assessment/photos/{}"
PASS_QR_PNG_PATH = "/api/v1/visitors/passes/{}/qr.png"
PASS_QR_SVG_PATH = "/api/v1/visitors/passes/{}/qr.svg"
_PATH_SCHEMA = WithJsonSchema({"type": "string"}, mode="serialization")
UploadLink = Annotated[int, PlainSerializer(UPLOAD_PATH.format, return_type=str), _PATH_SCHEMA]
AssessmentPhotoLink = Annotated[
    int, PlainSerializer(ASSESSMENT_PHOTO_PATH.format, return_type=str), _PATH_SCHEMA
]
PassQrPngLink = Annotated[
    int, PlainSerializer(PASS_QR_PNG_PATH.format, return_type=str), _PATH_SCHEMA
]
PassQrSvgLink = Annotated[
    int, PlainSerializer(PASS_QR_SVG_PATH.format, return_type=str), _PATH_SCHEMA
]


class WireDrift(AssertionError):
    """(Tests only) a reply whose model and result disagree, or an undocumented model."""


# Attribute `doc()` sets on a handler: {status: response model} for its JSON successes
# (and documented JSON answers such as a 503 health report).
RESPONSES_ATTR = "__responses__"

# Test-session state: drifts found, and JSON bodies served per (METHOD, route, status).
DRIFTS: list[str] = []
SERVED: dict[tuple[str, str, int], list[bytes]] = {}
SAMPLES_PER_KEY = 25


def serialize(model: type[BaseModel], result: Any) -> str:
    """`result` (a dict, dataclass or model instance) as JSON through `model`.

    An instance of `model` is dumped as is (no second validation)."""
    validated: BaseModel = (
        result if type(result) is model else model.model_validate(result, from_attributes=True)
    )
    return validated.model_dump_json(by_alias=True)


def plain(value: Any) -> Any:
    """What a result means on the wire, without its model: dataclasses and models as
    objects, times as server.clock.wire writes them. For the strict test check."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, BaseModel):  # a typed result: its own JSON is its meaning
        return value.model_dump(mode="json", by_alias=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, datetime):
        return wire(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return plain(value.value)
    return value


def differences(expected: Any, served: Any, path: str = "$") -> list[str]:
    """Where two JSON values differ, type-strictly (1 is not 1.0 nor True)."""
    if isinstance(expected, dict) and isinstance(served, dict):
        found = []
        for key in expected.keys() - served.keys():
            found.append(f"{path}.{key}: returned by the service, not in the model (dropped)")
        for key in served.keys() - expected.keys():
            found.append(f"{path}.{key}: in the model, not returned by the service (invented)")
        for key in expected.keys() & served.keys():
            found += differences(expected[key], served[key], f"{path}.{key}")
        return found
    if isinstance(expected, list) and isinstance(served, list):
        if len(expected) != len(served):
            return [f"{path}: {len(expected)} items returned, {len(served)} served"]
        found = []
        for index, (left, right) in enumerate(zip(expected, served, strict=True)):
            found += differences(left, right, f"{path}[{index}]")
        return found
    if type(expected) is not type(served) or expected != served:
        return [f"{path}: returned {expected!r}, served {served!r}"]
    return []


def documented(handler: Any) -> dict[int, type[BaseModel]]:
    """The response models `doc()` recorded on a route's handler, by status."""
    models: dict[int, type[BaseModel]] = getattr(handler, RESPONSES_ATTR, None) or {}
    return models


class Undocumented(RuntimeError):
    """A reply with a status its route documents no JSON model for."""


def check(*, model: type[BaseModel], result: Any, payload: str, status: int) -> None:
    """(Tests only) the strict check of one reply; raises WireDrift."""
    problems = differences(plain(result), json.loads(payload))
    if problems:
        message = f"{model.__name__} ({status}): " + "; ".join(problems[:5])
        DRIFTS.append(message)
        raise WireDrift(message)


def record(method: str, route: str, status: int, body: bytes) -> None:
    """(Tests only) keep a few bodies of each (method, route, status) served."""
    samples = SERVED.setdefault((method, route, status), [])
    if len(samples) < SAMPLES_PER_KEY:
        samples.append(body)
