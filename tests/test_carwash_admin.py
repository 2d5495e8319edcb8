"""Car wash for admins and the station over HTTP: every card type (inactive ones
included) and editing one without touching cards already sold; the station's day of
bay bookings and washes, names masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.carwash import Card
from tests.support import Actor, assert_error, make_user
from tests.support.carwash import active_card, buy, card_type

API = "/api/v1"
# A past day no other test opens (tokens are valid from now on, so clocks set in the
# past are fine): the wash day is unique per date.
DAY = datetime.now(UTC).date() - timedelta(days=40)


async def patch(client: Any, admin: Actor, type_id: int, body: dict[str, Any]) -> Any:
    return await client.patch(
        f"{API}/admin/carwash/card-types/{type_id}", json=body, headers=admin.headers
    )


async def test_admin_lists_every_card_type_and_stops_selling_one(client, fake_pay):
    admin, buyer, late = await make_user("admin"), await make_user(), await make_user()
    kind = await card_type(client, admin, washes=10, price_fen=20000)
    card = await active_card(client, fake_pay, admin, buyer)  # of another type
    pending = await buy(client, late, kind["id"])

    changed = await patch(client, admin, kind["id"], {"price_fen": 18000, "washes": 12})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["price_fen"], changed.json()["washes"]) == (18000, 12)
    # The purchase already under way keeps what it was sold with.
    row = await Card.get(id=pending["card"]["id"])
    assert (row.amount_fen, row.washes_total) == (20000, 10)

    stopped = await patch(client, admin, kind["id"], {"active": False})
    assert stopped.json()["active"] is False
    on_sale = await client.get(f"{API}/carwash/card-types", headers=buyer.headers)
    assert kind["id"] not in {t["id"] for t in on_sale.json()["items"]}
    everything = await client.get(f"{API}/admin/carwash/card-types", headers=admin.headers)
    assert stopped.json() in everything.json()["items"]
    mine = await client.get(f"{API}/carwash/cards/{card['id']}", headers=buyer.headers)
    assert mine.json()["status"] == "active"

    assert_error(await patch(client, admin, kind["id"], {}), 400, "invalid_input")
    assert_error(await patch(client, admin, kind["id"], {"washes": 0}), 400, "invalid_input")
    assert_error(await patch(client, admin, 2_000_000_000, {"active": True}), 404, "not_found")


async def test_the_station_sees_the_days_bookings_and_washes_with_names_masked(client, fake_pay):
    admin, attendant = await make_user("admin"), await make_user("carwash")
    washer, booker = await make_user(name="王小二"), await make_user(name="李四")
    opened = await client.post(
        f"{API}/admin/carwash/slots",
        json={
            "date": DAY.isoformat(),
            "open_from": "08:00",
            "open_to": "10:00",
            "slot_minutes": 30,
            "bays": 2,
        },
        headers=admin.headers,
    )
    assert opened.status_code == 201, opened.text
    slots = opened.json()["items"]
    card = await active_card(client, fake_pay, admin, washer)
    other = await active_card(client, fake_pay, admin, booker)
    before = {"X-Test-Now": f"{(DAY - timedelta(days=1)).isoformat()}T12:00:00+08:00"}
    first = await client.post(
        f"{API}/carwash/bookings",
        json={"slot_id": slots[1]["id"], "card_id": card["id"], "plate": "粤B12345"},
        headers=washer.with_headers(**before),
    )
    second = await client.post(
        f"{API}/carwash/bookings",
        json={"slot_id": slots[0]["id"], "card_id": other["id"], "plate": "粤A54321"},
        headers=booker.with_headers(**before),
    )
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    during = {"X-Test-Now": slots[1]["start"][:16] + ":30+08:00"}
    code = await client.post(
        f"{API}/carwash/cards/{card['id']}/code", headers=washer.with_headers(**during)
    )
    washed = await client.post(
        f"{API}/carwash/redeem",
        json={"code": code.json()["code"], "plate": "粤B12345"},
        headers=attendant.with_headers(**during),
    )
    assert washed.status_code == 200, washed.text

    response = await client.get(
        f"{API}/carwash/desk/bookings", params={"date": DAY.isoformat()}, headers=attendant.headers
    )
    assert response.status_code == 200, response.text
    day = response.json()
    assert day["date"] == DAY.isoformat()
    assert [(b["id"], b["plate"], b["name_masked"], b["status"]) for b in day["items"]] == [
        (second.json()["id"], "粤A54321", "李*", "confirmed"),
        (first.json()["id"], "粤B12345", "王**", "washed"),
    ]
    assert day["items"][0]["slot"] == {
        "id": slots[0]["id"],
        "start": slots[0]["start"],
        "end": slots[0]["end"],
    }
    (wash,) = [w for w in day["washes"] if w["booking_id"] == first.json()["id"]]
    assert (wash["plate"], wash["name_masked"], wash["washes_left"]) == ("粤B12345", "王**", 9)
    assert wash["washed_at"] == during["X-Test-Now"]
    assert "王小二" not in response.text and "李四" not in response.text

    empty = await client.get(
        f"{API}/carwash/desk/bookings", params={"date": "2031-01-01"}, headers=attendant.headers
    )
    assert empty.json()["items"] == [] and empty.json()["washes"] == []
    staff = await make_user()
    assert_error(
        await client.get(f"{API}/carwash/desk/bookings", headers=staff.headers), 403, "forbidden"
    )
