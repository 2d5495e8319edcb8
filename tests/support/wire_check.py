"""Every JSON body the app serves in a test is checked against the OpenAPI document as
it is served, and the test that served it fails when it does not fit.

- `install(app)` adds a response middleware to the session's app: the body of each JSON
  answer of an API route is validated against the schema its route documents for that
  status, with `additionalProperties: false` on every object that lists its properties
  (a field the document does not list is an error). A status the route does not
  document is an error too; a 500 is left to the test that provoked it (an unexpected
  error is a bug the test sees by itself).
- `ServedCheck` fails the test during which a body did not fit, or during which a reply
  drifted from its model (server/wire.py's strict check in APP_ENV=test). The check
  does not depend on which tests ran before: each body is judged when it is served.
- `ServedShare` adds up, over the session (and over xdist workers), which JSON routes
  were served with a success; when the whole suite runs, fewer than MIN_SERVED_SHARE
  of them fails the run. The terminal summary names the routes never served.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from _pytest.reports import TestReport

from server import wire

ROOT = Path(__file__).resolve().parents[2]
MIN_SERVED_SHARE = 0.9
SHARE_NODEID = "tests/test_wire_format.py::the_whole_suite_serves_nearly_every_json_route"
_PARAM = re.compile(r"<(\w+)(?::[^>]*)?>")

# Problems found while serving, in order; ServedCheck hands each to the test that was
# running when it was served.
VIOLATIONS: list[str] = []
_state: dict[str, Any] = {}


def openapi_path(route_path: str) -> str:
    """Sanic's `api/v1/x/<id:int>` as the document's `/api/v1/x/{id}`."""
    return "/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", route_path)


def json_routes(app: Any) -> set[tuple[str, str]]:
    """(METHOD, /openapi/path) of every API route documenting a JSON success."""
    found = set()
    for route in app.router.routes:
        if not route.path.startswith("api/"):
            continue
        models = getattr(route.handler, wire.RESPONSES_ATTR, {}) or {}
        if not any(200 <= status < 300 for status in models):
            continue
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, openapi_path(route.path)))
    return found


def strict(schema: Any) -> Any:
    """The schema with `additionalProperties: false` on every object listing properties."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
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


def json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema object as plain JSON Schema (draft 4, which 3.0 extends):
    `nullable: true` becomes "this, or null". Validated by jsonschema_rs, ~100 times
    faster than the pure-Python OAS 3.0 validator on the thousands of bodies a run
    serves (the tests of test_wire_format pin that both refuse the same things)."""
    if isinstance(schema, dict):
        out = {key: json_schema(value) for key, value in schema.items() if key != "nullable"}
        if schema.get("nullable") is True:
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(schema, list):
        return [json_schema(value) for value in schema]
    return schema


class Checker:
    """Validates served bodies against one OpenAPI document (validators cached)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._validators: dict[tuple[str, str, int], Any] = {}
        self.checked = 0  # bodies validated (API routes, statuses other than 500)

    def problem(self, method: str, route_path: str, status: int, body: bytes) -> str | None:
        """Why this body may not be served on this route with this status, or None."""
        import jsonschema_rs

        path = openapi_path(route_path)
        operation = self.document["paths"].get(path, {}).get(method.lower())
        if operation is None or status == 500:
            return None  # not an API route (the H5 pages), or an error the test sees
        key = (method, path, status)
        if key not in self._validators:
            answer = operation["responses"].get(str(status))
            if answer is None or "application/json" not in answer.get("content", {}):
                self._validators[key] = None
            else:
                schema = strict(answer["content"]["application/json"]["schema"])
                self._validators[key] = jsonschema_rs.Draft4Validator(json_schema(schema))
        validator = self._validators[key]
        self.checked += 1
        if validator is None:
            return f"{method} {path} {status}: status not documented for this route"
        try:
            value = json.loads(body)
        except ValueError:
            return f"{method} {path} {status}: body is not JSON: {body[:80]!r}"
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.instance_path) or "(body)"
        return f"{method} {path} {status} at {where}: {error.message[:300]}"


@cache
def _document_of(app: Any) -> dict[str, Any]:
    """The document the app serves at /docs/openapi.json, built the way it builds it."""
    from sanic.response import json as json_response
    from sanic_ext.extensions.openapi.builders import SpecificationBuilder

    served = json_response(SpecificationBuilder().build(app).serialize())
    return json.loads(served.body)  # type: ignore[no-any-return]


def checker(app: Any) -> Checker:
    if _state.get("checker_app") is not app:
        _state.update(checker_app=app, checker=Checker(_document_of(app)))
    return _state["checker"]  # type: ignore[no-any-return]


async def _check_served(request: Any, response: Any) -> None:
    content_type = response.content_type or ""
    if request.route is None or not content_type.startswith("application/json"):
        return
    found = checker(request.app).problem(
        request.method, request.route.path, response.status, bytes(response.body or b"")
    )
    if found:
        VIOLATIONS.append(found)


def install(app: Any) -> None:
    """Check every JSON body `app` serves (before its start: middleware is fixed then)."""
    _state["app"] = app
    app.register_middleware(_check_served, "response", priority=800)


class ServedCheck:
    """Fails the test during which a served body broke its schema or a reply drifted."""

    def __init__(self) -> None:
        self._violations = 0
        self._drifts = 0

    def take(self) -> list[str]:
        found = VIOLATIONS[self._violations :] + wire.DRIFTS[self._drifts :]
        self._violations, self._drifts = len(VIOLATIONS), len(wire.DRIFTS)
        return found

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        self.take()  # served before this test's call (its fixtures): checked below too
        try:
            result = yield
        finally:
            found = self.take()
            if found:
                item.add_report_section("call", "served bodies", "\n".join(found))
        if found:
            raise AssertionError(
                "served JSON that its OpenAPI document does not allow (or a reply that "
                "drifted from its model):\n" + "\n".join(found[:20])
            )
        return result


class ServedShare:
    """Which JSON routes the session served with a success, across xdist workers."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.routes: set[tuple[str, str]] = set()
        self.served: set[tuple[str, str]] = set()
        self.summary = ""
        config.pluginmanager.register(ServedCheck(), "qj-served-check")

    def _collect_local(self) -> None:
        app = _state.get("app")
        if app is None:
            return
        self.routes |= json_routes(app)
        self.served |= {
            (method, openapi_path(route_path))
            for (method, route_path, status) in wire.SERVED
            if 200 <= status < 300
        }

    def _whole_suite(self) -> bool:
        option = self.config.option
        return (
            not option.keyword
            and not option.markexpr
            and all(
                Path(arg.split("::")[0]).resolve() in (ROOT, ROOT / "tests")
                for arg in self.config.args
            )
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}).get("qj_wire")
        if output:
            self.routes |= {tuple(r) for r in output["routes"]}  # type: ignore[misc]
            self.served |= {tuple(s) for s in output["served"]}  # type: ignore[misc]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._collect_local()
        if hasattr(self.config, "workerinput"):
            self.config.workeroutput["qj_wire"] = {  # type: ignore[attr-defined]
                "routes": sorted(self.routes),
                "served": sorted(self.served),
            }
            return
        if not self.routes:
            return
        never = sorted(self.routes - self.served)
        share = 1 - len(never) / len(self.routes)
        # The share is a property of a whole, clean run: not of a part of the suite, nor
        # of a run cut short (-x) or already failing for another reason.
        whole = self._whole_suite() and not session.testsfailed and not session.shouldstop
        named = ", ".join(f"{m} {p}" for m, p in never) or "none"
        self.summary = (
            f"JSON routes served with a success: {len(self.routes) - len(never)}"
            f"/{len(self.routes)}; never: "
            + (named if whole or len(never) <= 10 else f"{len(never)} (a part of the suite ran)")
        )
        if whole and share < MIN_SERVED_SHARE:
            report = TestReport(
                nodeid=SHARE_NODEID,
                location=("tests/test_wire_format.py", 0, "served share"),
                keywords={},
                outcome="failed",
                longrepr=(
                    f"the whole suite served {share:.0%} of the JSON routes with a success "
                    f"(at least {MIN_SERVED_SHARE:.0%} expected)\n{self.summary}"
                ),
                when="call",
            )
            self.config.hook.pytest_runtest_logreport(report=report)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary:
            terminalreporter.section("wire format")
            terminalreporter.write_line(self.summary)
