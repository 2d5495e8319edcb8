"""What /metrics costs per request (server/metrics.py), in multiprocess mode as deployed.

    .venv/bin/python -m bench.metrics_cost            # ~1 minute

1. Micro: the response middleware (`_observe_request`: one histogram observation in the
   memory-mapped files) and the booking hook (`metrics.booking` with the domain known),
   200,000 calls each in a process whose PROMETHEUS_MULTIPROC_DIR is set: CPU µs per
   call (process time, so a busy machine does not inflate it).
2. Macro: wrk (-t1 -c64, 5 s, 3 interleaved rounds) against two single-worker Sanic apps
   started the same way, B = bench/bare_app.py and B+M = the same app with our response
   middleware registered; the medians' difference is the µs each request pays,
   measured in the same run as its baseline.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
CALLS = 200_000
APP_WITH_METRICS = """
import os
from bench.bare_app import app
from server import metrics
app.register_middleware(metrics._observe_request, "response", priority=1100)
"""


def micro() -> dict[str, float]:
    from server import metrics

    route = SimpleNamespace(path="api/v1/meals/orders")
    stream = SimpleNamespace(perft0=time.perf_counter())
    requests = [SimpleNamespace(route=route, method="POST", stream=stream) for _ in range(4)]
    responses = [SimpleNamespace(status=status) for status in (201, 409, 409, 409)]

    async def observe() -> float:
        started = time.process_time()
        for n in range(CALLS):
            await metrics._observe_request(requests[n % 4], responses[n % 4])  # type: ignore[arg-type]
        return (time.process_time() - started) / CALLS * 1e6

    metrics._domains[1] = "meals"

    async def count() -> float:
        started = time.process_time()
        for _ in range(CALLS):
            await metrics.booking(1, "slot_full")
        return (time.process_time() - started) / CALLS * 1e6

    booking_us = asyncio.run(count())
    return {"middleware_us": asyncio.run(observe()), "booking_hook_us": booking_us}


def _serve(module: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = (
        f"{module}\nfrom bench.bare_app import app\n"
        f"app.run(host='127.0.0.1', port={port}, single_process=True, access_log=False, motd=False)"
    )
    process = subprocess.Popen(
        ["taskset", "-c", "1", sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        if (
            subprocess.run(
                ["curl", "-sf", f"http://127.0.0.1:{port}/ok"], capture_output=True, check=False
            ).returncode
            == 0
        ):
            return process
        time.sleep(0.1)
    raise RuntimeError("app did not start")


def _rps(port: int) -> float:
    out = subprocess.run(
        ["taskset", "-c", "0", "wrk", "-t1", "-c64", "-d5s", f"http://127.0.0.1:{port}/ok"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def macro() -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix="qinejia-metrics-bench-")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}
    bare = _serve("", 18911, env)
    with_metrics = _serve(APP_WITH_METRICS, 18912, env)
    rounds: list[tuple[float, float]] = []
    try:
        for _ in range(3):
            rounds.append((_rps(18911), _rps(18912)))
    finally:
        for process in (bare, with_metrics):
            process.terminate()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
    b = statistics.median(r[0] for r in rounds)
    m = statistics.median(r[1] for r in rounds)
    return {"bare_rps": b, "with_metrics_rps": m, "added_us": 1e6 / m - 1e6 / b}


def main() -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None:
        folder = tempfile.mkdtemp(prefix="qinejia-metrics-bench-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        done = subprocess.run([sys.executable, "-m", "bench.metrics_cost"], cwd=ROOT, check=False)
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(done.returncode)
    load = os.getloadavg()[0]
    figures = micro()
    print(
        f"micro ({CALLS} calls, multiprocess files, CPU time): response middleware "
        f"{figures['middleware_us']:.2f} µs/request, booking hook {figures['booking_hook_us']:.2f} µs"
    )
    if shutil.which("wrk"):
        found = macro()
        print(
            f"macro (wrk -c64, medians of 3 rounds): bare {found['bare_rps']:.0f} req/s, "
            f"with the middleware {found['with_metrics_rps']:.0f} req/s: "
            f"{found['added_us']:.1f} µs/request added"
        )
    print(f"load average at start: {load:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
