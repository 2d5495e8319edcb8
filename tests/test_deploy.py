"""Production-shaped proofs with real processes: nginx (deploy/nginx/qinejia.conf, TLS
and HTTP/2), two web instances and a worker on PostgreSQL, Redis behind Sentinel (one
primary, one replica, three sentinels), Prometheus with deploy/prometheus/.

PostgreSQL only, and only when DEPLOY_TESTS=1 (CI runs them in their own step:
`DEPLOY_TESTS=1 ... pytest -m deploy tests/test_deploy.py`). Each proof prints its
figures (counts, times to recover) on the terminal.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.booking import Reservation
from models.meals import Order
from tests.support import deploy as ds
from tests.support import make_user
from tests.support.library import borrow, make_title
from tests.support.meals import make_menu, order_body, slot_specs
from tests.support.redis_faults import RedisProcess
from tests.support.repairs import image_bytes

API = "/api/v1"
pytestmark = [pytest.mark.deploy, pytest.mark.slow]
LOGIN_LIMIT = 20
# The worker runs every job on the real clock (no-shows, cut-offs): the menus of these
# proofs lie ahead of it, and the clients order at 09:00 of that day (X-Test-Now), well
# within their tokens' lifetime (TOKEN_TTL_SECONDS, a week).
DAY = (date.today() + timedelta(days=2)).isoformat()
BEFORE = {"X-Test-Now": f"{DAY}T09:00:00+08:00"}


async def lunch(client: Any, *, slots: int, capacity: int) -> dict[str, Any]:
    return await make_menu(
        client,
        day=DAY,
        deadline=f"{DAY}T10:00:00+08:00",
        slots=slot_specs(slots, capacity, day=DAY),
        dishes=[("红烧肉", 1200, 5000), ("米饭", 50, 5000)],  # the slot, not a dish, runs out
    )


_capture: list[Any] = []


def report(line: str) -> None:
    """A figure of a proof, written on the terminal past pytest's output capture."""
    if not _capture:
        return
    with _capture[0].global_and_fixture_disabled():
        sys.stdout.write(f"\n[deploy] {line}\n")
        sys.stdout.flush()


@pytest.fixture(scope="module", autouse=True)
def _figures_on_the_terminal(request):
    _capture[:] = [request.config.pluginmanager.getplugin("capturemanager")]


class Cluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sentinels = ds.SentinelSet(folder).start()
        self.env = {
            "REDIS_URL": self.sentinels.url,
            "RUN_JOBS": "false",
            "FORWARDED_SECRET": ds.FORWARDED_SECRET,
            "METRICS_DIR": str(folder / "metrics"),
            "ACCESS_LOG": "false",
            "LOGIN_RATE_PER_IP": str(LOGIN_LIMIT),
        }
        self.webs = [ds.Web(folder, self.env), ds.Web(folder, self.env)]
        self.worker = ds.Worker(self.env)
        self.nginx = ds.Nginx(folder, [web.port for web in self.webs])

    def start(self) -> Cluster:
        started = time.monotonic()
        for web in self.webs:
            web.start()
        self.worker.start()
        self.nginx.start()
        report(f"cluster up in {time.monotonic() - started:.1f}s (2 web, 1 worker, nginx)")
        return self

    def stop(self) -> None:
        for part in (self.nginx, *self.webs, self.worker, self.sentinels):
            part.stop()

    def client(self, **options: Any) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        return httpx.AsyncClient(
            base_url=self.nginx.url, verify=False, timeout=120, limits=limits, **options
        )

    def cli(self, *command: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "server", *command],
            cwd=ds.ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout


@pytest.fixture(scope="module")
def cluster(app):
    with ds.folder("qinejia-deploy-") as folder:
        running = Cluster(folder)
        try:
            yield running.start()
        finally:
            running.stop()


async def _order(http: httpx.AsyncClient, buyer, menu, key: str) -> httpx.Response | Exception:
    try:
        return await http.post(
            f"{API}/meals/orders",
            json=order_body(menu, waitlist=False),
            headers=buyer.with_headers(
                **BEFORE, **{"Idempotency-Key": key, "X-Request-ID": f"rid-{key}"}
            ),
        )
    except httpx.HTTPError as exc:
        return exc


def _status(reply: httpx.Response | Exception) -> int | str:
    return reply.status_code if isinstance(reply, httpx.Response) else type(reply).__name__


async def _confirmed(menu: dict[str, Any]) -> set[int]:
    rows = await Order.filter(menu_id=menu["id"], status="confirmed").values_list("id", flat=True)
    return {int(row) for row in rows}


async def test_prometheus_scrapes_every_process_and_counts_what_the_database_holds(cluster, client):
    menu = await lunch(client, slots=1, capacity=30)
    buyers = [await make_user() for _ in range(60)]
    prometheus = ds.Prometheus(
        cluster.folder,
        web=[web.port for web in cluster.webs],
        worker=[cluster.worker.metrics_port],
    ).start()
    try:
        async with cluster.client() as http:
            replies = await asyncio.gather(
                *(_order(http, b, menu, uuid.uuid4().hex) for b in buyers)
            )
            assert Counter(map(_status, replies)) == {201: 30, 409: 30}
            refused = [await http.get(path) for path in ("/metrics", "/metrics/", "//metrics")]
        assert [r.status_code for r in refused] == [404, 404, 404]
        direct = httpx.get(f"{cluster.webs[0].url}/metrics", timeout=10)
        assert direct.status_code == 200 and "qinejia_bookings_total" in direct.text

        in_db = await Reservation.filter(status="confirmed", resource__domain="meals").count()
        query = 'sum(qinejia_bookings_total{domain="meals", result="confirmed"})'

        def scraped() -> float | None:
            result = prometheus.query(query)
            value = float(result[0]["value"][1]) if result else None
            return value if value == in_db else None

        started = time.monotonic()
        ds.wait_for(scraped, seconds=60, what="Prometheus to see every confirmed booking")
        every_process = [("qinejia-web", "1"), ("qinejia-web", "1"), ("qinejia-worker", "1")]

        def all_up() -> list[tuple[str, str]] | None:
            # Prometheus scrapes its targets at staggered moments: the webs' counts can be
            # in before the worker's first scrape, so wait for all three as well.
            targets = prometheus.query('up{job=~"qinejia-.*"}')
            seen = sorted((t["metric"]["job"], t["value"][1]) for t in targets)
            return seen if seen == every_process else None

        ds.wait_for(all_up, seconds=60, what="Prometheus to scrape the two webs and the worker")
        up = prometheus.query("min by (dependency) (qinejia_dependency_up)")
        assert {u["metric"]["dependency"]: u["value"][1] for u in up} == {
            "redis": "1",
            "database": "1",
        }
        slow = prometheus.query(
            'sum(qinejia_http_request_duration_seconds_count{route="api/v1/meals/orders"})'
        )
        assert float(slow[0]["value"][1]) >= 60
        report(
            f"prometheus: 3 targets up; confirmed meals bookings scraped = database = {in_db} "
            f"(seen {time.monotonic() - started:.1f}s after the burst); /metrics through nginx: 404"
        )
    finally:
        prometheus.stop()


async def test_http2_tls_static_files_and_body_limit_through_nginx(cluster, client):
    head = subprocess.run(
        ["curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
         "-H", "Accept-Encoding: gzip", f"{cluster.nginx.url}/app/"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert head == "2 200", head
    async with cluster.client() as http:
        index = await http.get("/app/", headers={"Accept-Encoding": "gzip"})
        script = await http.get("/app/js/api.js", headers={"Accept-Encoding": "gzip"})
        vendor = next(p for p in (ds.ROOT / "miniapp_stub/h5/vendor").rglob("*.js"))
        library = await http.get(
            "/app/" + str(vendor.relative_to(ds.ROOT / "miniapp_stub/h5")),
            headers={"Accept-Encoding": "gzip"},
        )
        from server.h5 import tree_hash

        versioned = await http.get(
            f"/app/v/{tree_hash()}/js/main.js", headers={"Accept-Encoding": "gzip"}
        )
        redirect = await http.get("/app?code=demo-S0001")
        huge = await http.post(
            f"{API}/auth/login",
            content=b"{" + b" " * (6 * 1024 * 1024 + 10) + b"}",
            headers={"Content-Type": "application/json"},
        )
        plain = httpx.get(f"http://127.0.0.1:{cluster.nginx.http_port}/app/", timeout=5)
    # nginx serves the H5 files as the app itself does (server/h5.py): the same caching.
    for served in (index, script, library, versioned):
        path = served.request.url.path
        direct = httpx.get(f"{cluster.webs[0].url}{path}", timeout=10)
        assert served.status_code == direct.status_code == 200, path
        assert served.headers["cache-control"] == direct.headers["cache-control"], path
        assert served.content == direct.content, path
    assert script.headers.get("content-encoding") == "gzip"
    assert library.headers.get("content-encoding") == "gzip"
    assert versioned.headers.get("content-encoding") == "gzip"
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert f"v/{tree_hash()}/js/main.js" in index.text
    assert redirect.status_code == 301 and redirect.headers["location"].endswith(
        "/app/?code=demo-S0001"
    )
    assert huge.status_code == 413
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
    report("nginx: HTTP/2 over TLS, /app/ gzip + cache rules as the app's, 413 over MAX_BODY_BYTES")


async def test_login_limit_counts_the_address_nginx_saw(cluster, client):
    def client_from(address: str) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(local_address=address, verify=False)
        return cluster.client(transport=transport)

    async def login(http: httpx.AsyncClient, **headers: str) -> int:
        code = f"ip-{uuid.uuid4().hex}"
        reply = await http.post(f"{API}/auth/login", json={"code": code}, headers=headers)
        return reply.status_code

    async with client_from("127.0.0.2") as phone, client_from("127.0.0.3") as other:
        first = [await login(phone) for _ in range(LOGIN_LIMIT)]
        over = await login(phone)
        spoofed = [
            await login(phone, **{"X-Forwarded-For": "198.51.100.7"}),
            await login(phone, **{"X-Real-IP": "198.51.100.8"}),
            await login(phone, Forwarded=f'for="198.51.100.9";secret="{ds.FORWARDED_SECRET}"'),
        ]
        neighbour = await login(other)
    assert first == [200] * LOGIN_LIMIT
    assert over == 429
    assert spoofed == [429, 429, 429]  # nginx replaces whatever the phone claims
    assert neighbour == 200
    report(
        f"login limit {LOGIN_LIMIT}/window per client address: 127.0.0.2 refused after "
        f"{LOGIN_LIMIT} (spoofed headers too), 127.0.0.3 still logs in"
    )


async def test_a_web_process_killed_mid_burst_loses_nothing_and_sells_exactly_the_capacity(
    cluster, client
):
    menu = await lunch(client, slots=1, capacity=50)
    buyers = [await make_user() for _ in range(400)]
    keys = [uuid.uuid4().hex for _ in buyers]
    victim = cluster.webs[1]
    answered = 0
    killed_at: list[float] = []

    async with cluster.client() as http:
        semaphore = asyncio.Semaphore(40)  # a steady rush: the kill finds requests in flight

        async def one(n: int):
            nonlocal answered
            async with semaphore:
                reply = await _order(http, buyers[n], menu, keys[n])
            answered += 1
            if answered == 100 and not killed_at:
                victim.kill9()
                killed_at.append(time.monotonic())
            return reply

        replies = await asyncio.gather(*(one(n) for n in range(len(buyers))))
        burst = Counter(map(_status, replies))
        back_in = victim.wait_ready() + (time.monotonic() - killed_at[0])
        repaired = cluster.cli("reconcile")
        failed = [n for n, r in enumerate(replies) if _status(r) not in (201, 409)]
        retries = [await _order(http, buyers[n], menu, keys[n]) for n in failed]

    codes = Counter(r.json()["error"]["code"] for r in replies if _status(r) == 409)
    report(f"kill -9 burst: {dict(burst)} {dict(codes)}")
    assert set(burst) <= {201, 409, 502}, burst
    log: dict[str, str] = {}
    for line in cluster.nginx.access_log():  # the first answer to each request id
        if "rid=rid-" in line:
            log.setdefault(line.split("rid=rid-")[1], line)
    for n in failed:
        line = log[keys[n]]
        assert f"127.0.0.1:{victim.port}" in line, line  # only the killed process's in-flight
    assert Counter(map(_status, retries)) <= Counter({201: len(failed), 409: len(failed)})
    seen = {r.json()["id"] for r in [*replies, *retries] if _status(r) == 201}
    confirmed = await _confirmed(menu)
    assert len(confirmed) == 50
    assert seen == confirmed  # every 201 a client saw is an order, and every order was told
    owners = set(await Order.filter(id__in=list(confirmed)).values_list("user_id", flat=True))
    assert len(owners) == 50
    report(
        f"kill -9 of web {victim.port} after 100 of 400 answers: first answers {dict(burst)}; "
        f"{len(failed)} 5xx, all from the killed process's in-flight requests; retried with "
        f"their Idempotency-Key after `server reconcile` ({repaired.strip()}): "
        f"{dict(Counter(map(_status, retries)))}; confirmed = 201s seen = {len(confirmed)}; "
        f"killed instance serving again {back_in:.1f}s after the kill"
    )


async def test_rolling_restart_of_both_web_processes_during_a_burst_fails_no_request(
    cluster, client
):
    menus = [await lunch(client, slots=1, capacity=2000) for _ in range(6)]
    buyers = [await make_user() for _ in range(300)]
    pairs = [(buyer, menu) for menu in menus for buyer in buyers]
    pids_before = [web.pid() for web in cluster.webs]
    script = subprocess.Popen(
        [str(ds.DEPLOY / "rolling-restart.sh"), *(f"127.0.0.1:{w.port}" for w in cluster.webs)],
        env={
            **os.environ,
            "NGINX_CONF": str(cluster.nginx.conf),
            "NGINX_CMD": cluster.nginx.command,
            "RESTART": f"pid=$(cat {cluster.folder}/web-{{port}}.pid); kill -TERM $pid; "
            "while kill -0 $pid 2>/dev/null; do sleep 0.1; done",
            "NGINX_PID": str(cluster.folder / "nginx.pid"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.monotonic()
    outcomes: Counter[Any] = Counter()
    created: list[int] = []
    reads = 0
    resent: Counter[str] = Counter()

    async with cluster.client() as http:

        async def read() -> int | str:
            try:
                reply = await http.get(f"{API}/meals/menus?date={DAY}", headers=buyers[0].headers)
            except httpx.TransportError as exc:
                return type(exc).__name__
            return reply.status_code

        async def load() -> None:
            nonlocal reads
            while script.poll() is None:
                if pairs:
                    buyer, menu = pairs.pop()
                    key = uuid.uuid4().hex
                    reply = await _order(http, buyer, menu, key)
                    if isinstance(reply, httpx.TransportError):
                        # The connection to nginx closed before any answer (an old nginx
                        # worker closing an idle keep-alive connection at its reload):
                        # the client sends the same intent again, with the same key.
                        resent[type(reply).__name__] += 1
                        reply = await _order(http, buyer, menu, key)
                    outcomes[_status(reply)] += 1
                    if _status(reply) == 201:
                        created.append(reply.json()["id"])
                else:
                    status = await read()
                    if isinstance(status, str):
                        resent[status] += 1
                        status = await read()
                    outcomes[f"GET {status}"] += 1
                    reads += 1

        await asyncio.gather(*(load() for _ in range(16)))
    output = script.communicate()[0]
    took = time.monotonic() - started
    assert script.returncode == 0, output
    pids_after = [web.pid() for web in cluster.webs]
    assert all(a != b for a, b in zip(pids_before, pids_after, strict=True)), output
    assert set(outcomes) <= {201, "GET 200"}, outcomes  # no 5xx, no error after a resend
    in_db = await Order.filter(menu_id__in=[m["id"] for m in menus], status="confirmed").count()
    assert in_db == len(created) == len(set(created)) == outcomes[201]
    report(
        f"rolling restart of both web instances in {took:.1f}s under 16 concurrent clients: "
        f"{outcomes[201]} orders (201) = {in_db} in the database, {reads} reads, 0 failed, "
        f"0 answered 5xx; connections nginx closed at a reload before answering, sent again "
        f"by the client with the same key: {dict(resent) or 0}"
    )


async def test_restore_drill_brings_back_every_order_pass_loan_and_a_full_slot(cluster, client):
    menu = await lunch(client, slots=2, capacity=20)
    buyers = [await make_user() for _ in range(30)]
    host, reader, librarian = await make_user(), await make_user(), await make_user("librarian")
    async with cluster.client() as http:
        replies = await asyncio.gather(*(_order(http, b, menu, uuid.uuid4().hex) for b in buyers))
        assert Counter(map(_status, replies)) == {201: 20, 409: 10}
        visitor = await http.post(
            f"{API}/visitors/passes",
            json={
                "visitor_name": "王志刚",
                "visitor_phone": "13912345678",
                "plate": None,
                "purpose": "恢复演练",
                "valid_from": f"{DAY}T09:00:00+08:00",
                "valid_to": f"{DAY}T18:00:00+08:00",
                "max_entries": 1,
            },
            headers=host.with_headers(**BEFORE),
        )
        title = await make_title(http, librarian, copies=1)
        loan = await borrow(http, reader, title["barcodes"][0])
        photo = await http.post(
            f"{API}/uploads",
            files={"file": ("p.jpg", image_bytes(), "image/jpeg")},
            headers=host.headers,
        )
    assert (visitor.status_code, loan.status_code, photo.status_code) == (201, 201, 201)
    orders = {r.json()["id"]: buyers[n] for n, r in enumerate(replies) if _status(r) == 201}

    backups = cluster.folder / "backups"
    backups.mkdir()
    old = backups / "qinejia-db-20200101T000000Z.dump"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 30 * 86400,) * 2)
    env = {**os.environ, **cluster.env, "BACKUP_DIR": str(backups), "BACKUP_KEEP_DAYS": "14"}
    started = time.monotonic()
    written = subprocess.run(
        [str(ds.DEPLOY / "backup" / "backup.sh")], env=env, capture_output=True, text=True,
        check=True,
    ).stdout.splitlines()  # fmt: skip
    dump, uploads = Path(written[-2]), Path(written[-1])
    assert not old.exists() and dump.exists() and uploads.exists(), written

    source = os.environ["TEST_DATABASE_URL"]
    target = source.rsplit("/", 1)[0] + "/" + source.rsplit("/", 1)[1] + "_restored"
    maintenance = source.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(
        ["psql", maintenance.replace("asyncpg://", "postgresql://"), "-qc",
         f'DROP DATABASE IF EXISTS "{target.rsplit("/", 1)[1]}"'],
        check=True, capture_output=True,
    )  # fmt: skip
    restored_uploads = cluster.folder / "restored-uploads"
    restored = subprocess.run(
        [str(ds.DEPLOY / "backup" / "restore.sh"), str(dump), str(uploads), target,
         str(restored_uploads)],
        env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    restore_s = time.monotonic() - started
    again = subprocess.run(
        [str(ds.DEPLOY / "backup" / "restore.sh"), str(dump), str(uploads), target,
         str(restored_uploads)],
        env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True,
    )  # fmt: skip
    assert again.returncode == 1 and "not empty" in again.stderr  # never over live data

    empty_redis = RedisProcess().start()
    web = ds.Web(
        cluster.folder,
        {
            "DATABASE_URL": target,
            "REDIS_URL": empty_redis.url,
            "UPLOAD_DIR": str(restored_uploads),
            "RUN_JOBS": "false",
            "METRICS_DIR": str(cluster.folder / "metrics-restored"),
        },
    )
    try:
        web.start()
        async with httpx.AsyncClient(base_url=web.url, timeout=60) as http:
            for order_id, owner in orders.items():
                shown = await http.get(f"{API}/meals/orders/{order_id}", headers=owner.headers)
                assert shown.status_code == 200 and shown.json()["status"] == "confirmed"
            late = await make_user()  # created in the source database: not in the copy
            newcomer = buyers[next(n for n, r in enumerate(replies) if _status(r) == 409)]
            full = await http.post(
                f"{API}/meals/orders",
                json=order_body(menu, waitlist=False),
                headers=newcomer.with_headers(**BEFORE),
            )
            assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
            roomy = await http.post(
                f"{API}/meals/orders",
                json=order_body(menu, slot=1, waitlist=False),
                headers=newcomer.with_headers(**BEFORE),
            )
            assert roomy.status_code == 201
            unknown = await http.get(f"{API}/me", headers=late.headers)
            assert unknown.status_code == 401
            pass_id = visitor.json()["id"]
            shown_pass = await http.get(f"{API}/visitors/passes/{pass_id}", headers=host.headers)
            assert shown_pass.status_code == 200 and shown_pass.json()["purpose"] == "恢复演练"
            loans = await http.get(f"{API}/library/loans", headers=reader.headers)
            assert [item["id"] for item in loans.json()["items"]] == [loan.json()["id"]]
            picture = await http.get(f"{API}/uploads/{photo.json()['id']}", headers=host.headers)
            assert picture.status_code == 200 and picture.content[:2] == b"\xff\xd8"
    finally:
        web.stop()
        empty_redis.stop()
    report(
        f"restore drill: backup + restore in {restore_s:.1f}s "
        f"({dump.stat().st_size // 1024} KiB dump); {len(orders)} orders, the pass, the loan "
        "and the photo back; the full slot answers slot_full from an empty Redis; "
        "a 30-day-old backup removed by retention"
    )


async def test_redis_primary_killed_mid_burst_fails_over_without_oversell_or_loss(cluster, client):
    menu = await lunch(client, slots=1, capacity=50)
    buyers = [await make_user() for _ in range(400)]
    keys = [uuid.uuid4().hex for _ in buyers]
    pids = [web.pid() for web in cluster.webs]
    answered = 0
    killed: list[float] = []
    arrivals: list[tuple[float, int | str]] = []

    async with cluster.client() as http:

        async def one(n: int):
            nonlocal answered
            reply = await _order(http, buyers[n], menu, keys[n])
            arrivals.append((time.monotonic(), _status(reply)))
            answered += 1
            if answered == 100 and not killed:
                cluster.sentinels.kill_primary()
                killed.append(time.monotonic())
            return reply

        semaphore = asyncio.Semaphore(20)  # a steady rush, so the switch happens mid-burst

        async def paced(n: int):
            async with semaphore:
                return await one(n)

        replies = await asyncio.gather(*(paced(n) for n in range(len(buyers))))

        def recovered() -> bool:
            probe = httpx.get(f"{cluster.nginx.url}{API}/health", verify=False, timeout=5)
            return probe.status_code == 200

        ds.wait_for(recovered, seconds=60, what="the new primary")
        recovered_at = time.monotonic()
        failed = [n for n, r in enumerate(replies) if _status(r) not in (201, 409)]
        retries = [await _order(http, buyers[n], menu, keys[n]) for n in failed]

    burst = Counter(map(_status, replies))
    assert set(burst) <= {201, 409, 503}, burst
    assert not [s for at, s in arrivals if at < killed[0] and s == 503]  # only after the kill
    assert set(map(_status, retries)) <= {201, 409}, Counter(map(_status, retries))
    for reply in replies:
        if _status(reply) == 503:
            assert reply.json()["error"]["code"] == "unavailable"
    seen = {r.json()["id"] for r in [*replies, *retries] if _status(r) == 201}
    confirmed = await _confirmed(menu)
    assert len(confirmed) == 50  # no oversell, and the places the switch cost came back
    assert seen == confirmed
    assert [web.pid() for web in cluster.webs] == pids  # no restart of the app
    first_ok = min((at for at, s in arrivals if at > killed[0] and s == 201), default=None)
    report(
        f"sentinel failover mid-burst: first answers {dict(burst)}; 503s only after the kill; "
        f"retries {dict(Counter(map(_status, retries)))}; confirmed = 201s seen = 50; "
        f"health 200 again {recovered_at - killed[0]:.1f}s after the kill"
        + (f", first order after it {first_ok - killed[0]:.1f}s" if first_ok else "")
        + f"; new primary port {cluster.sentinels.primary_port()}"
    )
