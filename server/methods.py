"""HEAD and OPTIONS on every path, added while the app is built.

HEAD is what monitors, proxies and link checkers send: the GET's status and headers
without its body (Sanic leaves the body out when it writes a HEAD answer). OPTIONS
answers 204 with the path's methods in `Allow`.

sanic-ext's HTTP extension adds the same routes from a start-up listener, one route at
a time on an app that has started: every addition compiled Sanic's routers again, about
7 s of CPU per worker with ~190 routes (most of a worker's start), and its HEAD handler
had none of the GET handler's attributes, so `reply()` found no documented model and
every HEAD of an API route was a 500. Added here, before the routers are compiled, they
cost nothing, and a HEAD handler carries its GET handler's attributes (`functools.wraps`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from sanic import HTTPResponse, Request, Sanic
from sanic.response import empty

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def _head_of(get: Handler) -> Handler:
    @functools.wraps(get)
    async def head(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        return await get(request, *args, **kwargs)

    return head


def _options_of(methods: frozenset[str]) -> Handler:
    served = methods | {"HEAD"} if "GET" in methods else methods
    allow = ",".join([*sorted(served), "OPTIONS"])

    async def options(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        response = empty()
        response.headers["allow"] = allow
        return response

    return options


def _name(app: Sanic[Any, Any], route_name: str, method: str) -> str:
    """`qinejia.meals.list_menus` → `meals_list_menus_head` (unique: route names are)."""
    return route_name.removeprefix(f"{app.name}.").replace(".", "_") + f"_{method}"


def add_head_and_options(app: Sanic[Any, Any]) -> None:
    """Give every GET route a HEAD twin and every path an OPTIONS answer (call once the
    blueprints are registered, before the app starts)."""
    for group in list(app.router.groups.values()):
        methods = frozenset(group.methods)
        hosts = {route.requirements.get("host") for route in group} - {None}
        common = {
            "uri": group.uri,
            "strict_slashes": group.strict,
            "unquote": group.unquote,
            "host": sorted(hosts) or None,
        }
        if "GET" in methods and "HEAD" not in methods:
            for route in group:
                if "GET" in route.methods:
                    app.add_route(
                        _head_of(route.handler),
                        methods=["HEAD"],
                        name=_name(app, route.name, "head"),
                        **common,
                    )
        if "OPTIONS" not in methods:
            app.add_route(
                _options_of(methods),
                methods=["OPTIONS"],
                name=_name(app, group[0].name, "options"),
                **common,
            )
