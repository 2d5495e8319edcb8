"""One Sanic blueprint per domain: parse, authorize, call one service, serialize.

Every module here that defines `bp` is mounted, so a new domain needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

from sanic import Blueprint


def blueprints() -> list[Blueprint]:
    found: list[Blueprint] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        blueprint = getattr(module, "bp", None)
        if isinstance(blueprint, Blueprint):
            found.append(blueprint)
    return found
