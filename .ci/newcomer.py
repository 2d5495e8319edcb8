#!/usr/bin/env python3
"""A newcomer's first hour, run before anything else in CI (standard library only).

What a new engineer does on a fresh machine, with nothing installed by hand:
1. `make run` exactly as the README says, in a venv built from requirements.txt alone
   (never the one `make lint`/`make test` fill with the dev requirements), on a free
   port with a temporary VAR_DIR; waited for until /api/v1/health answers 200;
2. over HTTP: /app/ serves the H5 page and every file it loads, demo-S0001 logs in, the
   lunch menus list, an order is placed and its pickup QR served, the OpenAPI document
   loads; then everything started is stopped;
3. the other commands of the README in the same venv on the demo database: `worker`,
   `repair-orphans`, `import-staff`, `import-books`, `import-attendance` (exit 0 on a
   valid file, 2 with one line on a bad one);
4. every production module imports in that venv, `pip check` is clean, and
   ../shared/tools/check_runtime_deps.py (when present) prints nothing.

A missing runtime dependency, a crash in seed-demo or a broken /app/ fails here with a
line that names it. Usage: python3 .ci/newcomer.py [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ["server", "handlers", "services", "booking", "models", "jobs", "demo", "miniapp_stub"]
SHANGHAI = timezone(timedelta(hours=8))
# What a newcomer's shell does not have: our CI's own settings must not leak in.
CLEARED = [
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "REDIS_URL",
    "APP_ENV",
    "VIRTUAL_ENV",
    "WECHAT_API_BASE",
    "WECHATPAY_API_BASE",
    "PYTHONPATH",
]


# Files an importer must refuse whole, with one line: bytes no text encoding reads, and
# a CSV of other columns.
BAD_FILES = {
    "undecodable bytes": b"\x00\x01this is not,a csv\xff\xfe\n",
    "wrong columns": "名称,数量\n打印纸,3\n".encode(),
}


class Failed(Exception):
    """One check failed; the message is the line CI prints."""


def say(line: str) -> None:
    print(f"[newcomer] {line}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Http:
    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def call(
        self, method: str, path: str, body: object = None, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Message, bytes]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, method: str, path: str, body: object = None, *, want: int = 200) -> object:
        status, _, raw = self.call(method, path, body)
        if status != want:
            raise Failed(f"{method} {path}: {status} (wanted {want}): {raw[:300]!r}")
        return json.loads(raw)


class Scripts(html.parser.HTMLParser):
    """The files index.html loads (scripts, styles, module preloads)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.found.append(str(values["src"]))
        if tag == "link" and values.get("href") and values.get("rel") != "icon":
            self.found.append(str(values["href"]))


def newcomer_env(var_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(VAR_DIR=str(var_dir), PORT=str(port), PYTHONUNBUFFERED="1")
    return env


def wait_healthy(http: Http, make: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if make.poll() is not None:
            raise Failed(f"`make run` exited with {make.returncode} before serving:\n{tail(log)}")
        try:
            status, _, _ = http.call("GET", "/api/v1/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise Failed(f"/api/v1/health not 200 within {timeout:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def check_app(http: Http) -> str:
    status, headers, page = http.call("GET", "/app/")
    if status != 200 or "text/html" not in headers.get("Content-Type", ""):
        raise Failed(f"/app/ answered {status} {headers.get('Content-Type')}")
    parser = Scripts()
    parser.feed(page.decode("utf-8", "replace"))
    if not parser.found:
        raise Failed("/app/ index.html loads no script")
    for src in parser.found:
        path = src if src.startswith("/") else "/app/" + src.lstrip("./")
        status, _, body = http.call("GET", path)
        if status != 200 or not body:
            raise Failed(f"/app/ loads {src}, which answered {status}")
    return f"/app/ and the {len(parser.found)} files its page loads"


def order_lunch(http: Http) -> str:
    login = http.json("POST", "/api/v1/auth/login", {"code": "demo-S0001"})
    assert isinstance(login, dict)
    http.token = str(login["token"])
    user = login["user"]
    if not user.get("bound"):
        http.json("POST", "/api/v1/auth/bind", {"employee_no": "S0001", "name": "李晓梅"})
    now = datetime.now(SHANGHAI)
    for day in range(0, 8):
        date = (now + timedelta(days=day)).date().isoformat()
        menus = http.json("GET", f"/api/v1/meals/menus?date={date}")
        assert isinstance(menus, dict)
        for menu in menus["items"]:
            if datetime.fromisoformat(menu["order_deadline"]) <= now:
                continue
            slot = next((s for s in menu["slots"] if s["available"] > 0), None)
            dish = next((d for d in menu["dishes"] if d["remaining"] > 0), None)
            if slot is None or dish is None:
                continue
            body = {
                "menu_id": menu["id"],
                "slot_id": slot["id"],
                "items": [{"dish_id": dish["id"], "qty": 1}],
                "pickup": "dine_in",
            }
            # One key per intent, as the app sends it: another menu is another order.
            key = f"newcomer-{uuid.uuid4()}"
            status, _, raw = http.call(
                "POST", "/api/v1/meals/orders", body, headers={"Idempotency-Key": key}
            )
            if status == 409 and json.loads(raw)["error"]["code"] == "limit_reached":
                continue
            if status != 201:
                raise Failed(f"POST /api/v1/meals/orders: {status}: {raw[:300]!r}")
            order = json.loads(raw)
            status, _, png = http.call("GET", f"/api/v1/meals/orders/{order['id']}/qr.png")
            if status != 200 or not png.startswith(b"\x89PNG"):
                raise Failed(f"pickup QR of order {order['id']}: {status}")
            return f"demo-S0001 logged in, ordered {dish['name']} for {date} (order {order['id']}), QR {len(png)} bytes"
    raise Failed("no demo menu of the coming week takes an order")


def stop(process: subprocess.Popen[bytes], what: str, *, timeout: float = 60) -> int:
    """SIGINT to the process group (what Ctrl-C does), then SIGKILL after `timeout`."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"{what} did not stop within {timeout:.0f} s of Ctrl-C: killed")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # nothing of the group may outlive it
        os.killpg(process.pid, signal.SIGKILL)
    return int(process.returncode)


def run_command(
    python: Path, args: list[str], env: dict[str, str], *, want: int, one_line: bool = False
) -> str:
    done = subprocess.run(
        [str(python), "-m", "server", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    shown = " ".join(args)
    if done.returncode != want:
        raise Failed(
            f"`python -m server {shown}` exited {done.returncode} (wanted {want}):\n"
            f"{done.stdout[-1500:]}{done.stderr[-1500:]}"
        )
    if one_line:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        if len(lines) != 1 or "Traceback" in done.stderr:
            raise Failed(f"`python -m server {shown}` should say one line, said:\n{done.stderr}")
        return lines[0]
    return (done.stdout.strip().splitlines() or [""])[-1]


def check_worker(python: Path, env: dict[str, str], redis_url: str, log: Path) -> str:
    env = {**env, "REDIS_URL": redis_url}
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(python), "-m", "server", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise Failed(f"`python -m server worker` exited {worker.returncode}:\n{tail(log)}")
            if "qinejia.jobs: job " in log.read_text(errors="replace"):
                break
            time.sleep(0.5)
        else:
            raise Failed(f"`python -m server worker` ran no job within 120 s:\n{tail(log)}")
    finally:
        code = stop(worker, "worker")
    if code not in (0, -signal.SIGINT):
        raise Failed(f"`python -m server worker` stopped with {code} on Ctrl-C:\n{tail(log)}")
    ran = log.read_text(errors="replace").count("qinejia.jobs: job ")
    return f"worker started, ran {ran} job(s), stopped on Ctrl-C (exit {code})"


def check_imports(python: Path, env: dict[str, str], work: Path) -> list[str]:
    good = {
        "import-staff": "employee_no,name,department,roles\nN9001,新同事,办公室,staff\n",
        "import-books": (
            "isbn,title,author,publisher,year,barcodes\n"
            "9787020002207,红楼梦,曹雪芹,人民文学出版社,1996,NC-0001\n"
        ),
        "import-attendance": "team,date,present\n",
    }
    checked = []
    for command, text in good.items():
        if command == "import-attendance":
            team = first_team(python, env)
            text += f"{team},{datetime.now(SHANGHAI).date().isoformat()},5\n"
        path = work / f"{command}.csv"
        path.write_text(text, encoding="utf-8")
        checked.append(f"{command}: {run_command(python, [command, str(path)], env, want=0)}")
        for kind, content in BAD_FILES.items():
            bad = work / f"{command}-{kind}.csv"
            bad.write_bytes(content)
            line = run_command(python, [command, str(bad)], env, want=2, one_line=True)
            checked.append(f"{command} on {kind}: exit 2, {line.split(': ', 1)[-1]!r}")
    return checked


def first_team(python: Path, env: dict[str, str]) -> str:
    """The name of a demo team (attendance rows name the team)."""
    code = (
        "import asyncio\n"
        "from server.config import load_settings\n"
        "from server.db import init_db, close_db\n"
        "from models.assessment import Team\n"
        "async def main():\n"
        "    await init_db(load_settings().database_url)\n"
        "    team = await Team.all().order_by('id').first()\n"
        "    print(team.name)\n"
        "    await close_db()\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [str(python), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Failed(f"reading a demo team failed:\n{done.stderr[-1500:]}")
    return done.stdout.strip()


def check_dependencies(python: Path, env: dict[str, str]) -> list[str]:
    checked = []
    importer = (
        "import importlib, pkgutil, sys\n"
        f"for top in {PRODUCTION!r}:\n"
        "    package = importlib.import_module(top)\n"
        "    for info in pkgutil.walk_packages(package.__path__, top + '.'):\n"
        "        if info.name.endswith('__main__') or info.name.startswith('miniapp_stub.h5'):\n"
        "            continue\n"
        "        try:\n"
        "            importlib.import_module(info.name)\n"
        "        except ModuleNotFoundError as exc:\n"
        "            print(f'{info.name} imports {exc.name!r}, which requirements.txt does not install')\n"
        "            sys.exit(1)\n"
    )
    done = subprocess.run(
        [str(python), "-c", importer], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise Failed(done.stdout.strip() or done.stderr[-1500:])
    checked.append("every production module imports")
    done = subprocess.run(
        [str(python), "-m", "pip", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise Failed(f"pip check: {done.stdout.strip()}")
    checked.append(f"pip check: {done.stdout.strip()}")
    tool = ROOT.parent / "shared" / "tools" / "check_runtime_deps.py"
    if tool.exists():
        done = subprocess.run(
            [str(python), str(tool)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode != 0 or done.stdout.strip():
            raise Failed(f"check_runtime_deps.py: {done.stdout.strip()}")
        checked.append("check_runtime_deps.py: nothing missing")
    else:
        checked.append("check_runtime_deps.py: not beside this checkout (../shared), not run")
    return checked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("NEWCOMER_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the Redis server the separate worker uses (README: it needs REDIS_URL)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qinejia-newcomer-"))
    venv, var_dir, port = work / "venv", work / "var", free_port()
    env = newcomer_env(var_dir, port)
    python = venv / "bin" / "python"
    http = Http(f"http://127.0.0.1:{port}")
    log = work / "make-run.log"
    started = time.monotonic()
    say(f"make run VENV={venv} with VAR_DIR={var_dir}, PORT={port}")
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "run", f"VENV={venv}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_healthy(http, make, log, timeout=600)
            ok(
                f"make run from a cold venv to /api/v1/health 200: {time.monotonic() - started:.0f} s"
            )
            ok(check_app(http))
            ok(order_lunch(http))
            http.token = None
            document = http.json("GET", "/docs/openapi.json")
            assert isinstance(document, dict)
            ok(f"/docs/openapi.json: {len(document['paths'])} paths")
        finally:
            code = stop(make, "make run")
        ok(f"make run stopped on Ctrl-C (exit {code})")
        for line in check_dependencies(python, env):
            ok(line)
        ok(check_worker(python, env, args.redis_url, work / "worker.log"))
        ok("repair-orphans: " + run_command(python, ["repair-orphans"], env, want=0))
        for line in check_imports(python, env, work):
            ok(line)
    except Failed as failure:
        say(f"FAILED: {failure}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    say(f"all newcomer checks passed in {time.monotonic() - started:.0f} s")
    return 0


def ok(line: str) -> None:
    say(f"ok  {line}")


if __name__ == "__main__":
    sys.exit(main())
