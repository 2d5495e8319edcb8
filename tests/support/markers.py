"""The suite's markers, the skips they imply, and what each one ran.

- `browser`: a walk in the system Chromium (every test under tests/browser/ has it).
  Skipped, with the reason, when there is no Chromium at CHROMIUM_PATH.
- `postgres_only`: needs PostgreSQL (TEST_DATABASE_URL=postgres://…). Skipped, with the
  reason, on a SQLite session.
- `slow`: starts processes of its own or takes seconds on an idle machine; runs in
  `make test` like every test, and `-m "not slow"` leaves it out while working.
- `deploy`: the production-shaped proofs (tests/test_deploy.py: nginx, several web
  processes, a worker, Redis Sentinel, Prometheus). They run in CI's own deploy step
  (DEPLOY_TESTS=1 on PostgreSQL) and are skipped, with the reason, everywhere else.
- `deploy_tools`: checks of the files in deploy/ with Debian's nginx, openssl, promtool
  and systemd-analyze; skipped, with the reason, where one of them is missing.

A skip is decided here, from the marker, never inside a test: the terminal summary's
"markers" section counts what each marker passed, failed and skipped (and why), so a
run that skipped every browser walk says so on its last screen.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import ClassVar

import pytest

MARKERS = {
    "browser": "a walk of the H5 app in the system Chromium (tests/browser/)",
    "postgres_only": "needs PostgreSQL: skipped on SQLite sessions",
    "slow": "starts processes or takes seconds; -m 'not slow' leaves it out",
    "deploy": "production-shaped proofs with real nginx, web, worker, Sentinel, Prometheus",
    "deploy_tools": "checks deploy/ with nginx, openssl, promtool and systemd-analyze",
}
DEPLOY_TOOLS = ("nginx", "openssl", "promtool", "systemd-analyze")
BROWSER_DIR = Path(__file__).resolve().parents[1] / "browser"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
_PROPERTY = "markers"


def configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def on_postgres() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def skip_reasons() -> dict[str, str]:
    """Marker → why its tests are skipped in this environment (none when they run)."""
    reasons = {}
    if not Path(CHROMIUM).exists():
        reasons["browser"] = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not on_postgres():
        reasons["postgres_only"] = "SQLite session: needs TEST_DATABASE_URL=postgres://…"
    missing = [tool for tool in DEPLOY_TOOLS if shutil.which(tool) is None]
    if missing:
        reasons["deploy_tools"] = f"not installed: {', '.join(missing)} (.ci/run installs them)"
    if not (os.environ.get("DEPLOY_TESTS") and on_postgres()):
        reasons["deploy"] = "CI's deploy step: DEPLOY_TESTS=1 on PostgreSQL"
    return reasons


def mark(item: pytest.Item) -> None:
    """Mark a browser walk, skip what this environment cannot run, and keep the markers
    of the test in its reports (for the summary, also across xdist workers)."""
    if BROWSER_DIR in Path(str(item.path)).parents:
        item.add_marker(pytest.mark.browser)
    reasons = _reasons()
    names = sorted(name for name in MARKERS if item.get_closest_marker(name))
    for name in names:
        if name in reasons:
            item.add_marker(pytest.mark.skip(reason=f"{name}: {reasons[name]}"))
    item.user_properties.append((_PROPERTY, ",".join(names)))


@functools.cache
def _reasons() -> dict[str, str]:
    return skip_reasons()


def _markers_of(report: pytest.TestReport) -> list[str]:
    for key, value in report.user_properties:
        if key == _PROPERTY:
            return [name for name in str(value).split(",") if name] or ["(unmarked)"]
    return ["(unmarked)"]


class MarkerSummary:
    """Counts each test's outcome under each of its markers; prints them at the end."""

    _RANK: ClassVar[dict[str, int]] = {"passed": 0, "skipped": 1, "failed": 2}

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, tuple[list[str], str]] = {}
        self.reasons: dict[str, set[str]] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            outcome = "failed" if report.outcome == "failed" else report.outcome
        else:
            outcome = "passed"
        names = _markers_of(report)
        known = self.outcomes.get(report.nodeid)
        if known is None or self._RANK[outcome] > self._RANK[known[1]]:
            self.outcomes[report.nodeid] = (names, outcome)
        if report.skipped and isinstance(report.longrepr, tuple):
            for name in names:
                self.reasons.setdefault(name, set()).add(
                    str(report.longrepr[2]).removeprefix("Skipped: ")
                )

    def counts(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {name: Counter() for name in [*MARKERS, "(unmarked)"]}
        for names, outcome in self.outcomes.values():
            for name in names:
                table.setdefault(name, Counter())[outcome] += 1
        return table

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if hasattr(self.config, "workerinput") or self.config.option.collectonly:
            return  # an xdist worker (the controller prints the summary), or nothing ran
        terminalreporter.section("markers")
        for name, count in self.counts().items():
            line = (
                f"{name:<14} {count['passed']:>4} passed, {count['failed']:>3} failed, "
                f"{count['skipped']:>3} skipped"
            )
            reasons = sorted(self.reasons.get(name, ()))
            if reasons:
                line += "  (" + "; ".join(reasons) + ")"
            terminalreporter.write_line(line)


BROWSER_UNITS = 2  # the walks run as this many xdist units, each with its server and Chromium


def browser_unit(path: str) -> int:
    """Which of the BROWSER_UNITS a walk module runs in (by its place in the sorted list
    of walk modules, alternating, so each unit gets a share of the long walks)."""
    modules = sorted(p.name for p in BROWSER_DIR.glob("test_*.py"))
    name = path.rsplit("/", 1)[-1]
    return modules.index(name) % BROWSER_UNITS if name in modules else 0


def heavy_first(items: list[pytest.Item]) -> None:
    """Put the long units first (the walks, then tests that start processes of their
    own), keeping the order within each: xdist hands units out in collection order, so
    a long unit taken last by a worker would run alone at the end of the run."""

    def weight(item: pytest.Item) -> int:
        if item.get_closest_marker("browser"):
            return 0
        if item.get_closest_marker("slow"):
            return 1
        return 2

    items.sort(key=weight)


def xdist_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's scheduling by module, the browser walks in BROWSER_UNITS units.

    A module's tests share its module-scoped fixtures (the access and repair matrices
    build their set-up once), and the walks share a server and a Chromium
    (package-scoped, so once per unit): spread test by test over the workers, each
    would build them again, and as one unit they ran one after another on one worker,
    the longest chain of the run. xdist's own `loadgroup` cannot say this under pytest
    9 (it renames nodes through an attribute pytest 9 no longer reads)."""
    from xdist.scheduler import LoadScopeScheduling

    browser = BROWSER_DIR.relative_to(BROWSER_DIR.parents[1]).as_posix() + "/"

    class ByModule(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path.startswith(browser):
                return f"{browser}#{browser_unit(path)}"
            return path

    return ByModule(config, log)
