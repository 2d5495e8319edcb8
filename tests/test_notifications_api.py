"""The inbox endpoints of API.md §7 over HTTP: listing, pagination, read, read-all,
subscription credits, and who may see what."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models.notifications import Notice, SubscriptionCredit
from services import notifications
from tests.support import assert_error, make_unbound_user, make_user

BASE = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
URL = "/api/v1/notifications"
NOTICE_KEYS = {"id", "kind", "title", "body", "link", "created_at", "read_at"}


async def notices_for(user_id: int, count: int) -> list[int]:
    """`count` notices one minute apart; the last one is the newest."""
    return [
        await notifications.notify(
            user_id=user_id,
            kind="repair_started",
            title=f"维修进度{n}",
            body=f"第{n}条通知",
            link=f"pages/repairs/ticket?id={n}",
            now=BASE + timedelta(minutes=n),
        )
        for n in range(count)
    ]


async def test_list_is_mine_newest_first_in_the_contract_shape(client):
    me, other = await make_user(), await make_user()
    mine = await notices_for(me.user_id, 3)
    await notices_for(other.user_id, 2)

    response = await client.get(URL, headers=me.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == mine[::-1]
    first = body["items"][0]
    assert set(first) == NOTICE_KEYS
    assert first["title"] == "维修进度2" and first["read_at"] is None
    assert first["created_at"] == "2026-12-01T08:02:00+08:00"  # Asia/Shanghai on the wire
    assert "维修进度" in response.text  # Chinese not escaped


async def test_cursor_pagination_walks_every_notice_once(client):
    me = await make_user()
    ids = await notices_for(me.user_id, 25)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = await client.get(URL, params=params, headers=me.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == ids[::-1]

    # A notice arriving while scrolling does not shift the next page.
    first = (await client.get(URL, params={"limit": 5}, headers=me.headers)).json()
    await notices_for(me.user_id, 1)
    second = await client.get(
        URL, params={"limit": 5, "cursor": first["next_cursor"]}, headers=me.headers
    )
    assert [i["id"] for i in second.json()["items"]] == ids[::-1][5:10]


async def test_bad_list_queries_are_400_and_the_cap_is_100(client):
    me = await make_user()
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"unread": "maybe"}):
        error = assert_error(
            await client.get(URL, params=params, headers=me.headers), 400, "invalid_input"
        )
        assert set(error["details"]["fields"]) <= {"limit", "unread"}
    for cursor in ("not-a-cursor", "MjAyNnw5OTk5OTk5OTk5OTk5", "!!!"):
        error = assert_error(
            await client.get(URL, params={"cursor": cursor}, headers=me.headers),
            400,
            "invalid_input",
        )
        assert "cursor" in error["details"]["fields"]


async def test_unread_filter_read_one_and_read_all(client):
    me, other = await make_user(), await make_user()
    ids = await notices_for(me.user_id, 3)
    others = await notices_for(other.user_id, 2)
    read_at = "2026-12-01T12:00:00+08:00"

    response = await client.post(
        f"{URL}/{ids[0]}/read", headers=me.with_headers(**{"X-Test-Now": read_at})
    )
    assert response.status_code == 200, response.text
    assert response.json()["read_at"] == read_at and set(response.json()) == NOTICE_KEYS
    # Reading again keeps the first read time.
    again = await client.post(
        f"{URL}/{ids[0]}/read",
        headers=me.with_headers(**{"X-Test-Now": "2026-12-02T09:00:00+08:00"}),
    )
    assert again.json()["read_at"] == read_at

    unread = (await client.get(URL, params={"unread": "true"}, headers=me.headers)).json()
    assert [i["id"] for i in unread["items"]] == [ids[2], ids[1]]

    response = await client.post(f"{URL}/read-all", headers=me.headers)
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert (await client.post(f"{URL}/read-all", headers=me.headers)).json() == {"updated": 0}
    unread = (await client.get(URL, params={"unread": "true"}, headers=me.headers)).json()
    assert unread == {"items": [], "next_cursor": None}
    # The other user's notices were not touched.
    assert await Notice.filter(id__in=others, read_at__isnull=True).count() == 2


async def test_another_users_notice_is_404_and_unchanged(client):
    me, other = await make_user(), await make_user()
    [theirs] = await notices_for(other.user_id, 1)
    assert_error(await client.post(f"{URL}/{theirs}/read", headers=me.headers), 404, "not_found")
    assert (await Notice.get(id=theirs)).read_at is None
    for missing in ("999999999", "99999999999999999999", "0"):
        assert_error(
            await client.post(f"{URL}/{missing}/read", headers=me.headers), 404, "not_found"
        )
    assert_error(await client.post(f"{URL}/abc/read", headers=me.headers), 404, "not_found")


async def test_endpoints_need_a_bound_login(client):
    _, unbound = await make_unbound_user()
    assert_error(await client.get(URL), 401, "unauthorized")
    assert_error(await client.post(f"{URL}/read-all"), 401, "unauthorized")
    assert_error(await client.get(URL, headers=unbound), 403, "not_bound")
    assert_error(
        await client.post(
            f"{URL}/subscriptions", json={"template_ids": ["TPL_MEETING_STATUS"]}, headers=unbound
        ),
        403,
        "not_bound",
    )


async def test_subscriptions_add_one_credit_per_accepted_template(client):
    me = await make_user()
    url = f"{URL}/subscriptions"
    response = await client.post(
        url,
        json={"template_ids": ["TPL_MEAL_ORDER_STATUS", "TPL_MEETING_STATUS"]},
        headers=me.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"credits": {"TPL_MEAL_ORDER_STATUS": 1, "TPL_MEETING_STATUS": 1}}
    response = await client.post(
        url, json={"template_ids": ["TPL_MEAL_ORDER_STATUS"]}, headers=me.headers
    )
    assert response.json()["credits"]["TPL_MEAL_ORDER_STATUS"] == 2


async def test_bad_subscriptions_are_400_and_change_nothing(client):
    me = await make_user()
    url = f"{URL}/subscriptions"
    for body in (
        {"template_ids": []},
        {"template_ids": ["TPL_MEAL_ORDER_STATUS", "TPL_UNKNOWN"]},
        {"template_ids": [""]},
        {"template_ids": "TPL_MEAL_ORDER_STATUS"},
        {"template_ids": ["TPL_MEAL_ORDER_STATUS"] * 11},
        {},
    ):
        error = assert_error(
            await client.post(url, json=body, headers=me.headers), 400, "invalid_input"
        )
        assert any(key.startswith("template_ids") for key in error["details"]["fields"]), error
    assert_error(
        await client.post(
            url, content=b"{oops", headers=me.with_headers(**{"Content-Type": "application/json"})
        ),
        400,
        "invalid_input",
    )
    assert await SubscriptionCredit.filter(user_id=me.user_id).count() == 0


async def test_concurrent_subscriptions_each_count_and_a_replay_counts_once(client):
    me = await make_user()
    url = f"{URL}/subscriptions"
    body = {"template_ids": ["TPL_REPAIR_STATUS"]}
    responses = await asyncio.gather(
        *(client.post(url, json=body, headers=me.headers) for _ in range(10))
    )
    assert [r.status_code for r in responses] == [200] * 10
    row = await SubscriptionCredit.get(user_id=me.user_id, template_id="TPL_REPAIR_STATUS")
    assert row.credits == 10

    # The same request retried with one Idempotency-Key (a flaky network) counts once.
    keyed = me.with_headers(**{"Idempotency-Key": "sub-1"})
    replies = await asyncio.gather(*(client.post(url, json=body, headers=keyed) for _ in range(5)))
    assert {r.status_code for r in replies} == {200}
    assert {r.json()["credits"]["TPL_REPAIR_STATUS"] for r in replies} == {11}
    await row.refresh_from_db()
    assert row.credits == 11


async def test_a_cursor_with_a_date_out_of_range_is_invalid_input(client):
    """Forged cursors near year 1 or 9999 are a 400 (PostgreSQL cannot bind them: a 500)."""
    import base64

    user = await make_user()
    for moment in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"):
        cursor = base64.urlsafe_b64encode(f"{moment}|5".encode()).decode().rstrip("=")
        got = await client.get(f"/api/v1/notifications?cursor={cursor}", headers=user.headers)
        assert "cursor" in assert_error(got, 400, "invalid_input")["details"]["fields"]
