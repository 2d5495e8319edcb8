"""Every error status in the one shape of API.md §1, request ids, no stack traces."""

from __future__ import annotations

import logging

from tortoise import connections

from server import resources
from tests.support import assert_error, make_user


async def test_400_bad_json_and_missing_fields(client):
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert assert_error(response, 400, "invalid_input")["details"]["fields"] == {
        "body": "不是有效的 JSON"
    }
    response = await client.post("/api/v1/auth/login", json={"code": ""})
    assert "code" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    response = await client.post("/api/v1/auth/login", json=["a list"])
    assert assert_error(response, 400, "invalid_input")["details"]["fields"]


async def test_401_403_404_405(client):
    assert_error(await client.get("/api/v1/me"), 401, "unauthorized")
    staff = await make_user()
    assert_error(
        await client.post("/api/v1/admin/staff", json={"items": []}, headers=staff.headers),
        403,
        "forbidden",
    )
    assert_error(await client.get("/api/v1/no/such/path"), 404, "not_found")
    assert_error(await client.get("/totally/elsewhere"), 404, "not_found")
    response = await client.delete("/api/v1/health")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers.get("allow", "")


async def test_413_oversized_body(client):
    limit = resources.settings().max_body_bytes
    response = await client.post("/api/v1/auth/login", content=b"x" * (limit + 1))
    assert_error(response, 413, "payload_too_large")


async def test_500_is_the_same_shape_without_a_stack_trace(client, caplog):
    """Inject a database fault (the token table disappears) under a real request."""
    actor = await make_user()
    connection = connections.get("default")
    await connection.execute_script('ALTER TABLE "auth_tokens" RENAME TO "auth_tokens_gone"')
    caplog.set_level(logging.ERROR)
    try:
        response = await client.get(
            "/api/v1/me", headers=actor.with_headers(**{"X-Request-ID": "req-boom-1"})
        )
    finally:
        await connection.execute_script('ALTER TABLE "auth_tokens_gone" RENAME TO "auth_tokens"')
    error = assert_error(response, 500, "internal")
    assert error["details"] == {}
    assert "auth_tokens" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] == "req-boom-1"
    # The log keeps the detail for us, tagged with the request id.
    assert any(getattr(r, "request_id", None) == "req-boom-1" for r in caplog.records), caplog.text
    assert (await client.get("/api/v1/me", headers=actor.headers)).status_code == 200


async def test_request_id_echoed_or_generated_and_chinese_unescaped(client):
    given = await client.get("/api/v1/no/such", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/api/v1/health")
    assert len(generated.headers["x-request-id"]) == 32
    hostile = await client.get("/api/v1/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"
    assert "接口不存在" in given.text  # UTF-8, not \\u escapes


async def test_health_ok_and_503_when_redis_is_gone(client):
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "db": "ok", "redis": "ok"}
    import redis.asyncio as aioredis

    real = resources._state["redis"]
    resources._state["redis"] = aioredis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2
    )
    try:
        broken = await client.get("/api/v1/health")
    finally:
        await resources._state["redis"].aclose()
        resources._state["redis"] = real
    assert broken.status_code == 503
    assert broken.json() == {"status": "error", "db": "ok", "redis": "error"}


async def test_nul_bytes_in_bodies_and_queries_are_400_everywhere(client):
    """PostgreSQL refuses NUL in text; every parsed body and query refuses it first."""
    staff = await make_user()
    response = await client.post(
        "/api/v1/auth/bind", json={"employee_no": "S\x000001", "name": "李"}, headers=staff.headers
    )
    assert assert_error(response, 400, "invalid_input")["details"]["fields"] == {
        "employee_no": "不能包含空字符"
    }
    admin = await make_user("admin")
    response = await client.post(
        "/api/v1/admin/staff",
        json={"items": [{"employee_no": "X1", "name": "甲\x00乙"}]},
        headers=admin.headers,
    )
    assert assert_error(response, 400, "invalid_input")["details"]["fields"] == {
        "items.0.name": "不能包含空字符"
    }


async def test_head_is_get_without_its_body_and_options_names_the_methods(client):
    """HEAD is what monitors and link checkers send: the GET's status and headers, no
    body, on every GET route (documented shapes included); OPTIONS lists the path's
    methods (Allow)."""
    staff = await make_user()
    for path, headers in (
        ("/api/v1/health", {}),
        ("/api/v1/me", staff.headers),
        ("/api/v1/meals/menus?date=2026-12-01", staff.headers),
        ("/api/v1/meals/orders/999999", staff.headers),
        ("/api/v1/me", {}),
    ):
        got = await client.get(path, headers=headers)
        head = await client.head(path, headers=headers)
        assert head.status_code == got.status_code, (path, head.status_code, head.text)
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
    options = await client.options("/api/v1/meals/orders")
    assert options.status_code == 204
    assert set(options.headers["allow"].split(",")) == {"GET", "HEAD", "POST", "OPTIONS"}
    options = await client.options("/api/v1/meals/orders/12")
    assert set(options.headers["allow"].split(",")) == {"GET", "HEAD", "OPTIONS"}
