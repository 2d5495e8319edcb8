"""CPU seconds each process of the run used, printed at the end of the run.

The machine is shared, so wall time says little about the suite; CPU seconds (user +
sys, of the process and of the children it waited for: servers, Chromium, CLI
commands) barely move with the load. Under xdist each worker reports its own, so the
summary shows how evenly the workers were loaded — the wall time the run would take on
an idle machine is about the busiest worker's CPU time.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest


def _cpu() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "own": own.ru_utime + own.ru_stime,
        "children": children.ru_utime + children.ru_stime,
    }


class Usage:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = time.monotonic()
        self.workers: dict[str, dict[str, float]] = {}

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        usage = getattr(node, "workeroutput", {}).get("qj_usage")
        if usage:
            self.workers[node.gateway.id] = usage

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            usage = {**_cpu(), "wall": time.monotonic() - self.started}
            self.config.workeroutput["qj_usage"] = usage  # type: ignore[attr-defined]

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput") or self.config.option.collectonly:
            return
        here = _cpu()
        wall = time.monotonic() - self.started
        terminalreporter.section("CPU seconds")
        for name, usage in sorted(self.workers.items()):
            terminalreporter.write_line(
                f"{name}: {usage['own']:.0f} s in the worker + {usage['children']:.0f} s in "
                f"its processes, {usage['wall']:.0f} s wall"
            )
        terminalreporter.write_line(
            f"this process: {here['own']:.0f} s + {here['children']:.0f} s in its children "
            f"(workers included), {wall:.0f} s wall"
        )
