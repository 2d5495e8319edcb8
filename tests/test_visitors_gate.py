"""The gate (API.md §6 POST /gate/verify, GET /gate/entries): windows, counts, races,
garbage tokens, roles, the host's notice and the entry log."""

from __future__ import annotations

import asyncio
import json
import random
import string
import uuid
from datetime import datetime, time, timedelta

import pytest

from models.notifications import Notice
from models.visitors import GateEntry, Pass
from services import visitors
from tests.support import assert_error, make_unbound_user, make_user
from tests.support.visitors import API, NOW, SHANGHAI, at, invite, scan, wire


async def counted(pass_id: int) -> tuple[int, int, str]:
    """(entries_used, entry rows, status) as the database has them."""
    row = await Pass.get(id=pass_id)
    return row.entries_used, await GateEntry.filter(visitor_pass_id=pass_id).count(), row.status


# --- the window --------------------------------------------------------------------


async def test_window_edges_not_yet_valid_valid_expired(client):
    host = await make_user()
    guard = await make_user("guard")
    start, end = NOW + timedelta(hours=2), NOW + timedelta(hours=6)
    created = await invite(client, host, valid_from=wire(start), valid_to=wire(end), max_entries=5)
    token = created["token"]
    early = await scan(client, guard, token, when=start - timedelta(seconds=1))
    assert early.status_code == 200 and early.json() == {"valid": False, "reason": "not_yet_valid"}
    assert await counted(created["id"]) == (0, 0, "active")
    first = (await scan(client, guard, token, when=start)).json()
    assert first["valid"] is True and first["pass"]["entries_left"] == 4
    last = (await scan(client, guard, token, when=end - timedelta(seconds=1))).json()
    assert last["valid"] is True and last["pass"]["entries_left"] == 3
    late = await scan(client, guard, token, when=end)
    assert late.json() == {"valid": False, "reason": "expired"}
    assert await counted(created["id"]) == (2, 2, "active")


async def test_a_valid_scan_shows_the_guard_a_masked_phone_and_records_the_entry(client):
    host = await make_user(name="李晓梅")
    guard = await make_user("guard", name="钱卫东")
    created = await invite(
        client, host, visitor_phone="13812345678", plate="苏A12345", max_entries=2
    )
    response = await scan(client, guard, created["token"], gate="北门")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True
    assert body["pass"] == {
        "id": created["id"],
        "visitor_name": "王志刚",
        "visitor_phone_masked": "138****5678",
        "plate": "苏A12345",
        "host_name": "李晓梅",
        "purpose": "参加项目评审会",
        "valid_to": created["valid_to"],
        "entries_left": 1,
    }
    assert "13812345678" not in response.text
    entry = await GateEntry.get(id=body["entry"]["id"])
    assert (entry.gate, entry.guard_id, entry.visitor_pass_id) == (
        "北门",
        guard.user_id,
        created["id"],
    )  # type: ignore[attr-defined]
    assert entry.at == NOW


async def test_used_up_after_max_entries(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=3)
    lefts = []
    for minute in range(3):
        body = (
            await scan(client, guard, created["token"], when=NOW + timedelta(minutes=minute))
        ).json()
        assert body["valid"] is True
        lefts.append(body["pass"]["entries_left"])
    assert lefts == [2, 1, 0]
    assert (await scan(client, guard, created["token"])).json() == {
        "valid": False,
        "reason": "used_up",
    }
    assert await counted(created["id"]) == (3, 3, "used_up")
    shown = (
        await client.get(f"{API}/visitors/passes/{created['id']}", headers=host.headers)
    ).json()
    assert shown["status"] == "used_up" and shown["token"] is None and shown["entries_used"] == 3


async def test_a_revoked_pass_is_refused(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=2)
    await client.post(f"{API}/visitors/passes/{created['id']}/revoke", headers=host.headers)
    assert (await scan(client, guard, created["token"])).json() == {
        "valid": False,
        "reason": "revoked",
    }
    assert await counted(created["id"]) == (0, 0, "revoked")


# --- races -------------------------------------------------------------------------


async def test_fifty_concurrent_scans_of_a_single_entry_pass_admit_exactly_one(client):
    host = await make_user()
    guards = [await make_user("guard") for _ in range(5)]
    created = await invite(client, host)
    responses = await asyncio.gather(
        *(scan(client, guards[i % 5], created["token"], gate=f"{i % 3 + 1}号门") for i in range(50))
    )
    assert [r.status_code for r in responses] == [200] * 50
    bodies = [r.json() for r in responses]
    assert sum(1 for b in bodies if b["valid"]) == 1
    assert sorted(b.get("reason", "") for b in bodies if not b["valid"]) == ["used_up"] * 49
    assert await counted(created["id"]) == (1, 1, "used_up")


async def test_concurrent_scans_never_exceed_max_entries(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=7)
    responses = await asyncio.gather(*(scan(client, guard, created["token"]) for _ in range(40)))
    bodies = [r.json() for r in responses]
    assert sum(1 for b in bodies if b["valid"]) == 7
    assert sorted(b["pass"]["entries_left"] for b in bodies if b["valid"]) == list(range(7))
    assert await counted(created["id"]) == (7, 7, "used_up")


async def test_revoke_racing_scans_never_admits_after_the_revoke(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=20)
    calls = [scan(client, guard, created["token"]) for _ in range(20)]
    calls.insert(
        10, client.post(f"{API}/visitors/passes/{created['id']}/revoke", headers=host.headers)
    )
    responses = await asyncio.gather(*calls)
    admitted = sum(1 for r in responses[:10] + responses[11:] if r.json()["valid"])
    used, rows, status = await counted(created["id"])
    assert status == "revoked" and used == rows == admitted
    assert (await scan(client, guard, created["token"])).json()["reason"] == "revoked"


async def test_a_retried_scan_with_the_same_idempotency_key_counts_once(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=5)
    headers = guard.with_headers(**{"Idempotency-Key": uuid.uuid4().hex}, **at(NOW))
    body = {"token": created["token"], "gate": "东门"}
    first, second = await asyncio.gather(
        client.post(f"{API}/gate/verify", json=body, headers=headers),
        client.post(f"{API}/gate/verify", json=body, headers=headers),
    )
    assert first.json() == second.json() and first.json()["valid"] is True
    assert await counted(created["id"]) == (1, 1, "active")


# --- garbage -----------------------------------------------------------------------


def _garbage(rng: random.Random, real: list[str]) -> list[str]:
    """10,000 strings: random ones of every length and alphabet, and near-misses of real
    tokens (one character changed, dropped, added, case-flipped, truncated, extended)."""
    alphabets = [
        string.ascii_letters + string.digits + "-_",
        string.printable,
        "".join(map(chr, range(0, 0x250))) + "中文访客通行证😀\u202e\ufeff",
    ]
    out: list[str] = ["", " ", "\x00", "null", "../../etc/passwd", "' OR 1=1 --", "%s%n"]
    while len(out) < 5000:
        alphabet = rng.choice(alphabets)
        length = rng.choice([rng.randint(0, 64), rng.randint(0, 300), 32, 43])
        out.append("".join(rng.choice(alphabet) for _ in range(length)))
    urlsafe = string.ascii_letters + string.digits + "-_"
    while len(out) < 10_000:
        token = rng.choice(real)
        i = rng.randrange(len(token))
        kind = rng.randrange(6)
        if kind == 0:
            mutated = token[:i] + rng.choice(urlsafe.replace(token[i], "")) + token[i + 1 :]
        elif kind == 1:
            mutated = token[:i] + token[i + 1 :]
        elif kind == 2:
            mutated = token[:i] + rng.choice(urlsafe) + token[i:]
        elif kind == 3:
            mutated = token.swapcase()
        elif kind == 4:
            mutated = token[: rng.randint(0, len(token) - 1)]
        else:
            mutated = token + rng.choice(urlsafe) * rng.randint(1, 200)
        out.append(mutated)
    return [g for g in out if g not in real]


@pytest.mark.slow
async def test_ten_thousand_garbage_tokens_are_all_unknown(client):
    host = await make_user()
    guard = await make_user("guard")
    real = [(await invite(client, host, max_entries=1))["token"] for _ in range(5)]
    rng = random.Random(20261201)
    garbage = _garbage(rng, real)
    assert len(garbage) >= 9_990
    answers = [
        await visitors.verify(token=token, gate="东门", guard_id=guard.user_id, now=NOW)
        for token in garbage
    ]
    assert all(a == visitors.Verdict(valid=False, reason="unknown") for a in answers)
    assert await GateEntry.filter(guard_id=guard.user_id).count() == 0
    for token in real:  # the real passes were not touched by their near-misses
        assert (await Pass.get(token_hash=visitors.token_hash(token))).entries_used == 0


async def test_garbage_over_http_is_unknown_never_an_error(client):
    host = await make_user()
    guard = await make_user("guard")
    real = [(await invite(client, host))["token"] for _ in range(3)]
    rng = random.Random(7)
    sample = rng.sample(_garbage(rng, real), 300)
    sample += ["x" * 100_000, "A" * 129, "中" * 5000, 12345, None, True, 1.5, [], {"a": 1}]
    for chunk in range(0, len(sample), 50):
        responses = await asyncio.gather(
            *(scan(client, guard, token) for token in sample[chunk : chunk + 50])
        )
        for response in responses:
            assert response.status_code == 200, response.text
            assert response.json() == {"valid": False, "reason": "unknown"}
    # Lone surrogates and escapes that are valid JSON but not valid Unicode.
    for raw in ['"\\ud800"', '"\\udfff\\ud800abc"', '"\\u0000' + "a" * 40 + '"']:
        response = await client.post(
            f"{API}/gate/verify",
            content=('{"token": ' + raw + ', "gate": "东门"}').encode(),
            headers=guard.with_headers(**{"Content-Type": "application/json"}),
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"valid": False, "reason": "unknown"}
    assert await GateEntry.filter(guard_id=guard.user_id).count() == 0


async def test_bad_verify_bodies_are_400(client):
    guard = await make_user("guard")
    host = await make_user()
    created = await invite(client, host)
    cases = [
        ({"token": created["token"]}, "gate"),
        ({"gate": "东门"}, "token"),
        ({"token": created["token"], "gate": ""}, "gate"),
        ({"token": created["token"], "gate": "   "}, "gate"),
        ({"token": created["token"], "gate": "门" * 33}, "gate"),
        ({"token": created["token"], "gate": "东\x07门"}, "gate"),
    ]
    for body, field in cases:
        response = await client.post(f"{API}/gate/verify", json=body, headers=guard.headers)
        error = assert_error(response, 400, "invalid_input")
        assert field in error["details"]["fields"], (body, error)
    for raw in [b"", b"nope", b"[1]", b'{"token": "a", "gate": "\\ud800"}']:
        response = await client.post(
            f"{API}/gate/verify",
            content=raw,
            headers=guard.with_headers(**{"Content-Type": "application/json"}),
        )
        assert response.status_code == 400, (raw, response.text)
    assert await counted(created["id"]) == (0, 0, "active")


# --- roles -------------------------------------------------------------------------


async def test_only_guards_and_admins_may_scan(client):
    host = await make_user()
    created = await invite(client, host, max_entries=3)
    for roles in [(), ("canteen",), ("facility", "facility_lead")]:
        staff = await make_user(*roles)
        assert_error(await scan(client, staff, created["token"]), 403, "forbidden")
    assert_error(await scan(client, host, created["token"]), 403, "forbidden")
    _, unbound = await make_unbound_user()
    response = await client.post(
        f"{API}/gate/verify", json={"token": created["token"], "gate": "东门"}, headers=unbound
    )
    assert_error(response, 403, "not_bound")
    response = await client.post(
        f"{API}/gate/verify", json={"token": created["token"], "gate": "东门"}
    )
    assert_error(response, 401, "unauthorized")
    assert await counted(created["id"]) == (0, 0, "active")
    admin = await make_user("admin")
    assert (await scan(client, admin, created["token"])).json()["valid"] is True


# --- the host is told --------------------------------------------------------------


async def test_the_host_gets_an_arrival_notice_on_each_valid_entry(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, visitor_name="黄海涛", max_entries=2)
    await scan(client, guard, created["token"], gate="东门")
    await scan(client, guard, created["token"], gate="北门", when=NOW + timedelta(minutes=5))
    await scan(client, guard, created["token"])  # used up: no notice
    await scan(client, guard, "not-a-token-at-all-xxxxxxxx")
    notices = await Notice.filter(user_id=host.user_id, kind="visitor_arrived").order_by("id")
    assert len(notices) == 2
    local = NOW.astimezone(SHANGHAI)
    assert notices[0].title == "访客已到达"
    assert "黄海涛" in notices[0].body and "东门" in notices[0].body
    assert f"{local:%H:%M}" in notices[0].body and "北门" in notices[1].body
    assert str(created["id"]) in (notices[0].link or "")
    # The guard is told nothing.
    assert await Notice.filter(user_id=guard.user_id).count() == 0


# --- the entry log -----------------------------------------------------------------


async def test_entry_log_by_day_with_masked_phones_and_counts_per_gate(client):
    host = await make_user(name="刘芳")
    guard = await make_user("guard", name="何勇")
    # A day of its own, so other tests' entries do not show: 3 days back in Shanghai.
    day = (NOW - timedelta(days=3)).astimezone(SHANGHAI).date()
    morning = datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)
    created = await invite(
        client,
        host,
        when=morning,
        visitor_phone="13912345678",
        valid_from=wire(morning),
        valid_to=wire(morning + timedelta(days=1, hours=2)),
        max_entries=10,
    )
    plan = [("东门", 0), ("东门", 60), ("北门", 120), ("东门", 23 * 60 + 59), ("北门", 24 * 60 + 1)]
    for gate, minutes in plan:
        response = await scan(
            client, guard, created["token"], gate=gate, when=morning + timedelta(minutes=minutes)
        )
        assert response.json()["valid"] is True
    log = await client.get(
        f"{API}/gate/entries?date={day.isoformat()}&limit=2", headers=guard.headers
    )
    assert log.status_code == 200, log.text
    body = log.json()
    assert body["date"] == day.isoformat()
    assert body["total"] == 4
    assert body["per_gate"] == [{"gate": "东门", "count": 3}, {"gate": "北门", "count": 1}]
    first = body["items"][0]
    assert first["visitor_phone_masked"] == "139****5678" and first["gate"] == "东门"
    assert first["visitor_name"] == "王志刚" and first["host_name"] == "刘芳"
    assert first["guard"] == {"id": guard.user_id, "name": "何勇"}
    assert "13912345678" not in log.text
    items = body["items"]
    cursor = body["next_cursor"]
    while cursor:
        page = (
            await client.get(
                f"{API}/gate/entries?date={day.isoformat()}&limit=2&cursor={cursor}",
                headers=guard.headers,
            )
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
    assert len(items) == 4 and [i["id"] for i in items] == sorted(
        (i["id"] for i in items), reverse=True
    )
    only_north = (
        await client.get(
            f"{API}/gate/entries?date={day.isoformat()}&gate=北门", headers=guard.headers
        )
    ).json()
    assert [i["gate"] for i in only_north["items"]] == ["北门"] and only_north["total"] == 4
    admin = await make_user("admin")
    assert (await client.get(f"{API}/gate/entries?date={day}", headers=admin.headers)).json()[
        "total"
    ] == 4
    next_day = (day + timedelta(days=1)).isoformat()
    later = (await client.get(f"{API}/gate/entries?date={next_day}", headers=admin.headers)).json()
    assert created["id"] in [i["pass_id"] for i in later["items"]]


async def test_entry_log_is_for_guards_and_admins_and_checks_its_query(client):
    staff = await make_user()
    guard = await make_user("guard")
    assert_error(await client.get(f"{API}/gate/entries", headers=staff.headers), 403, "forbidden")
    today = await client.get(f"{API}/gate/entries", headers=guard.with_headers(**at(NOW)))
    assert today.status_code == 200
    assert today.json()["date"] == NOW.astimezone(SHANGHAI).date().isoformat()
    for query in ["date=2026-13-01", "date=yesterday", "date=0001-01-01", "limit=0", "cursor=x"]:
        response = await client.get(f"{API}/gate/entries?{query}", headers=guard.headers)
        assert_error(response, 400, "invalid_input")
    empty = (await client.get(f"{API}/gate/entries?date=2001-01-01", headers=guard.headers)).json()
    assert empty == {
        "date": "2001-01-01",
        "items": [],
        "next_cursor": None,
        "total": 0,
        "per_gate": [],
    }


def test_garbage_generator_is_deterministic_and_excludes_real_tokens():
    real = ["A" * 32]
    one = _garbage(random.Random(1), real)
    assert one == _garbage(random.Random(1), real) and "A" * 32 not in one
    json.dumps(one)  # every string is JSON-serialisable as sent over HTTP
