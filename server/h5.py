"""Serve the H5 stand-in of the mini-program (miniapp_stub/h5/, API.md §13) at /app/.

Plain static files: in production any web server can serve the folder instead. Cache
rules: the vendored libraries sit under versioned names and may be kept a day; our own
pages, scripts and index.html must be revalidated (Last-Modified) so a deploy shows at
once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sanic import HTTPResponse, Request, Sanic, redirect

from server.auth import public

H5_DIR = Path(__file__).resolve().parent.parent / "miniapp_stub" / "h5"
PREFIX = "/app"
VENDOR_MAX_AGE = 86_400


def mount(app: Sanic[Any, Any]) -> None:
    """/app/ → index.html, /app/<file> → the file; /app → /app/ (keeping ?code=)."""
    if not H5_DIR.is_dir():
        return
    app.static(f"{PREFIX}/", H5_DIR, index="index.html", name="h5", use_modified_since=True)

    @app.get(PREFIX, name="h5_root", strict_slashes=True)
    @public
    async def h5_root(request: Request) -> HTTPResponse:
        query = f"?{request.query_string}" if request.query_string else ""
        return redirect(f"{PREFIX}/{query}")

    app.register_middleware(_cache_headers, "response")  # type: ignore[arg-type]


async def _cache_headers(request: Request, response: HTTPResponse) -> None:
    path = request.path
    if not path.startswith(f"{PREFIX}/") or response.status >= 400:
        return
    if path.startswith(f"{PREFIX}/vendor/"):
        response.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE}"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
