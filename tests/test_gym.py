"""Gym alliance over HTTP (API.md §10): gyms, classes, booking, quota, cancel cutoffs,
waitlist promotion, walk-ins, vouchers and the desk check-in, settlement.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from demo import gym as gym_demo
from models.gym import GymBooking
from models.notifications import Notice
from tests.support import assert_error, make_user
from tests.support.gym import EARLY, MONTH, NEXT_WEEK, at, book, make_gym, moment, quota_used

# --- gyms and sessions -------------------------------------------------------------


async def test_admin_publishes_gym_and_weekly_sessions_members_list_them(client):
    _admin, gym, sessions = await make_gym(client, sessions=2, capacity=12, weeks=3)
    assert set(gym) == {"id", "name", "address", "offer", "open_hours", "walk_in", "active"}
    assert gym["open_hours"] == "06:00-22:00"
    assert len(sessions) == 6  # 2 classes x 3 weeks
    member = await make_user()
    response = await client.get("/api/v1/gym/gyms", headers=member.headers)
    assert response.status_code == 200
    assert gym["id"] in [g["id"] for g in response.json()["items"]]
    response = await client.get(
        f"/api/v1/gym/gyms/{gym['id']}/sessions?date={NEXT_WEEK}", headers=member.headers
    )
    items = response.json()["items"]
    assert [(s["name"], s["start"]) for s in items] == [
        ("动感单车0", f"{NEXT_WEEK}T18:00:00+08:00"),
        ("动感单车1", f"{NEXT_WEEK}T18:00:00+08:00"),
    ]
    assert set(items[0]) == {
        "id", "gym", "name", "coach", "start", "end", "capacity", "booked", "available", "waitlist",
    }  # fmt: skip
    assert (items[0]["capacity"], items[0]["booked"], items[0]["available"]) == (12, 0, 12)
    assert items[0]["gym"] == {"id": gym["id"], "name": gym["name"]}


async def test_only_admins_manage_gyms_and_bad_input_is_400(client):
    member = await make_user()
    body = {"name": "x", "address": "y", "offer": "z", "open_hours": "06:00-22:00"}
    response = await client.post("/api/v1/admin/gym/gyms", json=body, headers=member.headers)
    assert_error(response, 403, "forbidden")
    admin = await make_user("admin")
    bad = {**body, "open_hours": "22:00-06:00"}
    error = assert_error(
        await client.post("/api/v1/admin/gym/gyms", json=bad, headers=admin.headers),
        400,
        "invalid_input",
    )
    assert "open_hours" in error["details"]["fields"]
    _a, gym, _s = await make_gym(client)
    edge = {
        "sessions": [
            {"name": "瑜伽", "coach": "李", "start": "9999-12-31T23:00:00-10:00",
             "end": "9999-12-31T23:30:00-10:00", "capacity": 5}
        ],
        "weeks": 1,
    }  # fmt: skip
    response = await client.post(
        f"/api/v1/admin/gym/gyms/{gym['id']}/sessions", json=edge, headers=admin.headers
    )
    assert_error(response, 400, "invalid_input")
    response = await client.get(f"/api/v1/gym/gyms/{2**40}/sessions", headers=member.headers)
    assert_error(response, 404, "not_found")
    response = await book(client, member, 2**40)
    assert_error(response, 400, "invalid_input")


# --- booking and the quota ----------------------------------------------------------


async def test_book_a_class_spends_one_visit_and_shows_in_mine(client):
    _admin, _gym, sessions = await make_gym(client)
    member = await make_user()
    response = await book(client, member, sessions[0]["id"])
    assert response.status_code == 201, response.text
    row = response.json()
    assert (row["kind"], row["status"], row["position"]) == ("class", "confirmed", None)
    assert row["session"]["booked"] == 1
    response = await client.get("/api/v1/gym/quota", headers=member.with_headers(**EARLY))
    assert response.json() == {"month": MONTH, "quota": 8, "used": 1, "left": 7}
    again = await book(client, member, sessions[0]["id"])
    assert_error(again, 409, "limit_reached")
    mine = (await client.get("/api/v1/gym/bookings", headers=member.headers)).json()
    assert [b["id"] for b in mine["items"]] == [row["id"]]
    assert await quota_used(member.user_id) == 1


async def test_quota_refuses_the_ninth_visit_of_the_month(client):
    _admin, _gym, sessions = await make_gym(client, sessions=9)
    member = await make_user()
    for session in sessions[:8]:
        assert (await book(client, member, session["id"])).status_code == 201
    error = assert_error(await book(client, member, sessions[8]["id"]), 409, "limit_reached")
    assert error["details"]["quota"] == 8
    assert await GymBooking.filter(user_id=member.user_id).count() == 8


async def test_booking_closes_at_the_start(client):
    _admin, _gym, sessions = await make_gym(client)
    member = await make_user()
    assert_error(await book(client, member, sessions[0]["id"], at("18:00")), 409, "too_late")
    assert await quota_used(member.user_id) == 0


async def test_idempotent_booking_replays_the_first_answer(client):
    _admin, _gym, sessions = await make_gym(client)
    member = await make_user()
    headers = member.with_headers(**EARLY, **{"Idempotency-Key": "gym-key-1"})
    body = {"session_id": sessions[0]["id"]}
    first = await client.post("/api/v1/gym/bookings", json=body, headers=headers)
    second = await client.post("/api/v1/gym/bookings", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert await GymBooking.filter(user_id=member.user_id).count() == 1
    assert await quota_used(member.user_id) == 1


# --- cancel cutoffs ----------------------------------------------------------------


async def test_cancel_more_than_two_hours_before_gives_the_visit_back(client):
    _admin, _gym, sessions = await make_gym(client)
    member = await make_user()
    row = (await book(client, member, sessions[0]["id"])).json()
    response = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/cancel", headers=member.with_headers(**at("15:59"))
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["session"]["booked"] == 0
    assert await quota_used(member.user_id) == 0


async def test_late_cancel_frees_the_place_but_spends_the_visit(client):
    _admin, _gym, sessions = await make_gym(client, capacity=1)
    member, other = await make_user(), await make_user()
    row = (await book(client, member, sessions[0]["id"])).json()
    response = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/cancel", headers=member.with_headers(**at("16:00"))
    )
    assert response.json()["status"] == "late_cancelled"
    assert await quota_used(member.user_id) == 1
    assert (await book(client, other, sessions[0]["id"], at("16:10"))).status_code == 201
    again = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/cancel", headers=member.with_headers(**at("16:20"))
    )
    assert_error(again, 409, "invalid_state")


async def test_cancel_after_start_is_too_late_and_others_cannot_cancel(client):
    _admin, _gym, sessions = await make_gym(client)
    member, stranger = await make_user(), await make_user()
    row = (await book(client, member, sessions[0]["id"])).json()
    response = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/cancel", headers=stranger.with_headers(**EARLY)
    )
    assert_error(response, 404, "not_found")
    response = await client.post(
        f"/api/v1/gym/bookings/{row['id']}/cancel", headers=member.with_headers(**at("18:05"))
    )
    assert_error(response, 409, "too_late")


# --- waitlist and promotion -------------------------------------------------------


async def test_waitlist_is_promoted_with_a_notice_until_one_hour_before(client):
    _admin, _gym, sessions = await make_gym(client, capacity=1)
    first, waiting = await make_user(), await make_user()
    booked = (await book(client, first, sessions[0]["id"])).json()
    full = await book(client, waiting, sessions[0]["id"])
    assert_error(full, 409, "slot_full")
    response = await book(client, waiting, sessions[0]["id"], waitlist=True)
    assert response.status_code == 202, response.text
    wait = response.json()
    assert (wait["status"], wait["position"]) == ("waitlisted", 1)
    assert await quota_used(waiting.user_id) == 1  # a waitlist entry holds its visit
    response = await client.post(
        f"/api/v1/gym/bookings/{booked['id']}/cancel", headers=first.with_headers(**at("16:59"))
    )
    assert response.json()["status"] == "late_cancelled"
    promoted = await GymBooking.get(id=wait["id"])
    assert promoted.status == "confirmed"
    notices = await Notice.filter(user_id=waiting.user_id, kind="gym_promoted")
    assert len(notices) == 1 and "候补成功" in notices[0].title


async def test_no_promotion_within_one_hour_of_the_start(client):
    _admin, _gym, sessions = await make_gym(client, capacity=1)
    first, waiting = await make_user(), await make_user()
    booked = (await book(client, first, sessions[0]["id"])).json()
    wait = (await book(client, waiting, sessions[0]["id"], waitlist=True)).json()
    response = await client.post(
        f"/api/v1/gym/bookings/{booked['id']}/cancel", headers=first.with_headers(**at("17:00"))
    )
    assert response.status_code == 200
    assert (await GymBooking.get(id=wait["id"])).status == "waitlisted"
    assert not await Notice.filter(user_id=waiting.user_id, kind="gym_promoted").exists()
    # the freed place goes to whoever books it now; a late waitlist request is refused
    late = await make_user()
    assert (await book(client, late, sessions[0]["id"], at("17:10"))).status_code == 201
    refused = await book(client, await make_user(), sessions[0]["id"], at("17:20"), waitlist=True)
    assert_error(refused, 409, "slot_full")
    # at the start, the job ends the waitlist entry and gives its visit back
    from jobs import gym as gym_jobs

    await gym_jobs.expire_waitlists(now=moment("18:00"))
    assert (await GymBooking.get(id=wait["id"])).status == "expired"
    assert await quota_used(waiting.user_id) == 0


async def test_seed_demo_is_idempotent_and_its_classes_are_bookable(client):

    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=8, minute=0)
    first = await gym_demo.seed(now=now)
    second = await gym_demo.seed(now=now)
    assert first[0].startswith("gym alliance") and second == [second[0]]  # no new key twice
    member = await make_user()
    gyms = (await client.get("/api/v1/gym/gyms", headers=member.headers)).json()["items"]
    yoga = next(g for g in gyms if g["name"].startswith("悦心瑜伽馆"))
    day = now.date().isoformat()
    response = await client.get(
        f"/api/v1/gym/gyms/{yoga['id']}/sessions?date={day}", headers=member.headers
    )
    sessions = response.json()["items"]
    assert [s["name"] for s in sessions] == ["流瑜伽", "阴瑜伽"]
    booked = await book(client, member, sessions[1]["id"], {"X-Test-Now": now.isoformat()})
    assert booked.status_code == 201, booked.text
