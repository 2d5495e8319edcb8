"""Real server processes for tests: `python -m server run` on a free port."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.redis_faults import free_port

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    def __init__(self, *, env: dict[str, str], workers: int = 1, port: int | None = None) -> None:
        self.port = port or free_port()  # a restart keeps its port (notify URLs point at it)
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "run", "--workers", str(self.workers)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        # Readiness poll of a process we just started (not a time rule of the service).
        for _ in range(600):
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-3000:])  # type: ignore[union-attr]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.05)  # ends early if the server dies
        raise RuntimeError("server did not start")

    def stop(self) -> str:
        """Stop the server (SIGTERM to its own process group); return its stderr."""
        if self.process is None:
            return ""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            _, err = self.process.communicate()
        self.process = None
        return err.decode(errors="replace")


FAKE_PAY_ARGS = ("--no-ticker", "--port")


class FakePayProcess:
    """The fake WeChat Pay as its own process (`--no-ticker`: the test delivers), so a
    test can SIGSTOP, SIGCONT or kill it like a real remote that hangs or dies."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakePayProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "miniapp_stub.fake_wechatpay", *FAKE_PAY_ARGS, str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        # Readiness poll of a process we just started (not a time rule of the service).
        for _ in range(600):
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-3000:])  # type: ignore[union-attr]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/stub/health", timeout=1).status_code == 200:
                    return self
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.05)
        raise RuntimeError("fake WeChat Pay did not start")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, 18)  # SIGCONT first: a stopped process ignores TERM
            os.kill(self.process.pid, 9)
        self.process.communicate()
        self.process = None


@contextlib.contextmanager
def fake_pay_process() -> Iterator[FakePayProcess]:
    fake = FakePayProcess().start()
    try:
        yield fake
    finally:
        fake.stop()


def run_module(module: str, *args: str, env: dict[str, str]) -> str:
    """`python -m module args` with the test environment plus `env`; its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{module} exit {done.returncode}: {done.stdout}{done.stderr[-3000:]}")
    return done.stdout


@contextlib.contextmanager
def servers(count: int, *, env: dict[str, str], workers: int = 1) -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    try:
        for _ in range(count):
            started.append(ServerProcess(env=env, workers=workers).start())
        yield started
    finally:
        for server in started:
            server.stop()
