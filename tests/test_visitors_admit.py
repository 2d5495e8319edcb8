"""The gate for a visitor without the QR over HTTP: finding passes by name or the last 4
digits of the phone, admitting by hand with a reason — an entry counted exactly once
like a scan, even when a scan and an admission race — and the log saying so."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from models.notifications import Notice
from models.visitors import GateEntry, Pass
from tests.support import assert_error, make_user
from tests.support.visitors import API, NOW, at, invite, scan, wire

ADMIT = {"gate": "东门", "reason": "访客手机没电，已核对身份证"}


async def admit(client, guard, pass_id, body=None, **headers):  # type: ignore[no-untyped-def]
    return await client.post(
        f"{API}/gate/passes/{pass_id}/admit",
        json=body or ADMIT,
        headers=guard.with_headers(**at(NOW), **headers),
    )


async def find(client, guard, q):  # type: ignore[no-untyped-def]
    return await client.get(
        f"{API}/gate/passes", params={"q": q}, headers=guard.with_headers(**at(NOW))
    )


async def test_guards_find_passes_that_admit_now_by_name_or_phone_tail(client):
    host, guard = await make_user(name="赵敏"), await make_user("guard")
    name = f"访客{uuid.uuid4().hex[:6]}"
    tail = f"{uuid.uuid4().int % 10_000:04d}"
    phone = f"1380000{tail}"
    valid = await invite(client, host, visitor_name=name, visitor_phone=phone, plate="苏A12345")
    later = await invite(
        client,
        host,
        visitor_name=name,
        valid_from=wire(NOW + timedelta(hours=2)),
        valid_to=wire(NOW + timedelta(hours=3)),
    )
    revoked = await invite(client, host, visitor_name=name)
    await client.post(f"{API}/visitors/passes/{revoked['id']}/revoke", headers=host.headers)
    used = await invite(client, host, visitor_name=name)
    assert (await scan(client, guard, used["token"])).json()["valid"] is True

    by_name = await find(client, guard, name[2:])
    assert by_name.status_code == 200, by_name.text
    assert [p["id"] for p in by_name.json()["items"]] == [valid["id"]]
    assert by_name.json()["items"][0] == {
        "id": valid["id"],
        "visitor_name": name,
        "visitor_phone_masked": f"138****{tail}",
        "plate": "苏A12345",
        "host_name": "赵敏",
        "purpose": valid["purpose"],
        "valid_from": valid["valid_from"],
        "valid_to": valid["valid_to"],
        "entries_left": 1,
    }
    assert phone not in by_name.text
    by_tail = await find(client, guard, tail)
    assert valid["id"] in [p["id"] for p in by_tail.json()["items"]]
    assert later["id"] not in [p["id"] for p in by_tail.json()["items"]]
    three = await find(client, guard, tail[1:])
    assert valid["id"] not in [p["id"] for p in three.json()["items"]]
    assert_error(await find(client, guard, ""), 400, "invalid_input")
    staff = await make_user()
    assert_error(await find(client, staff, name), 403, "forbidden")


async def test_admitting_by_hand_counts_one_entry_logged_as_manual_with_the_reason(client):
    host, guard = await make_user(), await make_user("guard", name="孙门卫")
    created = await invite(client, host, max_entries=1)
    refused = await admit(client, guard, created["id"], {"gate": "东门", "reason": "  "})
    assert "reason" in assert_error(refused, 400, "invalid_input")["details"]["fields"]
    assert await GateEntry.filter(visitor_pass_id=created["id"]).count() == 0

    done = await admit(client, guard, created["id"])
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["valid"] is True and body["pass"]["entries_left"] == 0
    assert set(body) == {"valid", "pass", "entry"}
    again = await admit(client, guard, created["id"])
    assert again.json() == {"valid": False, "reason": "used_up"}
    scanned = await scan(client, guard, created["token"])
    assert scanned.json() == {"valid": False, "reason": "used_up"}

    (entry,) = await GateEntry.filter(visitor_pass_id=created["id"])
    assert (entry.manual, entry.reason, entry.gate) == (True, ADMIT["reason"], "东门")
    assert await Notice.filter(user_id=host.user_id, kind="visitor_arrived").count() == 1
    log = await client.get(
        f"{API}/gate/entries", params={"limit": 100}, headers=guard.with_headers(**at(NOW))
    )
    line = next(i for i in log.json()["items"] if i["pass_id"] == created["id"])
    assert (line["manual"], line["reason"]) == (True, ADMIT["reason"])
    assert line["guard"] == {"id": guard.user_id, "name": "孙门卫"}

    revoked = await invite(client, host)
    await client.post(f"{API}/visitors/passes/{revoked['id']}/revoke", headers=host.headers)
    assert (await admit(client, guard, revoked["id"])).json() == {
        "valid": False,
        "reason": "revoked",
    }
    assert_error(await admit(client, guard, 2_000_000_000), 404, "not_found")


async def test_scanned_entries_are_logged_as_not_manual(client):
    host, guard = await make_user(), await make_user("guard")
    created = await invite(client, host)
    assert (await scan(client, guard, created["token"])).json()["valid"] is True
    log = await client.get(
        f"{API}/gate/entries", params={"limit": 100}, headers=guard.with_headers(**at(NOW))
    )
    line = next(i for i in log.json()["items"] if i["pass_id"] == created["id"])
    assert (line["manual"], line["reason"]) == (False, None)


async def test_a_scan_and_an_admission_racing_for_one_entry_admit_one_person(client):
    """Two guards at once on each single-entry pass, one scanning its QR and one
    admitting it by hand: exactly one `valid: true` and one entry row per pass."""
    host = await make_user()
    scanner, clerk = await make_user("guard"), await make_user("guard")
    passes = [await invite(client, host, max_entries=1) for _ in range(6)]
    results = await asyncio.gather(
        *(
            call
            for created in passes
            for call in (
                scan(client, scanner, created["token"]),
                admit(client, clerk, created["id"]),
            )
        )
    )
    for index, created in enumerate(passes):
        pair = results[2 * index : 2 * index + 2]
        assert sorted(r.json()["valid"] for r in pair) == [False, True], [r.text for r in pair]
        assert await GateEntry.filter(visitor_pass_id=created["id"]).count() == 1
        row = await Pass.get(id=created["id"])
        assert (row.entries_used, row.status) == (1, "used_up")


async def test_an_admission_retried_with_its_key_counts_once(client):
    host, guard = await make_user(), await make_user("guard")
    created = await invite(client, host, max_entries=3)
    key = {"Idempotency-Key": f"admit-{uuid.uuid4().hex}"}
    first = await admit(client, guard, created["id"], **key)
    replay = await admit(client, guard, created["id"], **key)
    assert first.status_code == replay.status_code == 200
    assert first.json() == replay.json() and first.json()["pass"]["entries_left"] == 2
    assert await GateEntry.filter(visitor_pass_id=created["id"]).count() == 1
