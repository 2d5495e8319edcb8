"""The shared principal cache (services/identity.py): a token any worker has seen needs
no database query on the others, and every change made through our code reaches every
worker at once. "Another worker" here is this process with its own cache emptied: it
then holds only what Redis and the database hold."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

from models.identity import AuthToken, Staff
from server import resources
from services import identity
from tests.support import assert_error, make_user
from tests.support.redis_faults import app_redis, free_port

ME = "/api/v1/me"


def another_worker() -> None:
    identity._principal_cache.clear()


async def test_a_token_one_worker_saw_is_served_to_the_others_from_redis(client):
    actor = await make_user("canteen")
    key = identity.PRINCIPAL_KEY + identity._token_hash(actor.token)
    assert not await resources.redis().exists(key)
    assert (await client.get(ME, headers=actor.headers)).status_code == 200
    assert await resources.redis().exists(key)
    # The database no longer knows the token: only the shared entry can answer now.
    await AuthToken.filter(user_id=actor.user_id).delete()
    another_worker()
    me = await client.get(ME, headers=actor.headers)
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["staff", "canteen"]
    assert me.json()["employee_no"] == actor.employee_no
    # A hand edit is seen once the cached principals are retired (forget-principals).
    await identity.forget_cached_principals()
    assert_error(await client.get(ME, headers=actor.headers), 401, "unauthorized")


async def test_directory_changes_reach_every_worker_at_once(client):
    admin = await make_user("admin")
    actor = await make_user("guard")
    assert (await client.get(ME, headers=actor.headers)).json()["roles"] == ["staff", "guard"]
    entry = {"employee_no": actor.employee_no, "name": actor.name, "department": "总务处"}
    changed = await client.post(
        "/api/v1/admin/staff",
        json={"items": [{**entry, "roles": ["canteen"]}]},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    another_worker()
    me = (await client.get(ME, headers=actor.headers)).json()
    assert (me["roles"], me["department"]) == (["staff", "canteen"], "总务处")
    gone = await client.post(
        "/api/v1/admin/staff",
        json={"items": [{**entry, "roles": ["canteen"], "active": False}]},
        headers=admin.headers,
    )
    assert gone.status_code == 200, gone.text
    another_worker()
    assert_error(await client.get(ME, headers=actor.headers), 401, "unauthorized")


async def test_a_revoked_token_fails_on_every_worker(client):
    actor = await make_user()
    assert (await client.get(ME, headers=actor.headers)).status_code == 200
    await identity.revoke_user_tokens(user_ids=[actor.user_id], now=datetime.now(UTC))
    another_worker()
    assert_error(await client.get(ME, headers=actor.headers), 401, "unauthorized")


async def test_without_redis_the_database_authenticates(client):
    actor = await make_user()
    async with app_redis(f"redis://127.0.0.1:{free_port()}/0"):
        another_worker()
        me = await client.get(ME, headers=actor.headers)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == actor.user_id


async def test_the_forget_principals_command_after_a_hand_edit(client):
    actor = await make_user("canteen")
    assert (await client.get(ME, headers=actor.headers)).status_code == 200
    await Staff.filter(id=actor.staff_id).update(active=False)  # by hand, not by import
    another_worker()
    assert (await client.get(ME, headers=actor.headers)).status_code == 200  # still cached
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "forget-principals",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "retired" in out.decode()
    another_worker()
    assert_error(await client.get(ME, headers=actor.headers), 401, "unauthorized")
