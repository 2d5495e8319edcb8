"""The OpenAPI document lists every route; every route has a role guard or is public."""

from __future__ import annotations

PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/dev/wechat"),
    ("POST", "/api/v1/pay/wechat/notify"),
    ("GET", "/api/v1/duty/display"),
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


async def test_the_document_is_valid_openapi_with_required_lists_enums_and_bounds(client):
    """openapi-spec-validator passes (no dangling `$defs` refs, no numeric
    exclusiveMinimum), and the schemas say what the API checks."""
    import json

    from openapi_spec_validator import OpenAPIV30SpecValidator

    document = (await client.get("/docs/openapi.json")).json()
    errors = [str(e)[:300] for e in OpenAPIV30SpecValidator(document).iter_errors()]
    assert not errors, errors[:5]
    text = json.dumps(document)
    assert "$ref" not in text and "model_config" not in text and '"anyOf"' not in text

    def walk(node, where=""):
        if isinstance(node, dict):
            assert not (node.get("type") == "object" and "enum" in node), where
            if node.get("type") == "object" and node.get("properties"):
                assert "required" in node or all(
                    "default" in p or p.get("nullable") for p in node["properties"].values()
                ), where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document)
    redeem = document["paths"]["/api/v1/canteen/redeem"]["post"]
    body = redeem["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["code"]
    assert {"400", "401", "403", "404", "409", "413", "415", "503"} <= set(redeem["responses"])
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue  # the H5 pages at /app/ are static files
        for method, operation in operations.items():
            assert "503" in operation["responses"], (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] == "limit":
                    assert parameter["schema"]["maximum"] == 100, (method, path)
