"""The wash bay through the booking engine, and the car-wash jobs (API.md §8)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from demo import carwash as carwash_demo
from models.carwash import Card, WashBooking
from models.notifications import Notice
from services.carwash import bay, cards
from tests.support import assert_error, make_user
from tests.support.carwash import active_card

_days = iter(range(400, 4000, 3))


_near = iter(range(1, 7))


def near_day() -> date:
    """A day within the test tokens' life (time-travel tests), each used once."""
    return datetime.now(UTC).date() + timedelta(days=next(_near))


def a_day() -> date:
    """A weekday far enough ahead that no other test uses it."""
    return datetime.now(UTC).date() + timedelta(days=next(_days))


async def open_day(client, admin, day: date, bays: int = 2) -> list[dict]:
    body = {
        "date": day.isoformat(),
        "open_from": "08:00",
        "open_to": "10:00",
        "slot_minutes": 30,
        "bays": bays,
    }
    response = await client.post("/api/v1/admin/carwash/slots", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()["items"]


async def test_slots_bookings_limit_full_cancel(client, fake_pay):
    admin = await make_user("admin")
    day = a_day()
    slots = await open_day(client, admin, day, bays=1)
    assert [s["start"][11:16] for s in slots] == ["08:00", "08:30", "09:00", "09:30"]
    assert all(s["capacity"] == 1 and s["available"] == 1 for s in slots)
    again = await client.post(
        "/api/v1/admin/carwash/slots",
        json={
            "date": day.isoformat(),
            "open_from": "08:00",
            "open_to": "10:00",
            "slot_minutes": 30,
            "bays": 1,
        },
        headers=admin.headers,
    )
    assert_error(again, 409, "conflict")

    users = [await make_user() for _ in range(3)]
    cards_ = [await active_card(client, fake_pay, admin, u) for u in users]

    def body(i: int, slot: dict) -> dict:
        return {"slot_id": slot["id"], "card_id": cards_[i]["id"], "plate": "粤B0000" + str(i)}

    answers = await asyncio.gather(
        *[
            client.post(
                "/api/v1/carwash/bookings", json=body(i, slots[0]), headers=users[i].headers
            )
            for i in range(3)
        ]
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert_error(next(a for a in answers if a.status_code == 409), 409, "slot_full")
    assert await WashBooking.filter(slot_id=slots[0]["id"], status="confirmed").count() == 1
    winner = next(i for i, a in enumerate(answers) if a.status_code == 201)
    second = await client.post(
        "/api/v1/carwash/bookings", json=body(winner, slots[1]), headers=users[winner].headers
    )
    assert_error(second, 409, "limit_reached")  # one live booking per user per day

    booking_id = answers[winner].json()["id"]
    other = await make_user()
    assert_error(
        await client.post(f"/api/v1/carwash/bookings/{booking_id}/cancel", headers=other.headers),
        404,
        "not_found",
    )
    cancelled = await client.post(
        f"/api/v1/carwash/bookings/{booking_id}/cancel", headers=users[winner].headers
    )
    assert cancelled.json()["status"] == "cancelled"
    listed = await client.get(f"/api/v1/carwash/slots?date={day}", headers=users[0].headers)
    assert listed.json()["items"][0]["available"] == 1
    loser = next(i for i in range(3) if i != winner)
    assert (
        await client.post(
            "/api/v1/carwash/bookings", json=body(loser, slots[0]), headers=users[loser].headers
        )
    ).status_code == 201


async def test_booking_needs_a_usable_card_and_a_future_slot(client, fake_pay):
    admin, user = await make_user("admin"), await make_user()
    day = a_day()
    slots = await open_day(client, admin, day)
    card = await active_card(client, fake_pay, admin, user)
    await Card.filter(id=card["id"]).update(status="expired")
    refused = await client.post(
        "/api/v1/carwash/bookings",
        json={"slot_id": slots[0]["id"], "card_id": card["id"], "plate": "粤B1"},
        headers=user.headers,
    )
    assert assert_error(refused, 409, "invalid_state")["details"]["state"] == "expired"
    await Card.filter(id=card["id"]).update(status="active")
    late = datetime.fromisoformat(slots[0]["start"]) + timedelta(minutes=1)
    too_late = await client.post(
        "/api/v1/carwash/bookings",
        json={"slot_id": slots[0]["id"], "card_id": card["id"], "plate": "粤B1"},
        headers=user.with_headers(**{"X-Test-Now": late.isoformat()}),
    )
    assert_error(too_late, 409, "too_late")


async def test_redeeming_during_the_slot_marks_the_booking_washed(client, fake_pay):
    admin, user, attendant = await make_user("admin"), await make_user(), await make_user("carwash")
    slots = await open_day(client, admin, near_day())
    card = await active_card(client, fake_pay, admin, user)
    made = await client.post(
        "/api/v1/carwash/bookings",
        json={"slot_id": slots[1]["id"], "card_id": card["id"], "plate": "粤B7"},
        headers=user.headers,
    )
    during = {
        "X-Test-Now": (datetime.fromisoformat(slots[1]["start"]) + timedelta(minutes=3)).isoformat()
    }
    code = (
        await client.post(
            f"/api/v1/carwash/cards/{card['id']}/code", headers=user.with_headers(**during)
        )
    ).json()
    done = await client.post(
        "/api/v1/carwash/redeem",
        json={"code": code["code"]},
        headers=attendant.with_headers(**during),
    )
    assert done.status_code == 200, done.text
    row = await WashBooking.get(id=made.json()["id"])
    assert row.status == "washed"
    mine = (await client.get("/api/v1/carwash/bookings", headers=user.headers)).json()["items"]
    assert mine[0]["status"] == "washed" and mine[0]["plate"] == "粤B7"


async def test_no_show_released_ten_minutes_after_start(client, fake_pay):
    admin, user = await make_user("admin"), await make_user()
    day = a_day()
    slots = await open_day(client, admin, day, bays=1)
    card = await active_card(client, fake_pay, admin, user)
    made = await client.post(
        "/api/v1/carwash/bookings",
        json={"slot_id": slots[0]["id"], "card_id": card["id"], "plate": "粤B9"},
        headers=user.headers,
    )
    start = datetime.fromisoformat(slots[0]["start"])
    await bay.release_no_shows(now=start + timedelta(minutes=9))
    assert (await WashBooking.get(id=made.json()["id"])).status == "confirmed"
    await bay.release_no_shows(now=start + timedelta(minutes=10))
    assert (await WashBooking.get(id=made.json()["id"])).status == "no_show"
    listed = await client.get(f"/api/v1/carwash/slots?date={day}", headers=user.headers)
    assert listed.json()["items"][0]["available"] == 1
    assert await Notice.filter(user_id=user.user_id, kind="carwash_no_show").count() == 1


async def test_expiry_reminder_then_expiry(client, fake_pay):
    admin, user = await make_user("admin"), await make_user()
    card = await active_card(client, fake_pay, admin, user, valid_days=30)
    expires = datetime.fromisoformat(card["expires_at"])
    await cards.remind_expiring(now=expires - timedelta(days=8))
    assert await Notice.filter(user_id=user.user_id, kind="carwash_expiring").count() == 0
    await cards.remind_expiring(now=expires - timedelta(days=6))
    await cards.remind_expiring(now=expires - timedelta(days=5))
    assert await Notice.filter(user_id=user.user_id, kind="carwash_expiring").count() == 1
    await cards.expire_cards(now=expires - timedelta(seconds=1))
    assert (await Card.get(id=card["id"])).status == "active"
    await cards.expire_cards(now=expires)
    assert (await Card.get(id=card["id"])).status == "expired"
    assert await Notice.filter(user_id=user.user_id, kind="carwash_expired").count() == 1


async def test_seed_demo_is_idempotent(client):
    from demo import DEMO_STAFF
    from services import identity

    rows = [
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in DEMO_STAFF
    ]
    now = datetime(2040, 3, 5, 9, 0, tzinfo=UTC)  # a Monday beyond the other tests' days
    await identity.import_staff(rows=rows, now=now)
    first = await carwash_demo.seed(now=now)
    second = await carwash_demo.seed(now=now)
    assert any("S0001" in line for line in first)
    assert not any("S0001" in line for line in second)
    listed = await client.get("/api/v1/carwash/card-types", headers=(await make_user()).headers)
    assert {"10次洗车卡", "20次洗车卡"} <= {t["name"] for t in listed.json()["items"]}
    assert len(await bay.list_slots(day=date(2040, 3, 5))) == 20
    # The demo card was never paid through WeChat Pay: its refund is refused by WeChat
    # (a 4xx), which is the client's 409, not an outage (a 503), and changes nothing.
    from demo import demo_account

    owner = await demo_account("S0001")
    token = await identity.issue_token(user_id=owner.id, now=datetime.now(UTC))
    card = await Card.filter(owner_id=owner.id, status="active").first()
    assert card is not None
    refused = await client.post(
        f"/api/v1/carwash/cards/{card.id}/refund", headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(refused, 409, "conflict")
    again = await Card.get(id=card.id)
    assert (again.status, again.washes_left) == ("active", card.washes_left)
