"""One wire format: the documented shape of every route is the served one.

- Every route that answers JSON declares a response model for each success status,
  and `reply` serializes through that model (server/wire.py): no handler names it again.
- Every JSON body served in any test is valid against the OpenAPI document of its route
  and status, with no property the document does not list, and no reply drifted from
  its model: checked as each body is served (tests/support/wire_check.py), failing the
  test that served it. The tests below show that check refusing what it must refuse.
- When the whole suite runs, nearly every JSON route was served (wire_check.ServedShare);
  the ones never served are listed in the terminal summary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from openapi_schema_validator import OAS30Validator

from server import wire
from tests.support import assert_error, make_user
from tests.support.wire_check import VIOLATIONS, Checker, checker, openapi_path, strict

ROOT = Path(__file__).resolve().parents[1]


def _json_routes(app):
    """(METHOD, /openapi/path, handler) of every API route."""
    for route in app.router.routes:
        if not route.path.startswith("api/"):
            continue
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                yield method, openapi_path(route.path), route.handler


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


async def test_the_served_check_refuses_an_unlisted_field_a_wrong_type_and_an_undocumented_status(
    client,
):
    document = await _document(client)
    checker_ = Checker(document)
    route = "api/v1/me"
    staff = await make_user(name="线上检查")
    served = await client.get("/api/v1/me", headers=staff.headers)
    assert served.status_code == 200
    assert checker_.problem("GET", route, 200, served.content) is None

    body = served.json()
    cases = {
        "valid": (body, True),
        "nullable field null": ({**body, "department": None}, True),
        "unlisted field": ({**body, "password_hash": "x"}, False),
        "wrong type": ({**body, "id": "7"}, False),
        "null where not nullable": ({**body, "bound": None}, False),
        "required field missing": ({k: v for k, v in body.items() if k != "roles"}, False),
        "wrong item type": ({**body, "roles": [1]}, False),
    }
    schema = strict(
        document["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
    )
    reference = OAS30Validator(schema)
    for name, (value, fits) in cases.items():
        problem = checker_.problem("GET", route, 200, json.dumps(value).encode())
        assert (problem is None) is fits, (name, problem)
        # The fast validator judges as the OpenAPI 3.0 reference validator does.
        assert reference.is_valid(value) is fits, name
    problem = checker_.problem("GET", route, 200, json.dumps(cases["wrong type"][0]).encode())
    assert problem and " at id:" in problem
    problem = checker_.problem("GET", route, 202, served.content)
    assert problem and "not documented" in problem
    # The H5 pages are no API route: nothing to check against.
    assert checker_.problem("GET", "app/", 200, b"<html>") is None


async def test_every_body_is_checked_as_it_is_served_errors_included(client, app):
    served_check = checker(app)
    before, violations = served_check.checked, len(VIOLATIONS)
    staff = await make_user()
    assert (await client.get("/api/v1/me", headers=staff.headers)).status_code == 200
    missing = await client.get("/api/v1/repairs/999999999", headers=staff.headers)
    assert_error(missing, 404, "not_found")
    assert served_check.checked == before + 2  # the 200 and the 404, each as it was served
    assert len(VIOLATIONS) == violations  # both fit their documented shapes
