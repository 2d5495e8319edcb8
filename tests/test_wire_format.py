"""One wire format: the documented shape of every route is the served one.

- Every route that answers JSON declares a response model for each success status,
  and `reply` serializes through that model (server/wire.py): no handler names it again.
- Every JSON response served during the test session (recorded in APP_ENV=test, these
  tests run last) is valid against the OpenAPI document of its route and status, with
  no property the document does not list.
- The strict check of each reply (model JSON == service result) found no drift.
- When the whole suite runs, nearly every JSON route was served; the ones never served
  are listed.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

from server import wire

ROOT = Path(__file__).resolve().parents[1]
MIN_SERVED_SHARE = 0.9
SERVED_SUMMARY = pytest.StashKey[str]()  # shown in the terminal summary (tests/conftest.py)
_PARAM = re.compile(r"<(\w+)(?::[^>]*)?>")


def _openapi_path(route_path: str) -> str:
    return "/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", route_path)


def _json_routes(app):
    """(METHOD, /openapi/path, handler) of every API route."""
    for route in app.router.routes:
        if not route.path.startswith("api/"):
            continue
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                yield method, _openapi_path(route.path), route.handler


def _strict(schema):
    """The schema with `additionalProperties: false` on every object listing properties."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


async def _document(client):
    response = await client.get("/docs/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_every_json_route_declares_a_model_per_success_status(client, app):
    document = await _document(client)
    missing = []
    for method, path, handler in _json_routes(app):
        models = getattr(handler, wire.RESPONSES_ATTR, None)
        assert models is not None, f"{method} {path}: no doc()"
        for status, answer in document["paths"][path][method.lower()]["responses"].items():
            json_success = status.startswith("2") and "application/json" in answer.get(
                "content", {}
            )
            if json_success and int(status) not in models:
                missing.append(f"{method} {path} {status}")
    assert not missing, missing


def test_no_handler_names_a_reply_model_twice():
    """A route names its model once, in `doc()`: `reply` takes no `model=`."""
    named = []
    for source in sorted((ROOT / "handlers").glob("*.py")):
        text = source.read_text()
        for match in re.finditer(r"\breply\(", text):
            depth, end = 1, match.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            if re.search(r"\bmodel\s*=", text[match.end() : end]):
                line = text.count("\n", 0, match.start()) + 1
                named.append(f"{source.relative_to(ROOT).as_posix()}:{line}")
    assert not named, named


def test_no_reply_drifted_from_its_model():
    assert not wire.DRIFTS, "\n".join(sorted(set(wire.DRIFTS)))


async def test_served_responses_match_the_documented_schemas(client, app, request):
    document = await _document(client)
    served = dict(wire.SERVED)  # this test's own requests are not part of the check
    invalid: list[str] = []
    undocumented: list[str] = []
    checked = 0
    for (method, route_path, status), bodies in sorted(served.items()):
        path = _openapi_path(route_path)
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # not an API route (the H5 pages)
        if status == 500:
            continue  # an unexpected error is a bug (test_errors provokes one on purpose)
        answer = operation["responses"].get(str(status))
        if answer is None or "application/json" not in answer.get("content", {}):
            undocumented.append(f"{method} {path} {status}")
            continue
        validator = OAS30Validator(_strict(answer["content"]["application/json"]["schema"]))
        for body in bodies:
            errors = list(validator.iter_errors(json.loads(body)))
            checked += 1
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path)
                invalid.append(f"{method} {path} {status} at {where}: {errors[0].message[:200]}")
    assert checked
    assert not invalid, "\n".join(invalid)
    assert not undocumented, "\n".join(undocumented)

    # How much of the API the suite served: asserted only when the whole suite runs.
    config = request.config
    whole = (
        not config.option.keyword
        and not config.option.markexpr
        and all(Path(arg).resolve() in (ROOT, ROOT / "tests") for arg in config.args)
    )
    json_routes = set()
    for method, path, handler in _json_routes(app):
        models = getattr(handler, wire.RESPONSES_ATTR, {})
        if any(200 <= status < 300 for status in models):
            json_routes.add((method, path))
    exercised = {
        (method, _openapi_path(route_path))
        for (method, route_path, status) in served
        if 200 <= status < 300
    }
    never = sorted(json_routes - exercised)
    share = 1 - len(never) / len(json_routes)
    request.config.stash[SERVED_SUMMARY] = (
        f"JSON routes served with a success: {len(json_routes) - len(never)}/{len(json_routes)}"
        f"; never: {', '.join(f'{m} {p}' for m, p in never) or 'none'}"
    )
    if whole:
        assert share >= MIN_SERVED_SHARE, never
