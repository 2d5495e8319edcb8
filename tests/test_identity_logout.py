"""POST /auth/logout ends one token at once, here and on every other worker; GET
/admin/roles names every role a directory entry may carry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from models.identity import ROLES, AuthToken
from server import resources
from services import identity
from tests.support import assert_error, make_user

ME = "/api/v1/me"


async def test_logout_ends_this_token_and_only_this_one(client):
    actor = await make_user()
    second = await identity.issue_token(user_id=actor.user_id, now=datetime.now(UTC))
    assert (await client.get(ME, headers=actor.headers)).status_code == 200  # cached now
    out = await client.post("/api/v1/auth/logout", headers=actor.headers)
    assert out.status_code == 204, out.text
    assert_error(await client.get(ME, headers=actor.headers), 401, "unauthorized")
    again = await client.post("/api/v1/auth/logout", headers=actor.headers)
    assert_error(again, 401, "unauthorized")
    other = await client.get(ME, headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200
    digest = identity._token_hash(actor.token)
    assert (await AuthToken.get(token_hash=digest)).revoked_at is not None
    assert not await resources.redis().exists(identity.PRINCIPAL_KEY + digest)


async def test_a_logout_on_another_worker_reaches_this_workers_cache(client):
    """This worker holds the principal in its own cache; another worker revokes the
    token and broadcasts it: the listener drops it here, so the next request is a 401
    instead of being served from the cache for up to AUTH_CACHE_SECONDS."""
    actor = await make_user()
    listener = asyncio.create_task(identity.listen_for_logouts())
    try:
        assert (await client.get(ME, headers=actor.headers)).status_code == 200
        assert actor.token in identity._principal_cache
        digest = identity._token_hash(actor.token)
        # The other worker: the row revoked, the shared entry gone, the digest published.
        await AuthToken.filter(token_hash=digest).update(revoked_at=datetime.now(UTC))
        await resources.redis().delete(identity.PRINCIPAL_KEY + digest)
        # Published until the listener task (subscribing concurrently) has applied it: a
        # wait for another task's Redis subscription, not a time rule.
        while actor.token in identity._principal_cache:
            await resources.redis().publish(identity.LOGOUT_CHANNEL, digest)
            await asyncio.sleep(0.01)
        assert_error(await client.get(ME, headers=actor.headers), 401, "unauthorized")
    finally:
        listener.cancel()


async def test_admin_roles_lists_every_role_with_a_chinese_label(client):
    admin, staff = await make_user("admin"), await make_user("carwash")
    response = await client.get("/api/v1/admin/roles", headers=admin.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["role"] for item in items] == list(ROLES)
    assert {item["role"]: item["label"] for item in items}["carwash"] == "洗车员"
    assert all(item["label"] != item["role"] for item in items)
    assert_error(await client.get("/api/v1/admin/roles", headers=staff.headers), 403, "forbidden")
