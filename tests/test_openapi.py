"""The OpenAPI document lists every route; every route has a role guard or is public."""

from __future__ import annotations

PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/dev/wechat"),
    ("POST", "/api/v1/pay/wechat/notify"),
}


def _routes(app):
    """(METHOD, /path/{param}, route) for every API route."""
    for route in app.router.routes:
        if not route.path.startswith("api/"):
            continue  # /docs and friends belong to sanic-ext
        path = "/" + route.path
        for param in route.params.values():
            path = path.replace(f"<{param.name}:{param.label}>", "{" + param.name + "}")
            path = path.replace(f"<{param.name}>", "{" + param.name + "}")
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                yield method, path, route


async def test_openapi_lists_every_route_with_responses(client, app):
    response = await client.get("/docs/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "勤e家 API"
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    missing = []
    for method, path, _route in _routes(app):
        if (method, path) not in documented:
            missing.append((method, path))
            continue
        operation = document["paths"][path][method.lower()]
        assert operation.get("summary"), (method, path)
        assert any(code.startswith("2") for code in operation["responses"]), (method, path)
        if (method, path) not in PUBLIC:
            assert "401" in operation["responses"], (method, path)
    assert not missing, (missing, sorted(documented))


async def test_every_route_has_a_guard(app):
    unguarded = [
        (method, path)
        for method, path, route in _routes(app)
        if not getattr(route.handler, "__guard__", None)
    ]
    assert not unguarded, unguarded
    public = {
        (method, path)
        for method, path, route in _routes(app)
        if route.handler.__guard__ == ("public",)
    }
    assert public == PUBLIC
