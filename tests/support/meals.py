"""Helpers of the meals tests: menus with pickup slots, order bodies, placing orders."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import Actor, make_user

DAY = "2026-12-01"
DEADLINE = "2026-12-01T10:00:00+08:00"
BEFORE = {"X-Test-Now": "2026-12-01T09:00:00+08:00"}
# At the till during the first pickup slot of DAY: the till serves only that day's orders.
AT_PICKUP = {"X-Test-Now": "2026-12-01T11:35:00+08:00"}


def slot_specs(count: int, capacity: int, *, day: str = DAY) -> list[dict[str, Any]]:
    """`count` 15-minute pickup windows from 11:30 on `day`."""
    out = []
    for index in range(count):
        minutes = 11 * 60 + 30 + 15 * index
        end = minutes + 15
        out.append(
            {
                "start": f"{day}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00",
                "end": f"{day}T{end // 60:02d}:{end % 60:02d}:00+08:00",
                "capacity": capacity,
            }
        )
    return out


async def make_menu(
    client: Any,
    *,
    dishes: list[tuple[str, int, int]] | None = None,
    slots: list[dict[str, Any]] | None = None,
    per_user_limit: int = 1,
    deadline: str = DEADLINE,
    day: str = DAY,
) -> dict[str, Any]:
    """A fresh menu (its own canteen name, so tests never share one), created by an admin."""
    admin = await make_user("admin")
    body = {
        "date": day,
        "meal": "lunch",
        "canteen": f"测试食堂{uuid.uuid4().hex[:8]}",
        "order_deadline": deadline,
        "per_user_limit": per_user_limit,
        "dishes": [
            {"name": n, "price_fen": p, "stock": s}
            for n, p, s in (dishes or [("红烧肉", 1200, 100), ("米饭", 50, 500)])
        ],
        "slots": slots if slots is not None else slot_specs(2, 10),
    }
    response = await client.post("/api/v1/admin/meals/menus", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()


def order_body(
    menu: dict[str, Any], *, slot: int = 0, lines: list[tuple[int, int]] | None = None, **extra: Any
) -> dict[str, Any]:
    """An order for the menu's slot index `slot`, lines as (dish index, qty)."""
    return {
        "menu_id": menu["id"],
        "slot_id": menu["slots"][slot]["id"],
        "items": [{"dish_id": menu["dishes"][d]["id"], "qty": q} for d, q in (lines or [(0, 1)])],
        "pickup": "dine_in",
        **extra,
    }


async def place(
    client: Any, actor: Actor, body: dict[str, Any], now: dict[str, str] = BEFORE
) -> Any:
    return await client.post("/api/v1/meals/orders", json=body, headers=actor.with_headers(**now))


async def fetch_menu(client: Any, actor: Actor, menu_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/meals/menus/{menu_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def served_order(client: Any) -> tuple[Actor, int]:
    """(the eater, the id) of an order placed on a fresh menu and redeemed at the canteen."""
    menu = await make_menu(client)
    eater, canteen = await make_user(), await make_user("canteen")
    order = (await place(client, eater, order_body(menu))).json()
    served = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": order["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert served.status_code == 200, served.text
    return eater, order["id"]
