"""No 5xx from any input: deep JSON, wrong Content-Type, 405 with Allow,
bidi control characters in human text.

Each guards a way in which input used to reach a 500 or be stored: 1,000-deep JSON (a
RecursionError on every JSON route, unauthenticated /auth/login included), text/plain
bodies read as JSON, 405 on routes with a path parameter without Allow, U+202E in
names and repair text.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from models.repairs import Ticket
from tests.support import assert_error, make_user
from tests.support.repairs import make_cast

API = "/api/v1"
TICKET = {
    "category": "hvac",
    "location": "C座5楼 512室",
    "description": "空调不制热",
    "photo_ids": [],
}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_routes(app):
    for route in app.router.routes:
        if route.path.startswith("api/"):
            yield route


def _json_routes(app):
    """Every route whose handler parses a JSON body (it answers 400 to an empty one)."""
    for route in _api_routes(app):
        if route.path.endswith("auth/logout"):
            continue  # no body, and it would end the token the rest of the loop uses
        for method in sorted(route.methods & {"POST", "PUT", "PATCH"}):
            yield method, "/" + re.sub(r"<[^>]+>", "1", route.path)


# WeChat Pay's notify URL answers in WeChat Pay's own shape (API.md §8, the one exception).
WECHAT_PAY_SHAPE = {f"{API}/pay/wechat/notify"}


@pytest.fixture(scope="module")
async def admin(client):
    await client.get(f"{API}/health")  # the router is finalized on the first request
    return await make_user("admin", "canteen", "facility", "facility_lead", "guard")


async def test_deep_json_is_400_everywhere_without_a_traceback(client, app, admin, caplog):
    deep = b"[" * 100_000 + b"]" * 100_000
    caplog.set_level(logging.ERROR)
    login = await client.post(
        f"{API}/auth/login", content=deep, headers={"Content-Type": "application/json"}
    )
    assert_error(login, 400, "invalid_input")
    checked = 0
    for method, url in _json_routes(app):
        for body in (deep, b'{"a":' * 5_000 + b"1" + b"}" * 5_000):
            response = await client.request(
                method,
                url,
                content=body,
                headers=admin.with_headers(**{"Content-Type": "application/json"}),
            )
            assert response.status_code < 500, (method, url, response.status_code, response.text)
            if response.status_code >= 400 and url not in WECHAT_PAY_SHAPE:
                assert_error(response, response.status_code, response.json()["error"]["code"])
            checked += 1
    assert checked >= 40
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records[:3]


async def test_nesting_inside_strings_does_not_count(client):
    cast = await make_cast()
    text = "[[[[" * 20 + "{{{{" * 20
    body = {**TICKET, "description": text}
    created = await client.post(f"{API}/repairs", json=body, headers=cast.requester.headers)
    assert created.status_code == 201, created.text
    assert created.json()["description"] == text


async def test_a_json_route_without_json_content_type_is_415(client, app, admin):
    login = await client.post(
        f"{API}/auth/login", content=b'{"code": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert_error(login, 415, "unsupported_media_type")
    cast = await make_cast()
    for headers in (
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {},
    ):
        response = await client.post(
            f"{API}/repairs",
            content=b'{"category": "hvac", "location": "A", "description": "d", "photo_ids": []}',
            headers=cast.requester.with_headers(**headers),
        )
        assert_error(response, 415, "unsupported_media_type")
    assert not await Ticket.filter(requester_id=cast.requester.user_id).exists()
    ok = await client.post(
        f"{API}/repairs",
        json=TICKET,
        headers=cast.requester.with_headers(**{"Content-Type": "application/json; charset=utf-8"}),
    )
    assert ok.status_code == 201, ok.text
    checked = 0
    for method, url in _json_routes(app):
        response = await client.request(
            method, url, content=b"{}", headers=admin.with_headers(**{"Content-Type": "text/plain"})
        )
        if response.status_code == 415:
            checked += 1
        else:  # a route without a JSON body (an action, an upload) may refuse otherwise
            assert response.status_code < 500, (method, url, response.text)
    assert checked >= 15


async def test_every_405_carries_allow(client, app, admin):
    checked = 0
    for route in _api_routes(app):
        url = "/" + re.sub(r"<[^>]+>", "1", route.path)
        allowed = set(route.methods)
        for method in sorted(METHODS - allowed):
            response = await client.request(method, url, headers=admin.headers)
            if response.status_code != 405:
                # another route owns the path for this method (or it is unknown): a 4xx
                assert 200 <= response.status_code < 500, (method, url, response.text)
                continue
            assert_error(response, 405, "method_not_allowed")
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            assert allowed - {"HEAD", "OPTIONS"} <= allow, (method, url, response.headers)
            checked += 1
    assert checked >= 50


@pytest.mark.parametrize(
    "mark", ["\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"]
)
async def test_bidi_controls_are_refused_in_human_text(client, mark):
    cast = await make_cast()
    body = {**TICKET, "description": f"空调{mark}不制热", "location": f"C座{mark}512"}
    response = await client.post(f"{API}/repairs", json=body, headers=cast.requester.headers)
    fields = assert_error(response, 400, "invalid_input")["details"]["fields"]
    assert set(fields) == {"description", "location"}, fields
    assert not await Ticket.filter(requester_id=cast.requester.user_id).exists()


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: json.dumps(text, ensure_ascii=False).encode(),  # raw UTF-8
        lambda text: json.dumps(text, ensure_ascii=True).encode(),  # \u escapes
        # no BOM, and every byte below 0x80 (U+202E is 2E 20): json.loads still reads it
        lambda text: json.dumps(text, ensure_ascii=False).encode("utf-16-le"),
    ],
    ids=["utf8", "escaped", "utf16"],
)
async def test_text_checks_see_every_encoding_of_a_body(client, encode):
    """parse_body skips its walk over the fields for plain-ASCII bodies without escapes:
    every other way of spelling a bidi control or a NUL must still be refused."""
    cast = await make_cast()
    headers = cast.requester.with_headers(**{"Content-Type": "application/json"})
    for field, value in (("description", "AC\u202eoff"), ("location", "C\x00512")):
        body = encode({**TICKET, field: value})
        response = await client.post(f"{API}/repairs", content=body, headers=headers)
        assert field in assert_error(response, 400, "invalid_input")["details"]["fields"]
    assert not await Ticket.filter(requester_id=cast.requester.user_id).exists()


async def test_bidi_controls_are_refused_in_names_and_nested_text(client):
    admin = await make_user("admin")
    room = {"name": "305\u202e会议室", "building": "A座", "floor": 3, "capacity": 10}
    response = await client.post(f"{API}/admin/rooms", json=room, headers=admin.headers)
    assert "name" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    staff = {
        "items": [{"employee_no": "X1", "name": "王\u202e刚", "department": "办公厅", "roles": []}]
    }
    response = await client.post(f"{API}/admin/staff", json=staff, headers=admin.headers)
    assert "items.0.name" in assert_error(response, 400, "invalid_input")["details"]["fields"]


async def test_multipart_without_boundary_is_415_without_a_traceback(client, caplog):
    staff = await make_user()
    caplog.set_level(logging.ERROR)
    for key in (None, "no-boundary-1"):
        headers = staff.with_headers(**{"Content-Type": "multipart/form-data"})
        if key:
            headers["Idempotency-Key"] = key
        response = await client.post(f"{API}/uploads", content=b"--x\r\n", headers=headers)
        assert_error(response, 415, "unsupported_media_type")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records[:3]
