"""Named fault points: stop a process between two named steps, for crash and timing tests.

Code that must survive a crash between two steps marks the gap with
`await faults.point("carwash.refund.after_mark")`. Nothing happens unless the point is
armed, and arming is refused in production (`load_settings` raises ConfigError when
FAULT_POINTS is set with APP_ENV=production; `arm()` raises outside APP_ENV=test), so a
production process can never be stopped by one.

Armed from the environment for a real process (`FAULT_POINTS="name=action,..."`) or,
in the test process itself, with `arm(name, action)` / `disarm()`. Actions:

- `kill` — SIGKILL this process at once (what a power cut or the OOM killer does);
- `pause:SECONDS` — wait that long before going on (a slow step; lets a test act in
  the gap, e.g. kill the process from outside or pause a dependency);
- `fail` — raise `FaultInjected` (a ConnectionError: callers see a dependency fault).

An unarmed point costs one dict lookup on an empty dict.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Mapping

ENV_VAR = "FAULT_POINTS"

_armed: dict[str, str] = {}


class FaultInjected(ConnectionError):
    """Raised by a point armed with `fail`."""


def parse(spec: str) -> dict[str, str]:
    """`"a=kill,b=pause:2.5"` → {"a": "kill", "b": "pause:2.5"}; ValueError when malformed."""
    points: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, action = item.partition("=")
        if not sep or not name or not _valid(action):
            raise ValueError(f"not name=kill|fail|pause:SECONDS: {item!r}")
        points[name] = action
    return points


def _valid(action: str) -> bool:
    if action in ("kill", "fail"):
        return True
    kind, _, seconds = action.partition(":")
    try:
        return kind == "pause" and float(seconds) >= 0
    except ValueError:
        return False


def configure(env: Mapping[str, str], *, app_env: str) -> None:
    """Arm the points named in FAULT_POINTS (called by `load_settings`, which has
    already refused the variable in production)."""
    spec = env.get(ENV_VAR, "")
    if spec and app_env != "production":
        _armed.clear()
        _armed.update(parse(spec))


def arm(name: str, action: str) -> None:
    """Arm one point in this process (tests only)."""
    if os.environ.get("APP_ENV") != "test":
        raise RuntimeError("fault points are armed only under APP_ENV=test")
    _armed.update(parse(f"{name}={action}"))


def disarm(name: str | None = None) -> None:
    if name is None:
        _armed.clear()
    else:
        _armed.pop(name, None)


async def point(name: str) -> None:
    """The gap between two named steps; acts only when armed."""
    if not _armed:
        return
    action = _armed.get(name)
    if action is None:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "fail":
        raise FaultInjected(f"fault injected at {name}")
    else:
        await asyncio.sleep(float(action.partition(":")[2]))
