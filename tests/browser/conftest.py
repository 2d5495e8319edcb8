"""Browser walks of the H5 stand-in (API.md §13) in the system Chromium.

The real server runs as a subprocess (`python -m server run --single-process`) on a
free port, migrated and seeded with the demo data, against the session's Redis and
database (a SQLite file of its own, or a PostgreSQL database of its own beside
TEST_DATABASE_URL's). Each actor gets its own
browser context (its own localStorage, hence its own login) with the iPhone 13 profile
at 375 px and the zh-CN locale. Every page records JavaScript errors; a walk fails on
any of them, and on a page that scrolls sideways.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import databases

ROOT = Path(__file__).resolve().parents[2]
# Screenshots are taken when asked: for the README,
# `H5_SCREENSHOTS_DIR=docs/screenshots make test PYTEST_ARGS=tests/browser`, or to look at
# them, `H5_SCREENSHOTS_DIR=var/screenshots`. A plain run checks each screen's layout
# only: a full-page PNG of each of ~70 screens was a tenth of the walks' time.
_ASKED = os.environ.get("H5_SCREENSHOTS_DIR")
SCREENSHOTS = Path(_ASKED) if _ASKED else None
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTH = 375


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(var_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        VAR_DIR=str(var_dir),
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=os.environ.get("TEST_DATABASE_URL") or f"sqlite://{var_dir / 'h5.sqlite3'}",
        UPLOAD_DIR=str(var_dir / "uploads"),
        RUN_JOBS="false",  # walks need no scheduler; the in-process tests own the jobs
        # The walks log the same demo accounts in over and over (a fake WeChat code is
        # reusable, a real one is not): the per-code and per-account login limits would
        # refuse the sixth phone of a minute. The limits' own tests run in process.
        LOGIN_RATE_PER_CODE="1000",
        LOGIN_RATE_PER_OPENID="1000",
        ACCESS_LOG="false",
        PYTHONUNBUFFERED="1",
    )
    # The test session's in-process fake WeChat Pay delivers into the in-process app;
    # the server under the walks starts its own, which notifies it over real HTTP.
    env.pop("WECHATPAY_API_BASE", None)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def app(self) -> str:
        return f"{self.url}/app/"


@pytest.fixture(scope="package")
def h5_server() -> Iterator[Server]:
    var_dir = Path(tempfile.mkdtemp(prefix="qinejia-h5-"))
    port = _free_port()
    env = _server_env(var_dir, port)
    if env["DATABASE_URL"].startswith("sqlite://"):
        # The migrated template (tests/support/databases.py): `migrate` finds nothing to do.
        databases.sqlite_copy(var_dir / "h5.sqlite3")
    else:
        # A database of its own beside the session's: the demo seed must not land in the
        # database this worker's in-process tests read (they assume no demo data).
        # (In a thread: the session's event loop is running in this one.)
        session_db = env["DATABASE_URL"]
        name = f"{databases.database_name(session_db)}_h5"
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            env["DATABASE_URL"] = pool.submit(databases.postgres_copy, session_db, name).result()
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "server", *command], cwd=ROOT, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
    log = var_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "run", "--single-process"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # the server's own readiness, not a time rule
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)  # a pause that ends early if the server dies
        else:
            raise RuntimeError(f"server not ready: {log.read_text(errors='replace')[-2000:]}")
        server = Server(url=url, process=process, log=log)
        _bind_demo_accounts(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(var_dir, ignore_errors=True)


# --- the API as a second witness -----------------------------------------------------


class Api:
    """One account on the running server, over HTTP (what the server holds)."""

    def __init__(self, server: Server, code: str) -> None:
        self.code = code
        self.http = httpx.Client(base_url=f"{server.url}/api/v1", timeout=15)
        answer = self.http.post("/auth/login", json={"code": code})
        answer.raise_for_status()
        self.user = answer.json()["user"]
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        response = self.http.post(path, json=body or {})
        assert response.status_code == status, response.text
        return response.json()


def _bind_demo_accounts(server: Server) -> None:
    """Each demo login code bound to its directory entry, as its owner would do once
    (seed-demo binds only the accounts its demo data needs)."""
    from demo import DEMO_STAFF

    for employee_no, name, _department, _roles in DEMO_STAFF:
        api = Api(server, f"demo-{employee_no}")
        if not api.user["bound"]:
            api.post("/auth/bind", {"employee_no": employee_no, "name": name})


@pytest.fixture(scope="package")
def admin_api(h5_server: Server) -> Api:
    return Api(h5_server, "demo-A0001")


@pytest.fixture
def new_staff(h5_server: Server, admin_api: Api):
    """A fresh directory entry (and, if asked, its bound account): walks own their data."""

    def make(
        *, bind: bool = True, roles: tuple[str, ...] = ("staff",)
    ) -> tuple[dict[str, str], Api | None]:
        unique = secrets.token_hex(3).upper()
        entry = {"employee_no": f"H5{unique}", "name": f"测试{unique[:2]}", "department": "办公室"}
        admin_api.post("/admin/staff", {"items": [{**entry, "roles": list(roles)}]})
        code = f"h5-walk-{unique.lower()}"
        entry["code"] = code
        if not bind:
            return entry, None
        api = Api(h5_server, code)
        api.post("/auth/bind", {"employee_no": entry["employee_no"], "name": entry["name"]})
        return entry, api

    return make


# --- browsers ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


# pytest-playwright's playwright/browser fixtures live for the whole session, and the
# sync API keeps an event loop running in the main thread while it is started: the
# asyncio tests that run after this package could not start theirs. So they are
# package-scoped here, stopped before the next package.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="package")
def browser_type(playwright: Any) -> Any:
    return playwright.chromium


@pytest.fixture(scope="package")
def browser(browser_type: Any, browser_type_launch_args: dict[str, Any]) -> Iterator[Any]:
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def phone(playwright: Any) -> dict[str, Any]:
    profile = dict(playwright.devices["iPhone 13"])
    profile["viewport"] = {"width": WIDTH, "height": 812}
    profile["screen"] = {"width": WIDTH, "height": 812}
    return {**profile, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


# Network lines Chromium logs for an HTTP error answer; the walks assert the API's
# message in the toast instead. Everything else at error level is a JavaScript error.
_NETWORK_LINE = "Failed to load resource: the server responded with a status of 4"


@dataclass
class Actor:
    """One person's phone: a browser context logged in with a WeChat code."""

    page: Any
    server: Server
    errors: list[str] = field(default_factory=list)

    def open(self, path: str = "/") -> Any:
        self.page.goto(f"{self.server.app}#{path}")
        return self.page

    def go(self, path: str) -> Any:
        self.page.evaluate("path => { location.hash = path; }", path)
        return self.page

    def testid(self, name: str) -> Any:
        return self.page.get_by_test_id(name)

    def check_layout(self) -> None:
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"scrolls sideways by {overflow}px at {self.page.url}"

    def shot(self, name: str) -> None:
        """The layout check of the current screen, and its screenshot when asked (README)."""
        self.check_layout()
        if SCREENSHOTS is None:
            return
        self.page.evaluate("() => document.fonts.ready")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, scale="css")


def new_actor(browser: Any, server: Server, made: list[Actor], **context: Any) -> Actor:
    """An Actor in a browser context of its own (`context`: Playwright's options), whose
    page records JavaScript errors; listed in `made` for `close_actors`. The caller opens
    its page (`actor.page.goto`)."""
    browser_context = browser.new_context(**context)
    browser_context.set_default_timeout(15_000)
    page = browser_context.new_page()
    actor = Actor(page=page, server=server)
    page.on("pageerror", lambda error: actor.errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            actor.errors.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith(_NETWORK_LINE)
            else None
        ),
    )
    made.append(actor)
    return actor


def close_actors(made: list[Actor]) -> None:
    """Close every context of `made`; a JavaScript error on any page fails the test."""
    errors = [error for actor in made for error in actor.errors]
    for actor in made:
        actor.page.context.close()
    assert not errors, errors


@pytest.fixture
def phone_of(browser: Any, phone: dict[str, Any], h5_server: Server):
    """`phone_of(code)` → an Actor whose app logs in with `code` (API.md §13 ?code=)."""
    made: list[Actor] = []

    def make(code: str, path: str = "/") -> Actor:
        actor = new_actor(browser, h5_server, made, **phone)
        actor.page.goto(f"{h5_server.app}?code={code}#{path}")
        return actor

    yield make
    close_actors(made)


DESK = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


@pytest.fixture
def desk_of(browser: Any, h5_server: Server):
    """`desk_of(code, path)` → an Actor on a 1280×800 counter screen (not a phone)."""
    made: list[Actor] = []

    def make(code: str, path: str = "/") -> Actor:
        actor = new_actor(browser, h5_server, made, **DESK)
        actor.page.goto(f"{h5_server.app}?code={code}#{path}")
        return actor

    yield make
    close_actors(made)
