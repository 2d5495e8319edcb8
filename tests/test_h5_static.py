"""The H5 stand-in is served at /app/ (API.md §13) with cache headers that let a deploy
show at once (our files revalidate) and keep the vendored libraries a day."""

from __future__ import annotations

from server.h5 import H5_DIR


async def test_index_is_served_at_app_and_revalidated(client):
    response = await client.get("/app/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == (H5_DIR / "index.html").read_text(encoding="utf-8")


async def test_app_without_slash_redirects_keeping_the_login_code(client):
    response = await client.get("/app?code=demo-S0001", follow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == "/app/?code=demo-S0001"


async def test_vendored_libraries_are_cached_and_modules_typed(client):
    response = await client.get("/app/vendor/vue/vue.esm-browser.prod.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=86400"
    main = await client.get("/app/js/main.js")
    assert main.status_code == 200
    assert "javascript" in main.headers["content-type"]
    assert main.headers["cache-control"] == "no-cache"


async def test_missing_files_and_escapes_answer_in_the_error_shape(client):
    for path in ("/app/nope.js", "/app/../server/config.py", "/app/%2e%2e/server/config.py"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
