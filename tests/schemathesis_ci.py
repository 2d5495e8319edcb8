"""Schemathesis over the whole OpenAPI document, as staff and as admin.

Run by .ci/run (not collected by pytest): a fresh database is migrated and seeded with
the demo data, a real server process starts on a free port, the demo staff S0001 and
the admin A0001 log in, and the ids of objects they can see are pinned as path
parameters so id routes reach real objects. Checks: not_a_server_error and the
response-schema conformance checks. Examples per operation are bounded
(SCHEMATHESIS_MAX_EXAMPLES, default 10) so the run takes a couple of minutes.

    .venv/bin/python -m tests.schemathesis_ci      # DATABASE_URL / REDIS_URL as for `run`
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.processes import ROOT, ServerProcess

API = "/api/v1"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def _login(base: str, code: str, employee_no: str, name: str) -> str:
    token = httpx.post(f"{base}{API}/auth/login", json={"code": code}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    bound = httpx.post(
        f"{base}{API}/auth/bind", json={"employee_no": employee_no, "name": name}, headers=headers
    )
    bound.raise_for_status()
    return token


def _first_id(base: str, token: str, path: str) -> int | None:
    response = httpx.get(f"{base}{API}{path}", headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        return None
    items = response.json().get("items") or []
    return items[0]["id"] if items else None


def _seeded_ids(base: str, token: str) -> dict[str, int]:
    day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    found = {
        "ticket_id": _first_id(base, token, "/repairs?scope=all"),
        "pass_id": _first_id(base, token, "/visitors/passes"),
        "booking_id": _first_id(base, token, "/meetings/bookings"),
        "notice_id": _first_id(base, token, "/notifications"),
        "menu_id": _first_id(base, token, f"/meals/menus?date={day}"),
        "order_id": _first_id(base, token, "/meals/orders"),
    }
    return {name: value for name, value in found.items() if value is not None}


def _config(path: Path, ids: dict[str, int]) -> None:
    lines = ["[parameters]"] + [f'"path.{name}" = {value}' for name, value in ids.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    env = {"APP_ENV": "test", "RUN_JOBS": "false", "ACCESS_LOG": "false"}
    folder = Path(tempfile.mkdtemp(prefix="qinejia-st-"))
    env.setdefault("VAR_DIR", str(folder))
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite://{folder / 'st.sqlite3'}"
    full_env = {**os.environ, **env}
    if os.environ.get("REDIS_URL"):
        # A Redis database of its own (as the test session's): start from no rate-limit
        # counters, so a rerun within a minute is not refused its logins.
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "server", *command], cwd=ROOT, env=full_env, check=True
        )
    server = ServerProcess(env=env).start()
    failed = 0
    try:
        actors = {
            "staff": _login(server.url, "demo-S0001", "S0001", "李晓梅"),
            "admin": _login(server.url, "demo-A0001", "A0001", "王建国"),
        }
        for role, token in actors.items():
            config = folder / f"{role}.toml"
            _config(config, _seeded_ids(server.url, token))
            print(f"== schemathesis as {role}", flush=True)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "schemathesis.cli",
                    "--config-file",
                    str(config),
                    "run",
                    f"{server.url}/docs/openapi.json",
                    "--url",
                    server.url,
                    "-H",
                    f"Authorization: Bearer {token}",
                    "--checks",
                    CHECKS,
                    "--max-examples",
                    os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"),
                    "--phases",
                    "examples,coverage,fuzzing",
                    # One worker: with two threads, Hypothesis parsing its own lambdas hit
                    # CPython 3.11's "AST constructor recursion depth mismatch" (a runtime
                    # error of the tool, not a finding) in one CI run.
                    "--workers",
                    "1",
                    "--seed",
                    "13",
                    # Logging out would end the token every later operation runs with
                    # (tests/test_identity_logout.py covers the route).
                    "--exclude-path",
                    "/api/v1/auth/logout",
                    "--no-color",
                    "--suppress-health-check",
                    "all",
                ],
                cwd=folder,
                env=full_env,
                check=False,
            )
            failed |= result.returncode
    finally:
        log = server.stop()
    if failed:
        print(log[-4000:], file=sys.stderr)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
