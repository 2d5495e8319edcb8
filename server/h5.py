"""Serve the H5 stand-in of the mini-program (miniapp_stub/h5/, API.md §13) at /app/.

A phone opening the app should not ask again for ~60 files it already holds. So every
file is also served under a versioned path, `/app/v/<tree hash>/<file>`, cached for a
year (`immutable`), and index.html — the one file revalidated on every start — loads
its stylesheets and js/main.js from that path. Every module, stylesheet and vendored
library the app loads after that is named relative to its importer, so the whole graph
stays under the same versioned path: a warm start costs one revalidation of index.html
(a 304) before the first API call, and a deploy (new tree hash) is seen at once.

Files are sent gzip-compressed to clients that accept it (compressed once per file
version, kept in memory: the tree is under 2 MB). The unversioned paths stay served as
before (our files revalidated, vendored ones kept a day) for links and tools that name
them. In production nginx may serve the folder itself with the same rules
(deploy/nginx/qinejia.conf: index.html from the app, /app/v/<hash>/ from disk).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanic import HTTPResponse, Request, Sanic, redirect
from sanic_ext.extensions.openapi import openapi

from server.auth import public
from server.errors import NotFound

H5_DIR = Path(__file__).resolve().parent.parent / "miniapp_stub" / "h5"
PREFIX = "/app"
VENDOR_MAX_AGE = 86_400
VERSIONED_CACHE = "public, max-age=31536000, immutable"
# What index.html loads (every relative href/src that is a file of the app): rewritten to
# the versioned path when served, so a stylesheet added to the page is versioned too.
_LOADED = re.compile(r'(href|src)="([^":/][^":]*)"')
COMPRESSIBLE = (".js", ".css", ".html", ".json", ".svg", ".txt", ".map")
MIN_GZIP = 512


@dataclass(frozen=True)
class _File:
    mtime_ns: int
    size: int
    body: bytes
    gzipped: bytes | None
    content_type: str


_files: dict[Path, _File] = {}
_tree: dict[str, Any] = {"stamp": None, "hash": ""}


def _read(path: Path) -> _File:
    """The file's bytes and their gzip form, read again only when the file changed."""
    stat = path.stat()
    held = _files.get(path)
    if held is not None and held.mtime_ns == stat.st_mtime_ns and held.size == stat.st_size:
        return held
    body = path.read_bytes()
    gzipped = None
    if path.suffix in COMPRESSIBLE and len(body) >= MIN_GZIP:
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        content_type = "text/javascript"
    if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
        content_type += "; charset=utf-8"
    held = _files[path] = _File(stat.st_mtime_ns, stat.st_size, body, gzipped, content_type)
    return held


def tree_hash() -> str:
    """A hash of every file of the app but index.html: the version in the asset paths.
    Recomputed only when a file's size or mtime changed (cheap to check per start)."""
    entries = sorted(
        (str(p.relative_to(H5_DIR)), p.stat().st_mtime_ns, p.stat().st_size)
        for p in H5_DIR.rglob("*")
        if p.is_file() and p.name != "index.html"
    )
    stamp = hash(tuple(entries))
    if _tree["stamp"] != stamp:
        digest = hashlib.sha256()
        for name, _mtime, _size in entries:
            digest.update(name.encode() + b"\0" + _read(H5_DIR / name).body + b"\0")
        _tree.update(stamp=stamp, hash=digest.hexdigest()[:16])
    return str(_tree["hash"])


def index_html() -> bytes:
    """index.html with its assets named by the versioned path."""
    text = (H5_DIR / "index.html").read_text(encoding="utf-8")
    version = tree_hash()

    def versioned(found: re.Match[str]) -> str:
        attribute, name = found.group(1), found.group(2)
        if not (H5_DIR / name).is_file():
            return found.group(0)
        return f'{attribute}="v/{version}/{name}"'

    return _LOADED.sub(versioned, text).encode()


def _resolve(relative: str) -> Path:
    """The file under H5_DIR, or 404 (no escapes, no folders, no dot files)."""
    if not relative or "\x00" in relative:
        raise NotFound()
    path = (H5_DIR / relative).resolve()
    if not path.is_relative_to(H5_DIR) or not path.is_file():
        raise NotFound()
    if any(part.startswith(".") for part in path.relative_to(H5_DIR).parts):
        raise NotFound()
    return path


def _send(
    request: Request, body: bytes, gzipped: bytes | None, content_type: str, cache: str
) -> HTTPResponse:
    headers = {
        "Cache-Control": cache,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'
    headers["ETag"] = etag
    if request.headers.get("if-none-match") == etag:
        return HTTPResponse(status=304, headers=headers)
    if gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = gzipped
    return HTTPResponse(body=body, status=200, headers=headers, content_type=content_type)


def mount(app: Sanic[Any, Any]) -> None:
    """/app/ → index.html, /app/v/<hash>/<file> and /app/<file> → the file; /app → /app/."""
    if not H5_DIR.is_dir():
        return

    @app.get(PREFIX, name="h5_root", strict_slashes=True)
    @openapi.exclude()
    @public
    async def h5_root(request: Request) -> HTTPResponse:
        query = f"?{request.query_string}" if request.query_string else ""
        return redirect(f"{PREFIX}/{query}")

    @app.get(f"{PREFIX}/", name="h5_index", strict_slashes=True)
    @openapi.exclude()
    @public
    async def h5_index(request: Request) -> HTTPResponse:
        body = index_html()
        packed = gzip.compress(body, mtime=0) if len(body) >= MIN_GZIP else None
        return _send(request, body, packed, "text/html; charset=utf-8", "no-cache")

    @app.get(f"{PREFIX}/v/<version:str>/<relative:path>", name="h5_versioned")
    @openapi.exclude()
    @public
    async def h5_versioned(request: Request, version: str, relative: str) -> HTTPResponse:
        # Any version is served the current file (as nginx does, from disk): an old page
        # finishing its start after a deploy gets today's modules rather than a 404.
        held = _read(_resolve(relative))
        return _send(request, held.body, held.gzipped, held.content_type, VERSIONED_CACHE)

    @app.get(f"{PREFIX}/<relative:path>", name="h5_file")
    @openapi.exclude()
    @public
    async def h5_file(request: Request, relative: str) -> HTTPResponse:
        if relative == "index.html":  # one address for the page, as nginx has it
            query = f"?{request.query_string}" if request.query_string else ""
            return redirect(f"{PREFIX}/{query}", status=301)
        held = _read(_resolve(relative))
        cache = (
            f"public, max-age={VENDOR_MAX_AGE}" if relative.startswith("vendor/") else "no-cache"
        )
        return _send(request, held.body, held.gzipped, held.content_type, cache)
