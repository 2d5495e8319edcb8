"""Gyms for admins over HTTP: the list (inactive ones included), editing and deactivating
a gym, its desk keys listed without the key, and a new key's sign-in QR."""

from __future__ import annotations

import base64
import io
from typing import Any

import zxingcpp
from PIL import Image

from models.gym import GymDeskKey
from tests.support import Actor, assert_error, make_user
from tests.support.gym import at, book, make_gym

API = "/api/v1"


async def patch(client: Any, admin: Actor, gym_id: int, body: dict[str, Any]) -> Any:
    return await client.patch(f"{API}/admin/gym/gyms/{gym_id}", json=body, headers=admin.headers)


async def test_a_gym_created_inactive_is_listed_to_admins_only(client):
    admin, member = await make_user("admin"), await make_user()
    created = await client.post(
        f"{API}/admin/gym/gyms",
        json={
            "name": "筹备中健身馆",
            "address": "新区",
            "offer": "开业后职工价",
            "open_hours": "07:00-21:00",
            "active": False,
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["active"] is False
    listed = await client.get(f"{API}/admin/gym/gyms", headers=admin.headers)
    assert created.json() in listed.json()["items"]
    offered = await client.get(f"{API}/gym/gyms", headers=member.headers)
    assert created.json()["id"] not in {g["id"] for g in offered.json()["items"]}


async def test_admin_edits_a_gym_and_deactivation_stops_new_bookings_and_desk_sign_in(client):
    admin, gym, sessions = await make_gym(client)
    member, later = await make_user(), await make_user()
    kept = await book(client, member, sessions[0]["id"])
    assert kept.status_code == 201, kept.text
    key = (
        await client.post(f"{API}/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers)
    ).json()

    changed = await patch(
        client, admin, gym["id"], {"offer": "职工价 ¥25/次", "open_hours": "06:30-21:30"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["offer"], changed.json()["open_hours"]) == (
        "职工价 ¥25/次",
        "06:30-21:30",
    )

    off = await patch(client, admin, gym["id"], {"active": False})
    assert off.json()["active"] is False
    assert_error(await book(client, later, sessions[0]["id"]), 404, "not_found")
    visit = await client.post(
        f"{API}/gym/visits", json={"gym_id": gym["id"]}, headers=later.with_headers(**at("10:00"))
    )
    assert_error(visit, 404, "not_found")
    desk = await client.post(
        f"{API}/gym/desk/checkin",
        json={"code": "whatever"},
        headers={"Authorization": f"Bearer {key['key']}"},
    )
    assert_error(desk, 401, "unauthorized")
    mine = await client.get(f"{API}/gym/bookings", headers=member.headers)
    assert [b["status"] for b in mine.json()["items"]] == ["confirmed"]  # kept
    listed = await client.get(f"{API}/admin/gym/gyms", headers=admin.headers)
    assert {g["id"]: g["active"] for g in listed.json()["items"]}[gym["id"]] is False

    on = await patch(client, admin, gym["id"], {"active": True})
    assert on.json()["active"] is True
    assert (await book(client, later, sessions[0]["id"])).status_code == 201


async def test_gym_edits_refuse_bad_hours_duplicates_empty_bodies_and_unknown_gyms(client):
    admin, gym, _ = await make_gym(client)
    _, other, _ = await make_gym(client)
    bad = await patch(client, admin, gym["id"], {"open_hours": "22:00-06:00"})
    assert "open_hours" in assert_error(bad, 400, "invalid_input")["details"]["fields"]
    assert_error(await patch(client, admin, gym["id"], {"name": other["name"]}), 409, "conflict")
    assert_error(await patch(client, admin, gym["id"], {}), 400, "invalid_input")
    assert_error(await patch(client, admin, 2_000_000_000, {"active": False}), 404, "not_found")


async def test_a_new_desk_key_comes_with_its_sign_in_link_and_qr_and_is_listed_without_it(client):
    admin, gym, _ = await make_gym(client)
    response = await client.post(
        f"{API}/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    issued = response.json()
    assert set(issued) == {"id", "gym_id", "key", "signin_url", "qr_png"}
    assert issued["signin_url"].endswith(f"/app/#/gym/desk?key={issued['key']}")
    assert issued["signin_url"].startswith("http")
    prefix = "data:image/png;base64,"
    assert issued["qr_png"].startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(issued["qr_png"][len(prefix) :])))
    (decoded,) = zxingcpp.read_barcodes(image)
    assert decoded.text == issued["signin_url"]

    second = (
        await client.post(f"{API}/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers)
    ).json()
    revoked = await client.post(
        f"{API}/admin/gym/desk-keys/{issued['id']}/revoke", headers=admin.headers
    )
    assert revoked.status_code == 200
    listed = await client.get(f"{API}/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [k["id"] for k in items] == [second["id"], issued["id"]]
    assert set(items[0]) == {"id", "gym_id", "created_at", "revoked_at", "last_used_at"}
    assert items[0]["revoked_at"] is None and items[1]["revoked_at"] is not None
    assert issued["key"] not in listed.text and second["key"] not in listed.text
    stored = await GymDeskKey.get(id=issued["id"])
    assert issued["key"] not in stored.key_hash
    assert_error(
        await client.get(f"{API}/admin/gym/gyms/2000000000/desk-keys", headers=admin.headers),
        404,
        "not_found",
    )


async def test_a_desk_check_in_marks_when_its_key_was_last_used(client):
    admin, gym, sessions = await make_gym(client)
    member = await make_user()
    row = (await book(client, member, sessions[0]["id"])).json()
    key = (
        await client.post(f"{API}/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers)
    ).json()
    voucher = await client.post(
        f"{API}/gym/bookings/{row['id']}/voucher", headers=member.with_headers(**at("17:45"))
    )
    checked = await client.post(
        f"{API}/gym/desk/checkin",
        json={"code": voucher.json()["code"]},
        headers={"Authorization": f"Bearer {key['key']}", **at("17:45")},
    )
    assert checked.status_code == 200, checked.text
    listed = await client.get(f"{API}/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers)
    assert listed.json()["items"][0]["last_used_at"] == f"{at('17:45')['X-Test-Now']}"
