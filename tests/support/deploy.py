"""Real production-shaped processes for tests/test_deploy.py: a Redis Sentinel set, nginx
with deploy/nginx/qinejia.conf, web instances under a restart loop (as systemd's
Restart=), the worker, Prometheus with deploy/prometheus/. Every process is started
here on free loopback ports and stopped here by its own pid, never by name.

The deploy files are used as shipped, with only what their comments mark EDIT changed
(ports, certificate paths, the code's folder, the Forwarded secret): the same edits
deploy/README.md asks of an operator.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.redis_faults import free_port, redis_server_binary

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
FORWARDED_SECRET = "test-forwarded-secret-0123456789"
SERVICE = "qinejia"


def wait_for(check, *, seconds: float, what: str, every: float = 0.1):
    """Poll `check()` until it returns something truthy (readiness of processes we
    started; never a time rule of the service)."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(Exception):
            found = check()
            if found:
                return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {seconds}s")
        time.sleep(every)


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _redis_command(port: int, *command: str) -> str:
    return subprocess.run(
        [shutil.which("redis-cli") or "redis-cli", "-p", str(port), *command],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    ).stdout


class SentinelSet:
    """One primary, one replica, three sentinels: all `redis-server` processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ports = {"primary": free_port(), "replica": free_port()}
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def _redis(self, name: str, *extra: str) -> None:
        work = self.folder / name
        work.mkdir(exist_ok=True)
        self.processes[name] = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.ports[name]),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(work),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> SentinelSet:
        self._redis("primary")
        wait_for(
            lambda: _redis_command(self.ports["primary"], "PING").strip() == "PONG",
            seconds=20,
            what="primary",
        )
        self._redis("replica", "--replicaof", "127.0.0.1", str(self.ports["primary"]))
        template = (DEPLOY / "redis" / "sentinel.conf").read_text()
        for n, port in enumerate(self.sentinel_ports):
            conf = self.folder / f"sentinel-{n}.conf"
            conf.write_text(
                template.replace("port 26379", f"port {port}")
                .replace("bind 127.0.0.1 10.0.0.11", "bind 127.0.0.1")
                .replace("10.0.0.11 6379", f"127.0.0.1 {self.ports['primary']}")
                .replace("dir /var/lib/redis", f"dir {self.folder}")
                .replace(
                    "down-after-milliseconds qinejia 5000", "down-after-milliseconds qinejia 1000"
                )
                .replace("failover-timeout qinejia 60000", "failover-timeout qinejia 10000")
            )
            self.processes[f"sentinel-{n}"] = subprocess.Popen(
                [redis_server_binary(), str(conf), "--sentinel"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        wait_for(self._ready, seconds=60, what="sentinels seeing the replica and each other")
        return self

    def _ready(self) -> bool:
        for port in self.sentinel_ports:
            state = _redis_command(port, "SENTINEL", "MASTER", SERVICE)
            fields = dict(zip(state.split()[::2], state.split()[1::2], strict=False))
            if fields.get("num-slaves") != "1" or fields.get("num-other-sentinels") != "2":
                return False
        return True

    def primary_port(self) -> int:
        reply = _redis_command(
            self.sentinel_ports[0], "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE
        ).split()
        return int(reply[1])

    def kill_primary(self) -> int:
        """kill -9 the current primary (as a crashed host); returns its port."""
        port = self.primary_port()
        name = next(n for n, p in self.ports.items() if p == port)
        _stop(self.processes[name], signal.SIGKILL)
        return port

    def stop(self) -> None:
        for process in self.processes.values():
            _stop(process, signal.SIGKILL)


class Nginx:
    """nginx with deploy/nginx/qinejia.conf, its EDIT lines set for this machine."""

    def __init__(self, folder: Path, upstreams: list[int]) -> None:
        self.folder = folder
        self.https_port, self.http_port = free_port(), free_port()
        self.upstreams = upstreams
        self.conf = folder / "qinejia.conf"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def command(self) -> str:
        """How deploy/rolling-restart.sh calls this nginx (its NGINX_CMD setting)."""
        return f"nginx -p {self.folder} -c {self.folder / 'nginx.conf'}"

    def render(self) -> None:
        text = (DEPLOY / "nginx" / "qinejia.conf").read_text()
        servers = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n" for port in self.upstreams
        )
        text = re.sub(
            r"(# qinejia-upstream-begin\n).*?(\s*# qinejia-upstream-end)",
            lambda m: m.group(1) + servers.rstrip("\n") + m.group(2),
            text,
            flags=re.S,
        )
        replacements = {
            "    listen 80;\n    listen [::]:80;": f"    listen 127.0.0.1:{self.http_port};",
            "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;": (
                f"    listen 127.0.0.1:{self.https_port} ssl http2;"
            ),
            "/etc/qinejia/tls/fullchain.pem": str(self.folder / "cert.pem"),
            "/etc/qinejia/tls/privkey.pem": str(self.folder / "key.pem"),
            "/var/log/nginx/qinejia.access.log": str(self.folder / "access.log"),
            "/opt/qinejia/": f"{ROOT}/",
            "CHANGE-ME-forwarded-secret": FORWARDED_SECRET,
        }
        for old, new in replacements.items():
            assert old in text, old
            text = text.replace(old, new)
        self.conf.write_text(text)
        temp = self.folder / "temp"
        temp.mkdir(exist_ok=True)
        temp.chmod(0o777)
        (self.folder / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 2;
pid {self.folder / "nginx.pid"};
error_log {self.folder / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.conf};
}}
"""
        )

    def start(self) -> Nginx:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(self.folder / "key.pem"), "-out", str(self.folder / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.render()
        subprocess.run([*self.command.split(), "-t", "-q"], check=True)
        self.process = subprocess.Popen(self.command.split(), stderr=subprocess.DEVNULL)
        wait_for(
            lambda: httpx.get(f"{self.url}/app/", verify=False, timeout=2).status_code == 200,
            seconds=30,
            what="nginx",
        )
        return self

    def access_log(self) -> list[str]:
        path = self.folder / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def stop(self) -> None:
        _stop(self.process, signal.SIGQUIT)


@dataclass
class Web:
    """`python -m server run` on a port, restarted when it exits (systemd's Restart=),
    each run in its own process group so a kill -9 takes it whole, as a crash would."""

    folder: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    loop: subprocess.Popen[bytes] | None = None

    @property
    def pidfile(self) -> Path:
        return self.folder / f"web-{self.port}.pid"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def restart_command(self) -> str:
        """deploy/rolling-restart.sh's RESTART for this instance: a graceful stop of the
        running process (SIGTERM to its main process, as systemd's KillMode=mixed),
        waiting until it is gone; the loop then starts the new one."""
        return (
            f"pid=$(cat {self.pidfile}); kill -TERM $pid; "
            "while kill -0 $pid 2>/dev/null; do sleep 0.1; done"
        )

    def start(self) -> Web:
        stop = self.folder / f"web-{self.port}.stop"
        log = self.folder / f"web-{self.port}.log"
        script = (
            f"while [ ! -e {stop} ]; do "
            f"setsid {sys.executable} -m server run --single-process "
            f">>{log} 2>&1 & echo $! > {self.pidfile}; wait $!; done"
        )
        env = {**os.environ, **self.env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.loop = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env)
        self.wait_ready()
        return self

    def pid(self) -> int:
        return int(self.pidfile.read_text())

    def wait_ready(self, *, seconds: float = 180) -> float:
        started = time.monotonic()
        wait_for(
            lambda: httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200,
            seconds=seconds,
            what=f"web on {self.port}",
            every=0.2,
        )
        return time.monotonic() - started

    def kill9(self) -> int:
        """SIGKILL to the whole process group of the running instance; returns its pid."""
        pid = self.pid()
        os.killpg(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        (self.folder / f"web-{self.port}.stop").touch()
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(self.pid(), signal.SIGTERM)
        if self.loop is not None:
            try:
                self.loop.wait(timeout=40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.killpg(self.pid(), signal.SIGKILL)
                self.loop.kill()
                self.loop.wait()


@dataclass
class Worker:
    """`python -m server worker` (jobs + notice consumer) with its /metrics port."""

    env: dict[str, str]
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        env = {**os.environ, **self.env, "METRICS_PORT": str(self.metrics_port)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: (
                httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).status_code
                == 200
            ),
            seconds=120,
            what="worker metrics",
            every=0.2,
        )
        return self

    def stop(self) -> None:
        _stop(self.process)


class Prometheus:
    """Debian's prometheus with deploy/prometheus/, targets set to these processes."""

    def __init__(self, folder: Path, *, web: list[int], worker: list[int]) -> None:
        self.folder = folder
        self.port = free_port()
        self.web, self.worker = web, worker
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Prometheus:
        text = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
        web = ", ".join(f'"127.0.0.1:{port}"' for port in self.web)
        worker = ", ".join(f'"127.0.0.1:{port}"' for port in self.worker)
        for old, new in {
            '["127.0.0.1:8001", "127.0.0.1:8002"]': f"[{web}]",
            '["127.0.0.1:9464"]': f"[{worker}]",
            "scrape_interval: 15s": "scrape_interval: 1s",
        }.items():
            assert old in text, old
            text = text.replace(old, new)
        (self.folder / "prometheus.yml").write_text(text)
        shutil.copy(DEPLOY / "prometheus" / "alerts.yml", self.folder / "alerts.yml")
        self.process = subprocess.Popen(
            [
                shutil.which("prometheus") or "prometheus",
                f"--config.file={self.folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200,
            seconds=60,
            what="prometheus",
        )
        return self

    def query(self, expression: str) -> list[dict]:
        reply = httpx.get(f"{self.url}/api/v1/query", params={"query": expression}, timeout=5)
        body = reply.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def stop(self) -> None:
        _stop(self.process)


@contextlib.contextmanager
def folder(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
