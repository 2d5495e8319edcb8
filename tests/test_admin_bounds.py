"""Every date and amount an admin sends is bounded: a 400 naming the field, never a 500
from arithmetic at the calendar's ends, and money only as a JSON integer."""

from __future__ import annotations

import uuid

from tests.support import assert_error, make_user
from tests.support.gym import make_gym

API = "/api/v1"


async def test_gym_sessions_near_the_end_of_the_calendar_are_refused(client):
    admin, gym, _ = await make_gym(client)
    for start, end in (
        ("9999-12-20T18:00:00+08:00", "9999-12-20T18:50:00+08:00"),
        ("0001-01-01T18:00:00", "0001-01-01T18:50:00"),
    ):
        body = {
            "sessions": [
                {"name": "瑜伽", "coach": "李教练", "start": start, "end": end, "capacity": 5}
            ],
            "weeks": 12,
        }
        response = await client.post(
            f"{API}/admin/gym/gyms/{gym['id']}/sessions", json=body, headers=admin.headers
        )
        fields = assert_error(response, 400, "invalid_input")["details"]["fields"]
        assert {"sessions.0.start", "sessions.0.end"} <= set(fields), fields


async def test_wash_slots_for_year_one_are_refused(client):
    admin = await make_user("admin")
    for day in ("0001-01-01", "9999-12-31"):
        body = {
            "date": day,
            "open_from": "09:00",
            "open_to": "12:00",
            "slot_minutes": 30,
            "bays": 2,
        }
        response = await client.post(f"{API}/admin/carwash/slots", json=body, headers=admin.headers)
        fields = assert_error(response, 400, "invalid_input")["details"]["fields"]
        assert "date" in fields


async def test_a_card_price_is_a_json_integer(client):
    admin = await make_user("admin")
    body = {"name": f"十次卡{uuid.uuid4().hex[:6]}", "washes": 10, "valid_days": 365}
    for price in (2000.0, "2000", 2000.5, True):
        response = await client.post(
            f"{API}/admin/carwash/card-types",
            json={**body, "price_fen": price},
            headers=admin.headers,
        )
        assert "price_fen" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    created = await client.post(
        f"{API}/admin/carwash/card-types", json={**body, "price_fen": 2000}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"{API}/admin/carwash/card-types/{created.json()['id']}",
        json={"price_fen": "3000"},
        headers=admin.headers,
    )
    assert "price_fen" in assert_error(patched, 400, "invalid_input")["details"]["fields"]


async def test_day_queries_outside_the_calendar_are_400(client):
    admin = await make_user("admin")
    staff = await make_user()
    for url, who in (
        (f"{API}/carwash/slots?date=0001-01-01", staff),
        (f"{API}/carwash/slots?date=9999-12-31", staff),
        (f"{API}/carwash/desk/bookings?date=0001-01-01", admin),
    ):
        response = await client.get(url, headers=who.headers)
        assert_error(response, 400, "invalid_input")
