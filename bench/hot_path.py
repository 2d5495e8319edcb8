"""The lunch-rush hot path: our routes as a share of a bare Sanic app, by wrk.

    .venv/bin/python -m bench.hot_path                 # 3 interleaved rounds (~3 minutes)
    .venv/bin/python -m bench.hot_path --profile       # and py-spy profiles of each path
    .venv/bin/python -m bench.hot_path --settled-redis # Redis up for over a day: keys answered by it alone

All on loopback, PostgreSQL (database bench_meals, rebuilt) and Redis db 11 (flushed):
1. Seeds ~54,000 bound staff with tokens and three menus (bench/lunch_rush.py's seed);
   all but the "unseen" users have made one request before (their principal is in the
   shared Redis cache, as after opening the mini-program; not in the worker's own).
2. Starts B = bench/bare_app.py (Sanic answering {"ok": true}: same Sanic, same Python,
   one worker, no access log) and the server with its real CLI (`python -m server run`,
   one worker, APP_ENV=production, no access log, jobs off), both pinned to core 1 with
   taskset; wrk runs pinned to core 0 (`wrk -t1 -c64`).
3. Per round, interleaved: B (GET /ok); POST /meals/orders on a menu whose slots are
   full by 100 users cycling (warm tokens: in the worker's auth cache); the same by
   6,000 distinct users the worker has never seen (cold tokens, the rush's real shape;
   1 s, fewer requests than users); the same by 6,000 users Redis has never seen either
   (the first request of a user since Redis started: a database query); accepted
   orders (201, committed) by 3,000 distinct users on a roomy menu (2 s: every request
   a user's first order); then the full-slot and the accept runs again with an
   Idempotency-Key on every request, as the H5 sends it (a new key per intent, every
   10th request a retry of the previous intent: a replay), the accepts by 3,000 other
   users.
   Medians of the rounds, each path as a share of B measured in the same round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import lunch_rush as rush

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "wrk" / "tokens.lua"
B_PORT = rush.PORT + 1
# Distinct users per phase and round: more than a phase can send in its time, so every
# cold request is a token the worker has not seen and every accept a user's first order.
WARM, COLD, ACCEPT = 100, 6_000, 6_000
PROFILED = 12_000  # users for the profile of keyed accepts (each one's first order)


def wrk(
    url: str,
    *,
    tokens: Path,
    path: str,
    body: str = "",
    method: str = "POST",
    seconds: float,
    keys: bool = False,
) -> dict[str, object]:
    """One wrk run pinned to core 0: requests/s and the statuses it saw. `keys`: each
    request carries an Idempotency-Key as the H5 sends it (a new one per intent, every
    10th request a retry of the previous intent)."""
    env = {
        **os.environ,
        "WRK_TOKENS": str(tokens),
        "WRK_PATH": path,
        "WRK_METHOD": method,
        "WRK_BODY": body,
        "WRK_KEYS": "1" if keys else "0",
    }
    command = [
        "taskset",
        "-c",
        "0",
        "wrk",
        "-t1",
        "-c64",
        f"-d{max(1, round(seconds))}s",
        "-s",
        str(SCRIPT),
    ]
    out = subprocess.run(
        [*command, url], env=env, capture_output=True, text=True, check=True
    ).stdout
    statuses = Counter(
        {int(m[1]): int(m[2]) for m in re.finditer(r"^status (\d+) (\d+)$", out, re.M)}
    )
    elapsed = float(re.search(r"requests in ([\d.]+)(m?s)", out)[1])  # type: ignore[index]
    unit = re.search(r"requests in [\d.]+(m?s)", out)[1]  # type: ignore[index]
    seconds_taken = elapsed / 1000 if unit == "ms" else elapsed
    return {"statuses": dict(statuses), "seconds": seconds_taken, "raw": out}


def rate(run: dict[str, object], status: int) -> float:
    statuses: dict[int, int] = run["statuses"]  # type: ignore[assignment]
    return statuses.get(status, 0) / float(run["seconds"])  # type: ignore[arg-type]


def start_pinned(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["taskset", "-c", "1", *command],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def wait_for(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            writer.close()
            if head[9:12] == b"200":
                return
        except OSError:
            pass
        await asyncio.sleep(0.25)
    raise RuntimeError(f"nothing healthy on port {port}; see var/bench/*.log")


def stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def profile(pid: int, seconds: int, out: Path) -> list[tuple[str, float]]:
    """py-spy's samples of the server while it answers: the share of samples in which
    each of our functions (or a library's entry point) is on the stack."""
    raw = out.with_suffix(".txt")
    subprocess.run(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--subprocesses", "--pid", str(pid), "--duration", str(seconds),
         "--rate", "200", "--format", "raw", "--output", str(raw), "--nonblocking"],
        check=True, capture_output=True,
    )  # fmt: skip
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a line that is not a stack (py-spy's notes)
            continue
        samples = int(count)
        total += samples
        seen = set()
        for frame in stack.split(";"):
            name = frame.split(" (")[0]
            where = frame.split(" (")[-1]
            if "site-packages" in where and not any(
                lib in where for lib in ("sanic/app.py", "tortoise/", "redis/", "pydantic/")
            ):
                continue
            if name not in seen:
                seen.add(name)
                inclusive[f"{name} ({where.split('/')[-1].rstrip(')')}"] += samples
    return [(name, n / total) for name, n in inclusive.most_common(40)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--settled-redis",
        action="store_true",
        help="Redis up for over a day (keys answered by Redis alone); default: just flushed",
    )
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install wrk util-linux)")
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    rush.reset_stores()
    rush.STAFF = max(rush.STAFF, WARM + args.rounds * (2 * COLD + ACCEPT) + 100)
    if args.profile:
        rush.STAFF += PROFILED
    seeded = asyncio.run(rush.seed(unseen=args.rounds * COLD, spare=args.profile))
    if args.settled_redis:
        rush.settle_redis()
    tokens: list[str] = seeded["tokens"]  # type: ignore[assignment]
    never: list[str] = seeded["unseen"]  # type: ignore[assignment]
    files = Path(tempfile.mkdtemp(prefix="hot-path-"))

    def token_file(name: str, chosen: list[str]) -> Path:
        path = files / name
        path.write_text("\n".join(chosen) + "\n")
        return path

    warm = token_file("warm", tokens[:WARM])
    cold = [token_file(f"cold{r}", tokens[WARM + r * COLD : WARM + (r + 1) * COLD])
            for r in range(args.rounds)]  # fmt: skip
    unseen = [token_file(f"unseen{r}", never[r * COLD : (r + 1) * COLD])
              for r in range(args.rounds)]  # fmt: skip
    base = WARM + args.rounds * COLD
    half = ACCEPT // 2
    accept = [token_file(f"accept{r}", tokens[base + r * ACCEPT : base + r * ACCEPT + half])
              for r in range(args.rounds)]  # fmt: skip
    accept_keyed = [token_file(f"accept-keyed{r}",
                               tokens[base + r * ACCEPT + half : base + (r + 1) * ACCEPT])
                    for r in range(args.rounds)]  # fmt: skip
    full_body = rush.order_body(seeded["full"], 0).decode()  # type: ignore[arg-type]
    env = {**rush.ENV, "RUN_JOBS": "false", "ACCESS_LOG": "false"}
    bare = start_pinned(
        [sys.executable, "-m", "sanic", "bench.bare_app:app", "--host", "127.0.0.1",
         "--port", str(B_PORT), "--no-access-logs"],
        {}, var / "bare.log",
    )  # fmt: skip
    server = start_pinned([sys.executable, "-m", "server", "run"], env, var / "server.log")
    server_url = f"http://127.0.0.1:{rush.PORT}"
    try:
        asyncio.run(wait_for(B_PORT, "/ok"))
        asyncio.run(wait_for(rush.PORT, "/api/v1/health"))
        wrk(server_url, tokens=warm, path="/api/v1/me", method="GET", seconds=2)  # warm up
        wrk(f"http://127.0.0.1:{B_PORT}", tokens=warm, path="/ok", method="GET", seconds=1)
        rounds: list[dict[str, float]] = []
        for r in range(args.rounds):
            b = wrk(f"http://127.0.0.1:{B_PORT}", tokens=warm, path="/ok", seconds=args.seconds)
            hot = wrk(server_url, tokens=warm, path="/api/v1/meals/orders", body=full_body,
                      seconds=args.seconds)  # fmt: skip
            cold_run = wrk(server_url, tokens=cold[r], path="/api/v1/meals/orders",
                           body=full_body, seconds=1)  # fmt: skip
            unseen_run = wrk(server_url, tokens=unseen[r], path="/api/v1/meals/orders",
                             body=full_body, seconds=1)  # fmt: skip
            # A slot of 3,000 places for each accept run (bare, keyed) of the round: a run
            # has 3,000 users, so it never finds its slot full before its users are done.
            roomy = rush.order_body(seeded["roomy"], 2 * r).decode()  # type: ignore[arg-type]
            roomy_keyed = rush.order_body(seeded["roomy"], 2 * r + 1).decode()  # type: ignore[arg-type]
            acc = wrk(server_url, tokens=accept[r], path="/api/v1/meals/orders", body=roomy,
                      seconds=2)  # fmt: skip
            hot_keyed = wrk(server_url, tokens=warm, path="/api/v1/meals/orders",
                            body=full_body, seconds=args.seconds, keys=True)  # fmt: skip
            acc_keyed = wrk(server_url, tokens=accept_keyed[r], path="/api/v1/meals/orders",
                            body=roomy_keyed, seconds=2, keys=True)  # fmt: skip
            row = {
                "B": rate(b, 200),
                "warm_rejections": rate(hot, 409),
                "cold_rejections": rate(cold_run, 409),
                "unseen_rejections": rate(unseen_run, 409),
                "accepts": rate(acc, 201),
                "keyed_rejections": rate(hot_keyed, 409),
                "keyed_accepts": rate(acc_keyed, 201),
                "5xx": sum(
                    n for run in (hot, cold_run, acc, hot_keyed, acc_keyed)
                    for s, n in run["statuses"].items() if s >= 500  # type: ignore[union-attr]
                ),
            }  # fmt: skip
            row_statuses = {name: run["statuses"] for name, run in
                            (("warm", hot), ("cold", cold_run), ("unseen", unseen_run), ("accept", acc),
                             ("warm keyed", hot_keyed), ("accept keyed", acc_keyed))}  # fmt: skip
            print(f"  statuses: {row_statuses}", flush=True)
            rounds.append(row)
            print(
                f"round {r + 1}: " + ", ".join(f"{k} {v:,.0f}" for k, v in row.items()), flush=True
            )
        summary = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        ratios = {
            key: statistics.median(r[key] / r["B"] for r in rounds)
            for key in ("warm_rejections", "cold_rejections", "unseen_rejections", "accepts",
                        "keyed_rejections", "keyed_accepts")
        }  # fmt: skip
        print("\n| path | req/s (median) | of B (median of per-round ratios) |\n|---|---:|---:|")
        print(f"| B, bare Sanic JSON | {summary['B']:,.0f} | 100% |")
        for key, label in (
            ("warm_rejections", "`POST /meals/orders` full slot, 100 warm users"),
            ("cold_rejections", f"the same, {COLD:,} users a round new to the worker"),
            ("unseen_rejections", f"the same, {COLD:,} users a round new to Redis too"),
            ("accepts", f"`POST /meals/orders` accepted (201), {half:,} users a round"),
            ("keyed_rejections", "full slot, 100 warm users, with Idempotency-Key (10% retries)"),
            (
                "keyed_accepts",
                f"accepted, {half:,} other users, with Idempotency-Key (10% retries)",
            ),
        ):
            print(f"| {label} | {summary[key]:,.0f} | {ratios[key]:.0%} |")
        print(f"5xx: {sum(r['5xx'] for r in rounds)}")
        (var / "hot_path.json").write_text(json.dumps({"rounds": rounds, "ratios": ratios}))
        if args.profile:
            spare = rush.order_body(seeded["spare"], 0).decode()  # type: ignore[arg-type]
            end = base + args.rounds * ACCEPT
            profiled = token_file("profiled", tokens[end : end + PROFILED])
            for label, chosen, body, keyed in (
                ("warm rejections", warm, full_body, False),
                ("keyed rejections", warm, full_body, True),
                ("keyed accepts", profiled, spare, True),
            ):
                print(f"\nprofile of {label} (share of samples with the function on the stack):")
                loader = subprocess.Popen(
                    ["taskset", "-c", "0", "wrk", "-t1", "-c64", "-d10s", "-s", str(SCRIPT),
                     server_url],
                    env={**os.environ, "WRK_TOKENS": str(chosen),
                         "WRK_PATH": "/api/v1/meals/orders", "WRK_METHOD": "POST",
                         "WRK_BODY": body, "WRK_KEYS": "1" if keyed else "0"},
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(1)
                out = var / f"profile-{label.replace(' ', '-')}"
                for name, share in profile(server.pid, 6, out):
                    print(f"{share:6.1%}  {name}")
                loader.wait()
    finally:
        stop(server)
        stop(bare)


if __name__ == "__main__":
    main()
