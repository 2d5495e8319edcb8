"""Gym over HTTP, part two: the concurrent quota, walk-ins, vouchers, the desk check-in
(once, under concurrent scans), what a desk key can and cannot reach, jobs, settlement."""

from __future__ import annotations

import asyncio
import io

from openpyxl import load_workbook

import booking
from jobs import gym as gym_jobs
from models.booking import Reservation
from models.gym import GymBooking, GymDeskKey, GymSession, GymVoucher
from tests.support import assert_error, make_user
from tests.support.gym import DAY, MONTH, at, book, desk_key, make_gym, moment, quota_used


async def test_twenty_concurrent_taps_on_twenty_sessions_never_exceed_the_quota(client):
    _admin, _gym, sessions = await make_gym(client, sessions=20, capacity=5)
    member = await make_user()
    responses = await asyncio.gather(*(book(client, member, s["id"]) for s in sessions))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 8 + [409] * 12, statuses
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "limit_reached")
    await booking.settled()
    assert await GymBooking.filter(user_id=member.user_id, status="confirmed").count() == 8
    live = await Reservation.filter(user_id=member.user_id, status="confirmed").count()
    assert live == 8  # refused record steps gave their places back
    assert await quota_used(member.user_id) == 8
    places = [
        (await booking.availability(resource_id=row.resource_id, slot_ids=[row.id]))[0].booked
        for row in await GymSession.filter(id__in=[s["id"] for s in sessions])
    ]
    assert sum(places) == 8  # and Redis agrees


async def test_concurrent_walk_ins_and_classes_share_one_quota(client):
    _admin, gym, sessions = await make_gym(client, sessions=6)
    _admin2, gym2, _s = await make_gym(client)
    _admin3, gym3, _s = await make_gym(client)
    member = await make_user()
    morning = at("09:00")  # walk-ins and classes of the same day, so the same month
    visits = [
        client.post(
            "/api/v1/gym/visits", json={"gym_id": g["id"]}, headers=member.with_headers(**morning)
        )
        for g in (gym, gym2, gym3)
    ]
    classes = [book(client, member, s["id"], morning) for s in sessions]
    responses = await asyncio.gather(*visits, *classes)
    assert sorted(r.status_code for r in responses) == [201] * 8 + [409]
    await booking.settled()
    assert await GymBooking.filter(user_id=member.user_id).count() == 8
    assert await quota_used(member.user_id) == 8


async def test_walk_in_valid_until_closing_one_per_gym_and_day(client):
    _admin, gym, _s = await make_gym(client)
    member = await make_user()
    response = await client.post(
        "/api/v1/gym/visits", json={"gym_id": gym["id"]}, headers=member.with_headers(**at("10:00"))
    )
    assert response.status_code == 201, response.text
    row = response.json()
    assert (row["kind"], row["status"], row["session"]) == ("walk_in", "confirmed", None)
    assert row["valid_until"] == f"{DAY}T22:00:00+08:00"
    again = await client.post(
        "/api/v1/gym/visits", json={"gym_id": gym["id"]}, headers=member.with_headers(**at("11:00"))
    )
    assert_error(again, 409, "limit_reached")
    closed = await client.post(
        "/api/v1/gym/visits",
        json={"gym_id": gym["id"]},
        headers=(await make_user()).with_headers(**at("22:00")),
    )
    assert_error(closed, 409, "too_late")
    await gym_jobs.expire_walk_ins(now=moment("21:59"))
    assert (await GymBooking.get(id=row["id"])).status == "confirmed"
    await gym_jobs.expire_walk_ins(now=moment("22:00"))
    assert (await GymBooking.get(id=row["id"])).status == "expired"
    assert await quota_used(member.user_id) == 1  # an unused walk-in still spent its visit


# --- vouchers and the desk ---------------------------------------------------------


async def _checked_voucher(client, member, booking_id, now):  # type: ignore[no-untyped-def]
    response = await client.post(
        f"/api/v1/gym/bookings/{booking_id}/voucher", headers=member.with_headers(**now)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_voucher_window_and_once_only_checkin_under_concurrent_scans(client):
    admin, gym, sessions = await make_gym(client)
    member = await make_user(name="张小明", department="财政局")
    row = (await book(client, member, sessions[0]["id"])).json()
    early = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/voucher", headers=member.with_headers(**at("17:29"))
    )
    assert_error(early, 409, "too_early")
    voucher = await _checked_voucher(client, member, row["id"], at("17:30"))
    assert len(voucher["code"]) >= 22
    assert voucher["expires_at"] == f"{DAY}T17:31:00+08:00"
    png = await client.get(
        f"/api/v1/gym/bookings/{row['id']}/voucher.png", headers=member.with_headers(**at("17:30"))
    )
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    desk = await desk_key(client, admin, gym["id"])
    scans = await asyncio.gather(
        *(
            client.post(
                "/api/v1/gym/desk/checkin",
                json={"code": voucher["code"]},
                headers={**desk, **at("17:30")},
            )
            for _ in range(10)
        )
    )
    assert sorted(s.status_code for s in scans) == [200] + [409] * 9
    ok = next(s for s in scans if s.status_code == 200).json()
    assert ok["member"] == {"name_masked": "张**", "department": "财政局"}
    assert ok["booking"]["status"] == "checked_in"
    for scan in scans:
        if scan.status_code == 409:
            assert assert_error(scan, 409, "invalid_state")["details"]["state"] == "checked_in"
    stored = await GymBooking.get(id=row["id"])
    assert stored.status == "checked_in" and stored.checked_in_at is not None
    assert await GymVoucher.filter(booking_id=row["id"], used_at__isnull=False).count() == 1
    assert (await booking.get(reservation_id=stored.reservation_id or 0)).status == "completed"
    # a fresh voucher of a checked-in booking is refused too
    again = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/voucher", headers=member.with_headers(**at("17:40"))
    )
    assert_error(again, 409, "invalid_state")


async def test_expired_unknown_and_other_gyms_vouchers_are_404(client):
    admin, gym, sessions = await make_gym(client)
    _admin2, other_gym, _s = await make_gym(client)
    member = await make_user()
    row = (await book(client, member, sessions[0]["id"])).json()
    voucher = await _checked_voucher(client, member, row["id"], at("17:45"))
    mine, theirs = (
        await desk_key(client, admin, gym["id"]),
        await desk_key(client, admin, other_gym["id"]),
    )
    url = "/api/v1/gym/desk/checkin"
    other = await client.post(
        url, json={"code": voucher["code"]}, headers={**theirs, **at("17:45")}
    )
    assert_error(other, 404, "not_found")
    unknown = await client.post(url, json={"code": "x" * 32}, headers={**mine, **at("17:45")})
    assert_error(unknown, 404, "not_found")
    late = await client.post(url, json={"code": voucher["code"]}, headers={**mine, **at("17:46")})
    assert_error(late, 404, "not_found")  # 60 s later
    assert (await GymBooking.get(id=row["id"])).status == "confirmed"
    nul = await client.post(url, json={"code": "a\x00b"}, headers={**mine, **at("17:45")})
    assert_error(nul, 400, "invalid_input")


async def test_a_desk_key_opens_only_the_desk_and_revocation_is_immediate(client):
    admin, gym, _sessions = await make_gym(client)
    desk = await desk_key(client, admin, gym["id"])
    for method, path in [
        ("get", "/api/v1/gym/gyms"),
        ("get", "/api/v1/gym/quota"),
        ("get", "/api/v1/gym/bookings"),
        ("get", "/api/v1/me"),
        ("get", f"/api/v1/admin/gym/settlement?month={MONTH}"),
        ("post", f"/api/v1/admin/gym/gyms/{gym['id']}/desk-keys"),
        ("get", "/api/v1/notifications"),
    ]:
        response = await getattr(client, method)(path, headers=desk)
        assert_error(response, 401, "unauthorized")
    member = await make_user()
    staff_on_desk = await client.post(
        "/api/v1/gym/desk/checkin", json={"code": "abc"}, headers=member.headers
    )
    assert_error(staff_on_desk, 401, "unauthorized")
    admin_on_desk = await client.post(
        "/api/v1/gym/desk/checkin", json={"code": "abc"}, headers=admin.headers
    )
    assert_error(admin_on_desk, 401, "unauthorized")
    issued = await client.post(
        f"/api/v1/admin/gym/gyms/{gym['id']}/desk-keys", headers=admin.headers
    )
    key_id, key = issued.json()["id"], issued.json()["key"]
    stored = await GymDeskKey.get(id=key_id)
    assert key not in stored.key_hash and len(stored.key_hash) == 64
    headers = {"Authorization": f"Bearer {key}"}
    probe = await client.post("/api/v1/gym/desk/checkin", json={"code": "abc"}, headers=headers)
    assert_error(probe, 404, "not_found")  # authenticated: the code is unknown
    revoked = await client.post(
        f"/api/v1/admin/gym/desk-keys/{key_id}/revoke", headers=admin.headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = await client.post("/api/v1/gym/desk/checkin", json={"code": "abc"}, headers=headers)
    assert_error(after, 401, "unauthorized")
    member_revoke = await client.post(
        f"/api/v1/admin/gym/desk-keys/{key_id}/revoke", headers=member.headers
    )
    assert_error(member_revoke, 403, "forbidden")


# --- jobs and settlement -----------------------------------------------------------


async def test_no_show_job_and_settlement_json_and_xlsx(client):
    admin, gym, sessions = await make_gym(client, sessions=3)
    a, b, c = await make_user(), await make_user(), await make_user()
    ra = (await book(client, a, sessions[0]["id"])).json()
    rb = (await book(client, b, sessions[1]["id"])).json()
    rc = (await book(client, c, sessions[2]["id"])).json()
    voucher = await _checked_voucher(client, a, ra["id"], at("17:50"))
    desk = await desk_key(client, admin, gym["id"])
    done = await client.post(
        "/api/v1/gym/desk/checkin", json={"code": voucher["code"]}, headers={**desk, **at("17:50")}
    )
    assert done.status_code == 200
    late = await client.post(
        f"/api/v1/gym/bookings/{rc['id']}/cancel", headers=c.with_headers(**at("17:00"))
    )
    assert late.json()["status"] == "late_cancelled"
    walk = await client.post(
        "/api/v1/gym/visits", json={"gym_id": gym["id"]}, headers=c.with_headers(**at("19:00"))
    )
    wv = await _checked_voucher(client, c, walk.json()["id"], at("19:00"))
    await client.post(
        "/api/v1/gym/desk/checkin", json={"code": wv["code"]}, headers={**desk, **at("19:00")}
    )
    await gym_jobs.mark_no_shows(now=moment("18:49"))
    assert (await GymBooking.get(id=rb["id"])).status == "confirmed"
    await gym_jobs.mark_no_shows(now=moment("18:50"))
    assert (await GymBooking.get(id=rb["id"])).status == "no_show"
    assert (await GymBooking.get(id=ra["id"])).status == "checked_in"
    response = await client.get(
        f"/api/v1/admin/gym/settlement?month={MONTH}", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    mine = next(i for i in response.json()["items"] if i["gym"]["id"] == gym["id"])
    assert mine == {
        "gym": {"id": gym["id"], "name": gym["name"]},
        "check_ins": 2,
        "walk_ins": 1,
        "classes": 1,
        "late_cancels": 1,
        "no_shows": 1,
        "billable": 4,
    }
    xlsx = await client.get(
        f"/api/v1/admin/gym/settlement?month={MONTH}&format=xlsx", headers=admin.headers
    )
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "场馆" and rows[-1][0] == "合计"
    assert (gym["name"], 2, 1, 1, 1, 1, 4) in rows
    bad = await client.get("/api/v1/admin/gym/settlement?month=2026-13", headers=admin.headers)
    assert_error(bad, 400, "invalid_input")
    member = await make_user()
    denied = await client.get(f"/api/v1/admin/gym/settlement?month={MONTH}", headers=member.headers)
    assert_error(denied, 403, "forbidden")
