"""Every route, fed ids that do not exist and bodies that make no sense, answers a 4xx in
the one error shape: no client mistake may produce a 5xx (API.md §1)."""

from __future__ import annotations

import re

import pytest

from tests.support import assert_error, make_user

ODD_IDS = ["2147483647", "99999999999999999999", "0", "-1", "abc", "1.5", "%00"]
ODD_BODIES = [b"", b"{", b"null", b"[]", b'"text"', b"123", b'{"unexpected": true}', b"\xff\xfe"]


def _api_routes(app):
    for route in app.router.routes:
        if not route.path.startswith("api/"):
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            yield method, route


def _fill(route, value: str) -> str:
    path = "/" + route.path
    return re.sub(r"<[^>]+>", value, path)


@pytest.fixture(scope="module")
async def admin(client):
    # admin passes every role guard, so the handlers' own checks are what answer.
    await client.get("/api/v1/health")  # the router is finalized on the first request
    return await make_user("admin", "canteen", "facility", "facility_lead", "guard")


async def test_unknown_and_malformed_ids_are_4xx(client, app, admin):
    checked = 0
    for method, route in _api_routes(app):
        if not route.params:
            continue
        for value in ODD_IDS:
            response = await client.request(
                method,
                _fill(route, value),
                headers=admin.headers,
                json={} if method != "GET" else None,
            )
            assert 400 <= response.status_code < 500, (
                method,
                route.path,
                value,
                response.status_code,
                response.text,
            )
            if response.headers.get("content-type", "").startswith("application/json"):
                assert_error(response, response.status_code, response.json()["error"]["code"])
            checked += 1
    assert checked >= 20


# WeChat Pay's notify URL answers in WeChat Pay's own shape (API.md §8, the one exception).
WECHAT_PAY_SHAPE = {"api/v1/pay/wechat/notify"}


async def test_nonsense_bodies_are_4xx(client, app, admin):
    checked = 0
    for method, route in _api_routes(app):
        if method not in ("POST", "PUT", "PATCH"):
            continue
        url = _fill(route, "1")
        for body in ODD_BODIES:
            response = await client.request(
                method,
                url,
                headers=admin.with_headers(**{"Content-Type": "application/json"}),
                content=body,
            )
            assert response.status_code < 500, (
                method,
                route.path,
                body,
                response.status_code,
                response.text,
            )
            if response.status_code >= 400 and route.path in WECHAT_PAY_SHAPE:
                assert response.json()["code"] == "FAIL", response.text
            elif response.status_code >= 400:
                assert_error(response, response.status_code, response.json()["error"]["code"])
            checked += 1
    assert checked >= 40
