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
from typing import Any

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


def load(context, url: str) -> dict[str, Any]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent: list[tuple[str, str]] = []  # (request id, url) in the order they were issued
    cached: set[str] = set()
    sizes: dict[str, int] = {}

    def on_sent(event: dict[str, Any]) -> None:
        if not event["request"]["url"].startswith("data:"):
            sent.append((event["requestId"], event["request"]["url"]))

    def on_response(event: dict[str, Any]) -> None:
        answer = event["response"]
        if answer.get("fromDiskCache") or answer.get("fromPrefetchCache"):
            cached.add(event["requestId"])

    cdp.on("Network.requestWillBeSent", on_sent)
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived", on_response)
    cdp.on(
        "Network.loadingFinished", lambda e: sizes.update({e["requestId"]: e["encodedDataLength"]})
    )
    page.goto(f"{url}/app/?code=demo-A0001", wait_until="networkidle")
    page.locator("main.page").wait_for()  # the app started and logged in
    page.wait_for_load_state("networkidle")
    page.close()
    network = [(rid, u) for rid, u in sent if rid not in cached]
    first_api = next((i for i, (_, u) in enumerate(network) if "/api/v1/" in u), len(network))
    if os.environ.get("BENCH_VERBOSE"):
        for rid, u in network:
            print(u, sizes.get(rid), file=sys.stderr)
    return {
        "network_requests": len(network),
        "from_cache": len(cached),
        "before_first_api_call": first_api,
        "api_calls": sum("/api/v1/" in u for _, u in network),
        "bytes": sum(sizes.get(rid, 0) for rid, _ in network),
        "static_bytes": sum(sizes.get(rid, 0) for rid, u in network if "/api/v1/" not in u),
    }


def tap_targets(context, url: str) -> tuple[int, int]:
    page = context.new_page()
    page.goto(f"{url}/app/?code=demo-A0001#/", wait_until="networkidle")
    small = total = 0
    for route in ROUTES:
        page.evaluate("p => { location.hash = p; }", route)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        for width, height, name in page.evaluate(TAPPABLE):
            total += 1
            small += min(width, height) < 44
            if min(width, height) < 44 and os.environ.get("BENCH_VERBOSE"):
                print("small", route, width, height, str(name)[:80], file=sys.stderr)
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
