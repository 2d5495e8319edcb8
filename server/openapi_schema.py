"""OpenAPI 3.0 schemas straight from our pydantic models.

sanic-ext's own conversion of pydantic models produced an invalid document: `$ref`s
to `#/$defs/...` that do not exist, pydantic's `model_config` listed as a property,
enums typed `object`, numeric `exclusiveMinimum` (JSON Schema 2020, not OpenAPI 3.0)
and no `required` lists. Here pydantic writes the JSON Schema, this module rewrites
the few 2020-12 constructs into their OpenAPI 3.0 form and inlines every `$defs`
entry, and `RawSchema` hands the result to sanic-ext verbatim.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, Literal

from pydantic import BaseModel
from sanic_ext.extensions.openapi import types as oas_types
from sanic_ext.extensions.openapi.types import Schema

_hints_of = functools.cache(typing.get_type_hints)


def _type_hints(obj: Any) -> dict[str, Any]:
    """typing.get_type_hints, remembered per class: sanic-ext asks it again for every
    documentation object it makes (~5,400 while ~130 routes are documented, a second of
    every process's start), and a class's hints do not change. A copy, since sanic-ext
    edits what it gets."""
    try:
        return dict(_hints_of(obj))
    except TypeError:  # unhashable: ask each time
        return typing.get_type_hints(obj)


oas_types.get_type_hints = _type_hints  # type: ignore[attr-defined,assignment]

_DROP = {"$defs", "examples", "prefixItems", "$schema"}


class RawSchema(Schema):
    """A schema sanic-ext serializes as given (Schema.make returns Schema instances as is)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._raw = schema

    def serialize(self) -> dict[str, Any]:
        return self._raw


@functools.cache
def model_schema(
    model: type[BaseModel], mode: Literal["validation", "serialization"] = "validation"
) -> dict[str, Any]:
    """The model as an OpenAPI 3.0 schema object, with no references.

    Cached: a worker documents ~130 routes at import, most with the same error body and
    shared models, and building each schema again made start-up slow enough on a busy
    host for Sanic to give up waiting for its workers (30 s). Callers do not mutate it.
    """
    source = model.model_json_schema(mode=mode)
    converted: dict[str, Any] = to_openapi(source, source.get("$defs", {}))
    return converted


@functools.cache
def field_schema(model: type[BaseModel], name: str) -> dict[str, Any]:
    """One field of a (query) model, with its bounds and formats."""
    source = model.model_json_schema()
    found = source.get("properties", {}).get(name, {"type": "string"})
    schema: dict[str, Any] = to_openapi(found, source.get("$defs", {}))
    schema.pop("title", None)
    return schema


def to_openapi(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [to_openapi(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return to_openapi(merged, defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key == "properties":
            out[key] = {name: to_openapi(item, defs) for name, item in value.items()}
        else:
            out[key] = to_openapi(value, defs)
    for combinator in ("anyOf", "oneOf"):
        options = out.get(combinator)
        if not options:
            continue
        # The null option was rewritten already (to {"nullable": true}) by the recursion.
        concrete = [o for o in options if o.get("type") != "null" and o != {"nullable": True}]
        if len(concrete) < len(options):
            out["nullable"] = True
        if len(concrete) == 1:
            del out[combinator]
            out = {**concrete[0], **out}
        else:
            out[combinator] = concrete
    if out.get("type") == "null":
        del out["type"]
        out["nullable"] = True
    if out.get("nullable") and "enum" in out and None not in out["enum"]:
        # OpenAPI 3.0.3: `nullable` does not widen an `enum`; null must be listed.
        out["enum"] = [*out["enum"], None]
    if "enum" in out and "type" not in out:
        kinds = {type(v).__name__ for v in out["enum"] if v is not None}
        if kinds == {"str"}:
            out["type"] = "string"
        elif kinds == {"int"}:
            out["type"] = "integer"
    return out
