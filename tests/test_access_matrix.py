"""BOLA and role matrices generated from the route table.

Every route the app serves is walked, so a route added tomorrow is covered the day it
is added: without a token (401 unless public), as an unbound account (403 not_bound
unless allowed), as plain staff on a role-guarded route (403 forbidden), and as a
second user on every id route pointing at the first user's objects (never 2xx: 404
for objects, 403 for roles). An id parameter this test does not know fails the test,
so whoever adds one must say whose object it names.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from services import notifications
from tests.support import assert_error, make_unbound_user, make_user
from tests.support.duty import a_day, clock, new_service, open_day
from tests.support.meals import BEFORE, make_menu, order_body
from tests.support.meetings import at, book, new_room
from tests.support.repairs import image_bytes, upload
from tests.support.visitors import pass_body

API = "/api/v1"
TICKET = {"category": "hvac", "location": "A座1楼", "description": "灯不亮", "photo_ids": []}
PURCHASE = {
    "title": "打印纸",
    "reason": "日常办公",
    "category": "office",
    "items": [{"name": "A4复印纸", "spec": "", "qty": 1, "unit": "包", "unit_price_fen": 2450}],
}
# Parameters naming shared things rather than someone's object (a gym of the catalogue,
# an admin's desk key, a room, a card type, a duty-station service: their routes are covered
# by the role matrix).
SHARED = {
    "menu_id",
    "category",
    "gym_id",
    "key_id",
    "title_id",
    "barcode",
    "survey_id",
    "service_id",
    "room_id",
    "card_type_id",
    "team_id",
    "standard_id",
}
# Objects whose owner needs a whole flow to exist (a paid card, a team's rectification, a
# loan): their strangers' 404 is proven by the domain's own tests, named here so that a
# new id parameter still has to be placed somewhere.
PROVEN_ELSEWHERE = {
    "card_id": "tests/test_carwash.py::test_others_cannot_see_or_use_my_card",
    "out_trade_no": "tests/test_carwash.py::test_others_cannot_see_or_use_my_card",
    "rectification_id": "tests/test_assessment_flow.py (a stranger: 404 whatever the action)",
    "photo_id": "tests/test_assessment_flow.py::test_an_inspection_photo_is_seen_only_by_inspectors_and_the_team",
    "loan_id": "tests/test_library.py::test_self_checkout_return_and_renew",
    "hold_id": "tests/test_library.py::test_hold_on_shelf_copy_is_ready_at_once_and_cancel_passes_it_on",
}
# Routes behind a partner gym's desk key, not a staff token (API.md §10).
DESK = ("gym_desk",)


def _routes(app) -> list[tuple[str, Any]]:
    found = []
    for route in app.router.routes:
        if route.path.startswith("api/"):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                found.append((method, route))
    return found


def _url(route: Any, values: dict[str, str]) -> str:
    """The route with its parameters filled (unknown ones get "1": the role and token
    matrices refuse before any lookup)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return values.get(name, "1")

    return "/" + re.sub(r"<([^>]+)>", fill, route.path)


@pytest.fixture(scope="module")
async def owner_objects(client):
    """One object of each kind, all owned by one staff member."""
    await client.get(f"{API}/health")
    owner, admin = await make_user(), await make_user("admin")
    ticket = await client.post(f"{API}/repairs", json=TICKET, headers=owner.headers)
    visitor_pass = await client.post(
        f"{API}/visitors/passes", json=pass_body(), headers=owner.headers
    )
    menu = await make_menu(client)
    order = await client.post(
        f"{API}/meals/orders", json=order_body(menu), headers=owner.with_headers(**BEFORE)
    )
    room = await new_room(client, admin)
    booking = await book(client, owner, room["id"], at("09:00"), at("10:00"))
    photo = await upload(client, owner, image_bytes())
    purchase = await client.post(
        f"{API}/procurement/requests", json=PURCHASE, headers=owner.headers
    )
    duty_service = await new_service(client, admin, mode="appointment")
    duty_day = a_day()
    duty_slots = await open_day(client, admin, duty_day, {duty_service["id"]: 1})
    appointment = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": duty_service["id"], "slot_id": duty_slots[-1]["id"]},
        headers=clock(owner, duty_day, "08:00"),
    )
    notice_id = await notifications.notify(
        user_id=owner.user_id,
        kind="repair_new",
        title="测试",
        body="测试通知",
        now=datetime.now(UTC),
    )
    for response in (ticket, visitor_pass, order, booking, photo, purchase, appointment):
        assert response.status_code in (200, 201), response.text
    ids = {
        "ticket_id": ticket.json()["id"],
        "pass_id": visitor_pass.json()["id"],
        "order_id": order.json()["id"],
        "booking_id": booking.json()["id"],
        "booking_ics": f"{booking.json()['id']}.ics",
        "upload_id": photo.json()["id"],
        "notice_id": notice_id,
        "request_id": purchase.json()["id"],
        "menu_id": menu["id"],
        "category": "hvac",
        "gym_id": 1,
        "key_id": 1,
        "title_id": 1,
        "barcode": "NO-SUCH-COPY",
        "survey_id": 1,
        "appointment_id": appointment.json()["id"],
        "service_id": duty_service["id"],
        "room_id": room["id"],
        "card_type_id": 1,
        "team_id": 1,
        "standard_id": 1,
    }
    return owner, {name: str(value) for name, value in ids.items()}


async def test_every_route_refuses_missing_tokens_and_unbound_accounts(client, app, owner_objects):
    _, ids = owner_objects
    _, unbound = await make_unbound_user()
    checked = 0
    for method, route in _routes(app):
        guard = route.handler.__guard__
        if guard == ("public",):
            continue
        url = _url(route, ids)
        assert_error(await client.request(method, url), 401, "unauthorized")
        if url.endswith(("/me", "/auth/bind", "/auth/logout")):
            continue  # allowed unbound (API.md §2: an unbound account may leave too)
        response = await client.request(method, url, headers=unbound, json={})
        if guard == DESK:  # a staff token is no desk key
            assert_error(response, 401, "unauthorized")
        else:
            assert_error(response, 403, "not_bound")
        checked += 1
    assert checked >= 40


async def test_role_guarded_routes_refuse_plain_staff(client, app, owner_objects):
    _, ids = owner_objects
    staff = await make_user()
    guarded = 0
    for method, route in _routes(app):
        roles = route.handler.__guard__
        if roles in (("public",), ("any",)):
            continue
        response = await client.request(method, _url(route, ids), headers=staff.headers, json={})
        if roles == DESK:
            assert_error(response, 401, "unauthorized")
        else:
            assert_error(response, 403, "forbidden")
        guarded += 1
    assert guarded >= 10


async def test_no_route_shows_or_changes_another_users_object(client, app, owner_objects):
    owner, ids = owner_objects
    stranger = await make_user()
    checked = 0
    for method, route in _routes(app):
        names = [name.split(":")[0] for name in re.findall(r"<([^>]+)>", route.path)]
        if not names:
            continue
        unknown = [name for name in names if name not in ids and name not in PROVEN_ELSEWHERE]
        assert not unknown, f"{route.path}: say whose object {unknown} names (owner_objects)"
        if set(names) <= SHARED or set(names) & set(PROVEN_ELSEWHERE):
            continue
        url = _url(route, ids)
        response = await client.request(
            method, url, headers=stranger.with_headers(**BEFORE), json={}
        )
        assert response.status_code in (400, 403, 404), (
            method,
            url,
            response.status_code,
            response.text,
        )
        if response.status_code == 400:
            # A body error answered before the lookup: send the owner's own valid request
            # shape is not possible generically, so at least it must not leak the object.
            assert str(owner.user_id) not in response.text, response.text
        checked += 1
    assert checked >= 20
    # The owner still sees each object (the matrix did not break them).
    for path in (
        "/repairs/{ticket_id}",
        "/visitors/passes/{pass_id}",
        "/meals/orders/{order_id}",
        "/procurement/requests/{request_id}",
        "/duty/appointments/{appointment_id}",
    ):
        response = await client.get(API + path.format(**ids), headers=owner.headers)
        assert response.status_code == 200, (path, response.text)


# The desk and admin routes behind the role screens, with the roles that may call them:
# every other role is refused with 403 whatever it sends, and the allowed ones are never
# refused by role (admin passes every guard).
ROLE_ROUTES: list[tuple[str, str, set[str]]] = [
    ("GET", "/admin/staff", {"admin"}),
    ("GET", "/admin/meals/menus", {"admin"}),
    ("PATCH", "/admin/meals/menus/1", {"admin"}),
    ("GET", "/admin/rooms", {"admin"}),
    ("PATCH", "/admin/rooms/1", {"admin"}),
    ("GET", "/admin/gym/gyms", {"admin"}),
    ("PATCH", "/admin/gym/gyms/1", {"admin"}),
    ("GET", "/admin/gym/gyms/1/desk-keys", {"admin"}),
    ("GET", "/admin/carwash/card-types", {"admin"}),
    ("PATCH", "/admin/carwash/card-types/1", {"admin"}),
    ("GET", "/admin/assessment/teams", {"admin"}),
    ("PATCH", "/admin/assessment/teams/1", {"admin"}),
    ("GET", "/admin/assessment/standards", {"admin"}),
    ("PATCH", "/admin/assessment/standards/1", {"admin"}),
    ("GET", "/admin/assessment/surveys", {"admin"}),
    ("POST", "/admin/library/titles/1/copies", {"librarian", "admin"}),
    ("GET", "/gate/passes?q=王", {"guard", "admin"}),
    ("POST", "/gate/passes/1/admit", {"guard", "admin"}),
    ("GET", "/carwash/desk/bookings", {"carwash", "admin"}),
    ("GET", "/canteen/menus/1/orders", {"canteen", "admin"}),
]


async def test_desk_and_admin_routes_admit_exactly_their_roles(client):
    from models.identity import ROLES

    actors = {role: await make_user(role) for role in ROLES}
    for method, path, allowed in ROLE_ROUTES:
        for role, actor in actors.items():
            response = await client.request(method, API + path, headers=actor.headers, json={})
            if role in allowed:
                assert response.status_code != 403, (method, path, role, response.text)
            else:
                assert_error(response, 403, "forbidden")
