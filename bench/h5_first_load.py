"""First load of the H5 app in Chromium: bytes and requests cold and warm, and the share
of tap targets under 44 px on every page an admin (who sees every entry) can reach.

    .venv/bin/python -m bench.h5_first_load [--root /path/to/checkout]

Starts that checkout's server (SQLite, migrated, demo data) on a free port, then:
cold = a fresh browser context opening /app/; warm = a second page of the same context
(its HTTP cache kept) opening /app/ again. "Before the first API call" counts the
requests the browser sent before its first /api/v1/ request (what a warm start costs
before the app can ask for data). Bytes are as transferred (compressed when served so).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROUTES = [
    "/", "/notices", "/me", "/meals", "/meals/orders", "/meetings", "/meetings/mine", "/repairs",
    "/repairs/new", "/visitors", "/visitors/new", "/canteen", "/crew", "/gate", "/admin",
    "/gym", "/gym/mine", "/library", "/carwash", "/carwash/station", "/procurement",
    "/procurement/new", "/assessment/inspect", "/assessment/rectifications",
    "/assessment/survey", "/library/desk",
]  # fmt: skip

TAPPABLE = """() => {
  const seen = new Set(); const out = [];
  const sel = 'button, a[href], [role=button], .van-cell--clickable, .van-grid-item__content, ' +
    '.van-tabbar-item, .van-stepper__minus, .van-stepper__plus, .van-radio__icon, ' +
    '.van-checkbox__icon, .van-nav-bar__left, .van-tab, input:not([type=hidden]), textarea';
  for (const el of document.querySelectorAll(sel)) {
    if (seen.has(el)) continue; seen.add(el);
    const r = el.getBoundingClientRect(); const st = getComputedStyle(el);
    if (!r.width || !r.height || st.visibility === 'hidden' || st.display === 'none') continue;
    out.push([Math.round(r.width), Math.round(r.height), el.className || el.tagName]);
  }
  return out;
}"""


def start_server(root: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    var = Path(tempfile.mkdtemp(prefix="h5bench-"))
    port = 18000 + os.getpid() % 1000
    env = {
        **os.environ, "VAR_DIR": str(var), "HOST": "127.0.0.1", "PORT": str(port),
        "DATABASE_URL": f"sqlite://{var / 'b.sqlite3'}", "UPLOAD_DIR": str(var / "up"),
        "RUN_JOBS": "false", "ACCESS_LOG": "false", "APP_ENV": "test",
    }  # fmt: skip
    py = str(root / ".venv/bin/python")
    for cmd in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [py, "-m", "server", *cmd], cwd=root, env=env, check=True, capture_output=True
        )
    log = (var / "server.log").open("wb")
    proc = subprocess.Popen(
        [py, "-m", "server", "run", "--single-process"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    # The admin's demo account bound to its directory entry, as its owner does once.
    answer = httpx.post(f"{url}/api/v1/auth/login", json={"code": "demo-A0001"}).json()
    if not answer["user"]["bound"]:
        httpx.post(
            f"{url}/api/v1/auth/bind",
            json={"employee_no": "A0001", "name": _demo_name("A0001")},
            headers={"Authorization": f"Bearer {answer['token']}"},
        )
    return proc, url, var


def _demo_name(employee_no: str) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from demo import DEMO_STAFF

    return next(name for number, name, *_ in DEMO_STAFF if number == employee_no)


def load(context, url: str) -> dict[str, float]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    state = {"requests": 0, "before_api": None, "bytes": 0, "from_cache": 0, "api_calls": 0}

    def sent(event):
        if event["request"]["url"].startswith("data:"):
            return
        if os.environ.get("BENCH_VERBOSE"):
            print(event["request"]["url"], file=sys.stderr)
        if "/api/v1/" in event["request"]["url"]:
            state["api_calls"] += 1
            if state["before_api"] is None:
                state["before_api"] = state["requests"] - state["from_cache"]
        state["requests"] += 1

    def finished(event):
        state["bytes"] += event.get("encodedDataLength", 0)

    def cached(event):
        state["from_cache"] += 1

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", cached)
    page.goto(f"{url}/app/?code=demo-A0001", wait_until="networkidle")
    page.locator("main.page").wait_for()  # the app started and logged in
    page.wait_for_load_state("networkidle")
    page.close()
    # A module served from the memory/disk cache raises requestWillBeSent but never hits
    # the network: those are counted apart.
    state["network_requests"] = state["requests"] - state["from_cache"]
    return state


def tap_targets(context, url: str) -> tuple[int, int]:
    page = context.new_page()
    page.goto(f"{url}/app/?code=demo-A0001#/", wait_until="networkidle")
    small = total = 0
    for route in ROUTES:
        page.evaluate("p => { location.hash = p; }", route)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        for width, height, _ in page.evaluate(TAPPABLE):
            total += 1
            small += min(width, height) < 44
    page.close()
    return small, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    args = parser.parse_args()
    root = Path(args.root)
    proc, url, _ = start_server(root)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            device = dict(p.devices["iPhone 13"])
            context = browser.new_context(**device, locale="zh-CN")
            cold = load(context, url)
            warm = load(context, url)
            small, total = tap_targets(context, url)
            browser.close()
        result = {"root": str(root), "cold": cold, "warm": warm,
                  "tap_targets": {"under_44px": small, "total": total, "share": round(small / max(total, 1), 3)}}  # fmt: skip
        print(json.dumps(result, ensure_ascii=False, indent=1))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
