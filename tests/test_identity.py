"""Identity (API.md §2): login via wechatpy → fake WeChat, bind, /me, directory, tokens."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from miniapp_stub.fake_wechat import identity_for_code
from models.identity import AuthToken, Staff, User
from server import resources
from server.sealing import unseal
from services import identity
from tests.support import assert_error, make_unbound_user, make_user

ROOT = Path(__file__).resolve().parent.parent


async def login(client, code: str, ip: str | None = None):
    headers = {"X-Forwarded-For": ip} if ip else {}
    return await client.post("/api/v1/auth/login", json={"code": code}, headers=headers)


async def add_directory_entry(roles=("staff",), active=True) -> Staff:
    unique = uuid.uuid4().hex[:8]
    return await Staff.create(
        employee_no=f"E{unique}",
        name=f"员工{unique[:4]}",
        department="办公室",
        roles=list(roles),
        active=active,
    )


async def test_login_returns_our_token_and_an_unbound_user(client):
    code = f"code-{uuid.uuid4().hex}"
    response = await login(client, code)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "expires_in", "user"}
    assert len(body["token"]) >= 43 and body["expires_in"] > 0
    assert body["user"] == {
        "id": body["user"]["id"],
        "name": None,
        "employee_no": None,
        "department": None,
        "roles": [],
        "bound": False,
    }
    # The same code maps to the same account; the session key is kept server-side only.
    again = (await login(client, code)).json()
    assert again["user"]["id"] == body["user"]["id"] and again["token"] != body["token"]
    user = await User.get(id=body["user"]["id"])
    assert unseal(user.session_key) == identity_for_code(code)["session_key"]
    # Only a hash of the token is stored.
    assert not await AuthToken.filter(token_hash=body["token"]).exists()


async def test_session_key_never_in_responses_or_logs(client, caplog):
    code = f"code-{uuid.uuid4().hex}"
    session_key = identity_for_code(code)["session_key"]
    caplog.set_level(logging.DEBUG)
    texts = []
    response = await login(client, code)
    texts.append(response.text)
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    texts.append((await client.get("/api/v1/me", headers=headers)).text)
    staff = await add_directory_entry()
    bind = await client.post(
        "/api/v1/auth/bind",
        json={"employee_no": staff.employee_no, "name": staff.name},
        headers=headers,
    )
    texts.append(bind.text)
    texts.append((await client.get("/api/v1/me", headers=headers)).text)
    assert all(session_key not in text and "session_key" not in text for text in texts)
    assert session_key not in caplog.text


async def test_invalid_and_busy_codes(client):
    assert_error(await login(client, "invalid"), 401, "unauthorized")
    busy = await login(client, "busy")
    error = assert_error(busy, 503, "unavailable")
    assert error["message"] and busy.headers["retry-after"]


async def test_bind_rules(client):
    staff = await add_directory_entry(roles=["canteen"])
    first = (await login(client, f"c-{uuid.uuid4().hex}")).json()
    second = (await login(client, f"c-{uuid.uuid4().hex}")).json()
    h1 = {"Authorization": f"Bearer {first['token']}"}
    h2 = {"Authorization": f"Bearer {second['token']}"}

    wrong_name = await client.post(
        "/api/v1/auth/bind", json={"employee_no": staff.employee_no, "name": "别人"}, headers=h1
    )
    assert_error(wrong_name, 404, "not_found")
    assert_error(
        await client.post("/api/v1/auth/bind", json={"name": "x"}, headers=h1), 400, "invalid_input"
    )

    ok = await client.post(
        "/api/v1/auth/bind", json={"employee_no": staff.employee_no, "name": staff.name}, headers=h1
    )
    assert ok.status_code == 200
    assert ok.json() == {
        "id": first["user"]["id"],
        "name": staff.name,
        "employee_no": staff.employee_no,
        "department": "办公室",
        "roles": ["staff", "canteen"],
        "bound": True,
    }
    # Binding again to the same entry is harmless; another account may not take it.
    again = await client.post(
        "/api/v1/auth/bind", json={"employee_no": staff.employee_no, "name": staff.name}, headers=h1
    )
    assert again.status_code == 200
    taken = await client.post(
        "/api/v1/auth/bind", json={"employee_no": staff.employee_no, "name": staff.name}, headers=h2
    )
    assert_error(taken, 409, "conflict")
    me = await client.get("/api/v1/me", headers=h1)
    assert me.json()["bound"] is True and me.json()["roles"] == ["staff", "canteen"]


async def test_concurrent_binds_of_one_employee_one_wins(client):
    staff = await add_directory_entry()
    tokens = [(await login(client, f"race-{uuid.uuid4().hex}")).json()["token"] for _ in range(8)]
    responses = await asyncio.gather(
        *[
            client.post(
                "/api/v1/auth/bind",
                json={"employee_no": staff.employee_no, "name": staff.name},
                headers={"Authorization": f"Bearer {token}"},
            )
            for token in tokens
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 7, statuses
    assert await User.filter(staff_id=staff.id).count() == 1


async def test_unbound_users_are_refused_except_me_and_bind(client):
    _, headers = await make_unbound_user()
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert_error(
        await client.post("/api/v1/admin/staff", json={"items": []}, headers=headers),
        403,
        "not_bound",
    )


async def test_tokens_missing_malformed_expired_revoked(client):
    assert_error(await client.get("/api/v1/me"), 401, "unauthorized")
    assert_error(
        await client.get("/api/v1/me", headers={"Authorization": "Token abc"}), 401, "unauthorized"
    )
    assert_error(
        await client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}),
        401,
        "unauthorized",
    )
    actor = await make_user()
    expired = await identity.issue_token(
        user_id=actor.user_id, now=datetime.now(UTC) - timedelta(days=30)
    )
    assert_error(
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"}),
        401,
        "unauthorized",
    )
    fresh = await identity.issue_token(user_id=actor.user_id, now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {fresh}"}
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    await identity.revoke_user_tokens(user_ids=[actor.user_id], now=datetime.now(UTC))
    await identity.forget_cached_principals()
    assert_error(await client.get("/api/v1/me", headers=headers), 401, "unauthorized")


async def test_directory_import_by_endpoint_and_deactivation_cuts_access(client):
    admin = await make_user("admin")
    worker = await make_user("guard")
    assert (await client.get("/api/v1/me", headers=worker.headers)).status_code == 200
    new_no = f"N{uuid.uuid4().hex[:8]}"
    payload = {
        "items": [
            {"employee_no": new_no, "name": "新同事", "department": "人事处", "roles": ["canteen"]},
            {
                "employee_no": worker.employee_no,
                "name": worker.name,
                "department": "安保部",
                "roles": ["guard"],
                "active": False,
            },
        ]
    }
    forbidden = await client.post("/api/v1/admin/staff", json=payload, headers=worker.headers)
    assert_error(forbidden, 403, "forbidden")
    response = await client.post("/api/v1/admin/staff", json=payload, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "updated": 1}
    assert (await Staff.get(employee_no=new_no)).roles == ["staff", "canteen"]
    # The deactivated employee is cut off (this process at once; others within the cache TTL).
    assert_error(await client.get("/api/v1/me", headers=worker.headers), 401, "unauthorized")
    assert resources.settings().auth_cache_s <= 60


async def test_deactivation_in_the_database_alone_is_seen_after_the_cache(client):
    actor = await make_user()
    assert (await client.get("/api/v1/me", headers=actor.headers)).status_code == 200
    await Staff.filter(id=actor.staff_id).update(active=False)
    await identity.forget_cached_principals()  # what the cache TTL (≤ 60 s) does on other workers
    assert_error(await client.get("/api/v1/me", headers=actor.headers), 401, "unauthorized")


async def test_directory_import_rejects_bad_rows_and_changes_nothing(client):
    admin = await make_user("admin")
    no = f"B{uuid.uuid4().hex[:8]}"
    payload = {
        "items": [
            {"employee_no": no, "name": "甲", "roles": ["staff"]},
            {"employee_no": no + "x", "name": "乙", "roles": ["wizard"]},
        ]
    }
    error = assert_error(
        await client.post("/api/v1/admin/staff", json=payload, headers=admin.headers),
        400,
        "invalid_input",
    )
    assert "items[1].roles" in error["details"]["fields"]
    assert not await Staff.filter(employee_no=no).exists()


def test_import_staff_cli(tmp_path):
    no = f"CSV{uuid.uuid4().hex[:6]}"
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text(
        f"employee_no,name,department,roles\n{no},钱多多,财务处,canteen|staff\n{no}2,孙小小,办公室,staff\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "server", "import-staff", str(csv_file)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "2 created" in result.stdout


async def test_login_rate_limit_by_code_not_by_shared_office_ip(client):
    # Fifty colleagues behind one NAT address all log in.
    office_ip = "10.20.30.40"
    responses = await asyncio.gather(
        *[login(client, f"nat-{uuid.uuid4().hex}", office_ip) for _ in range(50)]
    )
    assert all(r.status_code == 200 for r in responses)
    # One code replayed past its limit is refused with Retry-After.
    code = f"replay-{uuid.uuid4().hex}"
    limit = resources.settings().login_limits.per_code
    statuses = [(await login(client, code)).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    refused = await login(client, code)
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= resources.settings().login_limits.window_s
