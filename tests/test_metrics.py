"""GET /metrics: what each process counts, read back in Prometheus' text format.

The test session's app runs in this process (no multiprocess directory), so values
accumulate over the session: every check compares a value before and after.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from jobs import Job
from jobs.scheduler import run_once
from models.notifications import Notice, SubscriptionCredit
from server import metrics
from services import notifications
from services.notifications import delivery
from tests.support import assert_error, make_user
from tests.support.meals import BEFORE, make_menu, order_body, slot_specs

API = "/api/v1"
ORDER_ROUTE = "api/v1/meals/orders"


async def scrape(client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    await metrics.settled()
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, metric: str, /, **labels: str) -> float:
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


async def test_requests_are_counted_by_route_template_method_and_status(client):
    menu = await make_menu(client, slots=slot_specs(1, 1))
    first, second = await make_user(), await make_user()
    before = await scrape(client)
    count = "qinejia_http_request_duration_seconds_count"
    placed = await client.post(
        f"{API}/meals/orders", json=order_body(menu), headers=first.with_headers(**BEFORE)
    )
    refused = await client.post(
        f"{API}/meals/orders", json=order_body(menu), headers=second.with_headers(**BEFORE)
    )
    order_id = placed.json()["id"]
    shown = await client.get(f"{API}/meals/orders/{order_id}", headers=first.headers)
    hidden = await client.get(f"{API}/meals/orders/{order_id}", headers=second.headers)
    missing = await client.get(f"{API}/no/such/route", headers=first.headers)
    assert (placed.status_code, refused.status_code, shown.status_code) == (201, 409, 200)
    assert_error(hidden, 404, "not_found")
    assert_error(missing, 404, "not_found")
    after = await scrape(client)

    def grew(route: str, method: str, status: str) -> float:
        labels = {"route": route, "method": method, "status": status}
        return value(after, count, **labels) - value(before, count, **labels)

    assert grew(ORDER_ROUTE, "POST", "201") == 1
    assert grew(ORDER_ROUTE, "POST", "409") == 1
    assert grew("api/v1/meals/orders/<order_id:int>", "GET", "200") == 1
    assert grew("api/v1/meals/orders/<order_id:int>", "GET", "404") == 1
    assert grew("unmatched", "GET", "404") == 1
    # No label carries an id, a token or a raw path: one series per route template.
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not [route for route in routes if f"/{order_id}" in route or "no/such" in route]


async def test_bookings_are_counted_by_domain_and_result(client):
    menu = await make_menu(client, slots=slot_specs(1, 2), per_user_limit=1)
    buyers = [await make_user() for _ in range(4)]
    before = await scrape(client)
    replies = await asyncio.gather(
        *(
            client.post(
                f"{API}/meals/orders",
                json=order_body(menu, waitlist=False),
                headers=buyer.with_headers(**BEFORE, **{"Idempotency-Key": f"m-{n}"}),
            )
            for n, buyer in enumerate(buyers[:3])
        )
    )
    waiting = await client.post(
        f"{API}/meals/orders",
        json=order_body(menu, waitlist=True),
        headers=buyers[3].with_headers(**BEFORE),
    )
    again = await client.post(
        f"{API}/meals/orders",
        json=order_body(menu, slot=0),
        headers=buyers[3].with_headers(**BEFORE),
    )
    first = next(n for n, r in enumerate(replies) if r.status_code == 201)
    replay = await client.post(
        f"{API}/meals/orders",
        json=order_body(menu, waitlist=False),
        headers=buyers[first].with_headers(**BEFORE, **{"Idempotency-Key": f"m-{first}"}),
    )
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [201, 201, 409]
    assert (waiting.status_code, again.status_code, replay.status_code) == (202, 409, 201)
    after = await scrape(client)

    def grew(result: str) -> float:
        name = "qinejia_bookings_total"
        return value(after, name, domain="meals", result=result) - value(
            before, name, domain="meals", result=result
        )

    assert grew("confirmed") == 2  # not 3: the replay booked nothing and counts as nothing
    assert grew("slot_full") == 1
    assert grew("waitlisted") == 1
    assert grew("limit_reached") == 1
    assert grew("replayed") == 0  # the replay was answered from its stored answer
    batches = "qinejia_booking_batch_size_count"
    assert value(after, batches) > value(before, batches)


async def test_metrics_are_refused_to_requests_a_proxy_forwarded(client):
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        response = await client.get("/metrics", headers={header: "for=203.0.113.9"})
        assert_error(response, 404, "not_found")


async def test_outbox_backlog_and_parked_notices_are_read_at_scrape_time(client):
    owner = await make_user()
    now = datetime.now(UTC)
    await Notice.filter(wechat_status__in=("pending", "sending")).update(wechat_status="expired")
    notice_id = await notifications.notify(
        user_id=owner.user_id, kind="repair_new", title="测试", body="积压", now=now
    )
    await Notice.filter(id=notice_id).update(
        wechat_status="pending", created_at=now - timedelta(minutes=7)
    )
    later = (now + timedelta(minutes=1)).isoformat()
    samples = await scrape(client, **{"X-Test-Now": later})
    assert value(samples, "qinejia_outbox_waiting") == 1
    assert value(samples, "qinejia_outbox_oldest_age_seconds") == 8 * 60
    parked_before = value(samples, "qinejia_notices_parked")
    await Notice.filter(id=notice_id).update(wechat_status="dead")
    samples = await scrape(client, **{"X-Test-Now": later})
    assert value(samples, "qinejia_outbox_waiting") == 0
    assert value(samples, "qinejia_outbox_oldest_age_seconds") == 0
    assert value(samples, "qinejia_notices_parked") == parked_before + 1
    assert value(samples, "qinejia_dependency_up", dependency="redis") == 1
    assert value(samples, "qinejia_dependency_up", dependency="database") == 1


async def test_notice_deliveries_are_counted_by_outcome(client, fake_wechat):
    before = await scrape(client)
    for outcome in ("sent", "retry", "dead", "busy", "inbox_only"):
        metrics.notice(outcome)
    after = await scrape(client)
    name = "qinejia_notices_total"
    for label in ("sent", "retried", "parked", "inbox_only"):
        assert value(after, name, outcome=label) - value(before, name, outcome=label) == 1
    assert value(after, name, outcome="busy") == 0  # not an outcome, not a series

    # And from the consumer itself: a notice delivered through the fake WeChat.
    owner = await make_user()
    template = "TPL_MEAL_ORDER_STATUS"
    await SubscriptionCredit.create(user_id=owner.user_id, template_id=template, credits=1)
    now = datetime.now(UTC)
    notice_id = await notifications.notify(
        user_id=owner.user_id,
        kind="meal_promoted",
        title="候补成功",
        body="您已从候补转为预订成功，请按时取餐",
        link="pages/meals/order?id=42",
        template_data={"slot_time": now},
        now=now,
    )
    sent_before = value(after, name, outcome="sent")
    entries = [delivery.Entry(entry_id="0-1", notice_id=notice_id)]
    await delivery.handle(entries=entries, consumer="metrics-test", now=now)
    assert (await Notice.get(id=notice_id)).wechat_status == "sent"
    assert value(await scrape(client), name, outcome="sent") == sent_before + 1


async def test_job_runs_failures_and_last_success(client):
    async def works(*, now: datetime) -> None:
        return None

    async def breaks(*, now: datetime) -> None:
        raise RuntimeError("job broke")

    good = Job(name="metrics_test.works", func=works, every_s=60)
    bad = Job(name="metrics_test.breaks", func=breaks, every_s=60)
    at = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    before = await scrape(client)
    assert await run_once(good, now=at)
    assert not await run_once(good, now=at + timedelta(seconds=1))  # the same run slot
    assert await run_once(bad, now=at)
    after = await scrape(client)
    runs, failures = "qinejia_job_runs_total", "qinejia_job_failures_total"
    assert value(after, runs, name=good.name) - value(before, runs, name=good.name) == 1
    assert value(after, failures, name=good.name) == 0
    assert value(after, runs, name=bad.name) - value(before, runs, name=bad.name) == 1
    assert value(after, failures, name=bad.name) - value(before, failures, name=bad.name) == 1
    stored = await metrics.resources.redis().hget(metrics.JOBS_LAST_SUCCESS, good.name)
    assert float(stored) == at.timestamp()
    assert await metrics.resources.redis().hget(metrics.JOBS_LAST_SUCCESS, bad.name) is None
    # Known jobs carry their interval and last success; a scheduler start counts as one.
    await metrics.jobs_started(["booking.reconcile"], now=at)
    after = await scrape(client)
    assert value(after, "qinejia_job_interval_seconds", name="booking.reconcile") == 60
    assert value(after, "qinejia_job_last_success_timestamp_seconds", name="booking.reconcile")
