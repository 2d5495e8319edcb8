"""The role guard every handler goes through.

`@guard("canteen")` authenticates the bearer token, refuses unbound accounts
(403 not_bound) and callers without one of the roles (403 forbidden; `admin` passes
every guard), and leaves the caller in `request.ctx.principal`. `@public` marks the
few endpoints without a token. A test walks every route and fails on a handler
that has neither, so no endpoint can forget its guard.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sanic import Request

from server.error_handler import render
from server.errors import AppError, Forbidden, NotBound, Unauthorized
from server.http import now
from services.identity import Principal, authenticate

# The attribute naming who may call a route (tests walk every route for it).
GUARD_ATTR = "__guard__"

H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def guard(*roles: str, allow_unbound: bool = False) -> Callable[[H], H]:
    """Require a valid token, a bound account (unless allowed) and one of `roles`."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            try:
                principal = await authenticate(token=bearer_token(request), now=now(request))
                if not principal.bound and not allow_unbound:
                    raise NotBound()
                if roles and not principal.has_role(*roles):
                    raise Forbidden()
                request.ctx.principal = principal
                return await handler(request, *args, **kwargs)
            except AppError as error:
                # Our own errors are answers, not failures: render them here, in the same
                # shape the app's error handler would, and skip Sanic's exception path
                # (signal dispatch, a second run of the request middleware). At the lunch
                # rush most answers are 409 slot_full, so this path is hot.
                return render(error)

        setattr(wrapper, GUARD_ATTR, roles or ("any",))
        return wrapper  # type: ignore[return-value]

    return decorate


def public(handler: H) -> H:
    """An endpoint without a token (login, health, the OpenAPI document)."""
    setattr(handler, GUARD_ATTR, ("public",))
    return handler


def principal_of(request: Request) -> Principal:
    return request.ctx.principal  # type: ignore[no-any-return]


def desk_guard(handler: H) -> H:
    """A partner gym's front desk (API.md §10): its desk key, not a staff token.

    Desk keys and staff tokens are looked up in different tables, so a desk key opens
    no staff route (`guard` answers 401) and a staff token opens no desk route; the
    handler gets `desk_of(request)` and acts only on that gym's vouchers.
    """
    from services.gym.desk import authenticate_desk

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            request.ctx.desk = await authenticate_desk(key=bearer_token(request))
            return await handler(request, *args, **kwargs)
        except AppError as error:
            return render(error)

    setattr(wrapper, GUARD_ATTR, ("gym_desk",))
    return wrapper  # type: ignore[return-value]


def desk_of(request: Request) -> Any:
    """The authenticated gym desk (services.gym.DeskPrincipal) of a desk_guard route."""
    return request.ctx.desk
