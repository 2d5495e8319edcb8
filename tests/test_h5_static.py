"""The H5 stand-in is served at /app/ (API.md §13): index.html revalidated, every other
file also under a versioned path kept a year, everything gzip-compressed for clients
that accept it, so a warm start asks only for index.html before its first API call."""

from __future__ import annotations

import gzip
import re

from server.h5 import H5_DIR, tree_hash


async def test_index_is_served_at_app_revalidated_and_names_versioned_assets(client):
    response = await client.get("/app/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    version = tree_hash()
    source = (H5_DIR / "index.html").read_text(encoding="utf-8")
    # Every file the page loads is named by its versioned path (a stylesheet added to
    # index.html but not versioned would be revalidated on every warm start).
    loaded = [n for n in re.findall(r'(?:href|src)="([^"]+)"', source) if not n.startswith("data:")]
    assert loaded and all(not name.startswith(("/", "http", "v/")) for name in loaded)
    expected = source
    for name in loaded:
        expected = expected.replace(f'"{name}"', f'"v/{version}/{name}"')
    assert response.text == expected
    assert re.search(rf'src="v/{version}/js/main.js"', response.text)
    again = await client.get("/app/", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_versioned_files_are_immutable_and_gzipped(client):
    version = tree_hash()
    for name in (
        "js/main.js",
        "js/pages/home.js",
        "vendor/vue/vue.esm-browser.prod.js",
        "css/app.css",
    ):
        response = await client.get(f"/app/v/{version}/{name}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, name
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.content == (H5_DIR / name).read_bytes()  # httpx decoded it
        wire = response.num_bytes_downloaded  # as sent, compressed
        assert wire < len(response.content) / 2, name
    plain = await client.get(
        f"/app/v/{version}/js/main.js", headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    assert plain.content == (H5_DIR / "js/main.js").read_bytes()


async def test_app_without_slash_redirects_keeping_the_login_code(client):
    response = await client.get("/app?code=demo-S0001", follow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == "/app/?code=demo-S0001"


async def test_unversioned_paths_keep_their_rules(client):
    response = await client.get("/app/vendor/vue/vue.esm-browser.prod.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=86400"
    main = await client.get("/app/js/main.js")
    assert main.status_code == 200
    assert "javascript" in main.headers["content-type"]
    assert main.headers["cache-control"] == "no-cache"
    assert gzip.decompress(gzip.compress(main.content)) == main.content


async def test_missing_files_and_escapes_answer_in_the_error_shape(client):
    version = tree_hash()
    for path in (
        "/app/nope.js",
        "/app/../server/config.py",
        "/app/%2e%2e/server/config.py",
        f"/app/v/{version}/../../server/config.py",
        f"/app/v/{version}/%2e%2e/%2e%2e/server/config.py",
        "/app/vendor/",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
