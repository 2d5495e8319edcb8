"""The admin's catalogue lists and edits that the admin screens need: assessment teams,
standards (checklists) and surveys, and new copies of a title already in the library."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from models.assessment import Team
from models.library import Copy, Hold
from models.notifications import Notice
from server.clock import local
from tests.support import assert_error, make_user
from tests.support.assessment import T0, fresh_month, inspect, make_crew
from tests.support.library import hold, librarian, make_title, new_barcodes, readers

API = "/api/v1"


# --- assessment teams ----------------------------------------------------------------------


async def test_admin_lists_and_edits_a_team(client):
    crew = await make_crew(client)
    listed = await client.get(f"{API}/admin/assessment/teams", headers=crew.admin.headers)
    assert listed.status_code == 200, listed.text
    assert crew.team in listed.json()["items"]
    url = f"{API}/admin/assessment/teams/{crew.team['id']}"
    new_name = f"改名团队{uuid.uuid4().hex[:6]}"
    response = await client.patch(
        url,
        json={
            "name": f"  {new_name} ",
            "contracted_headcount": 12,
            "contacts": [crew.contact.employee_no],
        },
        headers=crew.admin.headers,
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited == {
        **crew.team,
        "name": new_name,
        "contracted_headcount": 12,
        "contacts": [crew.contact.employee_no],
    }
    stored = await Team.get(id=crew.team["id"])
    assert (stored.name, stored.contracted_headcount, stored.contacts, stored.service) == (
        new_name,
        12,
        [crew.contact.employee_no],
        crew.team["service"],
    )
    # The dropped contact no longer sees the team's rectifications' list as theirs.
    inspection = await inspect(client, crew)
    seen = await client.get(f"{API}/assessment/rectifications", headers=crew.lead_contact.headers)
    assert [r for r in seen.json()["items"] if r["inspection_id"] == inspection["id"]] == []


async def test_team_edit_refusals(client):
    crew = await make_crew(client)
    other = await make_crew(client)
    url = f"{API}/admin/assessment/teams/{crew.team['id']}"
    admin = crew.admin.headers
    assert_error(await client.patch(url, json={}, headers=admin), 400, "invalid_input")
    response = await client.patch(url, json={"service": "security"}, headers=admin)
    assert "service" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    response = await client.patch(url, json={"contacts": ["NO-SUCH-1"]}, headers=admin)
    assert "contacts" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    response = await client.patch(url, json={"contracted_headcount": 0}, headers=admin)
    assert (
        "contracted_headcount" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    )
    assert_error(
        await client.patch(url, json={"name": other.team["name"]}, headers=admin), 409, "conflict"
    )
    for missing in (2**31, 999_999_999):
        assert_error(
            await client.patch(
                f"{API}/admin/assessment/teams/{missing}", json={"name": "x"}, headers=admin
            ),
            404,
            "not_found",
        )
    for who in (crew.inspector, crew.lead_contact):
        assert_error(
            await client.patch(url, json={"name": "x"}, headers=who.headers), 403, "forbidden"
        )
    assert (await Team.get(id=crew.team["id"])).name == crew.team["name"]


# --- standards -----------------------------------------------------------------------------


async def test_new_points_count_only_for_inspections_made_after(client):
    crew = await make_crew(client)
    costly = crew.standards[2]  # 5 points
    before = await inspect(client, crew, failed=(2,))
    assert before["deducted"] == 5
    url = f"{API}/admin/assessment/standards/{costly['id']}"
    response = await client.patch(
        url, json={"points": 10, "text": "垃圾桶每日清运两次"}, headers=crew.admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**costly, "points": 10, "text": "垃圾桶每日清运两次"}
    after = await inspect(client, crew, failed=(2,), minutes=5)
    assert after["deducted"] == 10
    listed = await client.get(
        f"{API}/assessment/inspections",
        params={"team_id": crew.team["id"]},
        headers=crew.inspector.headers,
    )
    by_id = {i["id"]: i for i in listed.json()["items"]}
    assert by_id[before["id"]]["deducted"] == 5
    assert [r["points"] for r in by_id[before["id"]]["results"]] == [0, 0, 5]
    assert by_id[after["id"]]["deducted"] == 10
    # The month's board adds the points as they were when each inspection was made.
    month = f"{local(T0):%Y-%m}"
    board = await client.get(
        f"{API}/admin/assessment/scores", params={"month": month}, headers=crew.admin.headers
    )
    mine = [t for t in board.json()["items"] if t["team"]["id"] == crew.team["id"]]
    assert mine[0]["deductions"] == 15
    # The admin list shows the checklist as it is now.
    listed = await client.get(
        f"{API}/admin/assessment/standards",
        params={"service": "cleaning"},
        headers=crew.admin.headers,
    )
    assert {**costly, "points": 10, "text": "垃圾桶每日清运两次"} in listed.json()["items"]


async def test_standard_edit_refusals(client):
    crew = await make_crew(client)
    first, second = crew.standards[0], crew.standards[1]
    url = f"{API}/admin/assessment/standards/{first['id']}"
    admin = crew.admin.headers
    assert_error(await client.patch(url, json={}, headers=admin), 400, "invalid_input")
    response = await client.patch(url, json={"points": 101}, headers=admin)
    assert "points" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    response = await client.patch(url, json={"service": "security"}, headers=admin)
    assert "service" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    assert_error(
        await client.patch(url, json={"code": second["code"]}, headers=admin), 409, "conflict"
    )
    assert_error(
        await client.patch(
            f"{API}/admin/assessment/standards/{2**31}", json={"points": 1}, headers=admin
        ),
        404,
        "not_found",
    )
    assert_error(
        await client.patch(url, json={"points": 1}, headers=crew.inspector.headers),
        403,
        "forbidden",
    )
    assert_error(
        await client.get(f"{API}/admin/assessment/standards", headers=crew.inspector.headers),
        403,
        "forbidden",
    )


# --- surveys -------------------------------------------------------------------------------


async def test_admin_lists_surveys_newest_first_with_response_counts(client):
    admin = await make_user("admin")
    people = [await make_user() for _ in range(2)]
    made = []
    for _ in range(2):
        body = {
            "month": fresh_month(),
            "questions": [{"service": "catering", "text": "饭菜可口吗？"}],
            "opens": (T0 - timedelta(days=1)).isoformat(),
            "closes": (T0 + timedelta(days=1)).isoformat(),
        }
        response = await client.post(
            f"{API}/admin/assessment/surveys", json=body, headers=admin.headers
        )
        assert response.status_code == 201, response.text
        made.append(response.json())
    survey = made[1]
    question = survey["questions"][0]["id"]
    for person in people:
        answered = await client.post(
            f"{API}/assessment/surveys/{survey['id']}/responses",
            json={"answers": [{"question_id": question, "score": 5}]},
            headers={**person.headers, "X-Test-Now": T0.isoformat()},
        )
        assert answered.status_code == 201, answered.text
    listed = await client.get(
        f"{API}/admin/assessment/surveys", params={"limit": 100}, headers=admin.headers
    )
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    ids = [s["id"] for s in items]
    assert ids == sorted(ids, reverse=True)
    by_id = {s["id"]: s for s in items}
    assert by_id[made[0]["id"]] == {**made[0], "responses": 0}
    assert by_id[survey["id"]] == {**survey, "responses": 2}
    assert "user" not in listed.text and people[0].name not in listed.text
    # Paging: one at a time reaches both.
    seen, cursor = [], None
    while True:
        page = await client.get(
            f"{API}/admin/assessment/surveys",
            params={"limit": 1, **({"cursor": cursor} if cursor else {})},
            headers=admin.headers,
        )
        seen += [s["id"] for s in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert {made[0]["id"], survey["id"]} <= set(seen)
    assert_error(
        await client.get(f"{API}/admin/assessment/surveys", headers=people[0].headers),
        403,
        "forbidden",
    )


# --- library: copies of a known title ------------------------------------------------------


async def test_new_copies_serve_the_waiting_holds_first_then_the_shelf(client):
    lib = await librarian()
    first, second = await readers(2)
    book = await make_title(client, lib, copies=0)
    h1 = (await hold(client, first, book["id"])).json()
    h2 = (await hold(client, second, book["id"])).json()
    assert (h1["status"], h2["status"]) == ("waiting", "waiting")
    codes = new_barcodes(3)
    url = f"{API}/admin/library/titles/{book['id']}/copies"
    headers = {**lib.headers, "Idempotency-Key": uuid.uuid4().hex}
    response = await client.post(url, json={"barcodes": codes}, headers=headers)
    assert response.status_code == 201, response.text
    title = response.json()
    assert (title["copies"], title["available"], title["holds"]) == (3, 1, 0)
    ready = {h.id: h for h in await Hold.filter(id__in=[h1["id"], h2["id"]])}
    assert ready[h1["id"]].status == ready[h2["id"]].status == "ready"
    copies = {c.barcode: c.status for c in await Copy.filter(barcode__in=codes)}
    assert sorted(copies.values()) == ["available", "on_hold_shelf", "on_hold_shelf"]
    # Oldest hold first: it got the first new copy.
    first_copy = await Copy.get(barcode=codes[0])
    assert ready[h1["id"]].copy_id == first_copy.id
    assert await Notice.filter(user_id=first.user_id, kind="library_hold_ready").count() == 1
    # A retry of the same intent adds nothing.
    again = await client.post(url, json={"barcodes": codes}, headers=headers)
    assert (again.status_code, again.json()) == (201, title)
    assert await Copy.filter(title_id=book["id"]).count() == 3


async def test_new_copies_refusals_change_nothing(client):
    lib = await librarian()
    book = await make_title(client, lib, copies=1)
    url = f"{API}/admin/library/titles/{book['id']}/copies"
    fresh = new_barcodes(1)[0]
    response = await client.post(
        url, json={"barcodes": [fresh, book["barcodes"][0]]}, headers=lib.headers
    )
    assert_error(response, 409, "conflict")
    assert not await Copy.filter(barcode=fresh).exists()
    for body in ({"barcodes": []}, {"barcodes": ["坏条码"]}, {"barcodes": [fresh, fresh]}, {}):
        assert_error(await client.post(url, json=body, headers=lib.headers), 400, "invalid_input")
    for missing in (2**31, 999_999_999):
        assert_error(
            await client.post(
                f"{API}/admin/library/titles/{missing}/copies",
                json={"barcodes": [fresh]},
                headers=lib.headers,
            ),
            404,
            "not_found",
        )
    staff = await make_user()
    assert_error(
        await client.post(url, json={"barcodes": [fresh]}, headers=staff.headers),
        403,
        "forbidden",
    )
    assert await Copy.filter(title_id=book["id"]).count() == 1


async def test_concurrent_additions_of_one_barcode_create_one_copy(client):
    lib = await librarian()
    books = [await make_title(client, lib, copies=0) for _ in range(2)]
    code = new_barcodes(1)[0]
    responses = await asyncio.gather(
        *(
            client.post(
                f"{API}/admin/library/titles/{books[i % 2]['id']}/copies",
                json={"barcodes": [code]},
                headers=lib.headers,
            )
            for i in range(8)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.text for r in responses]
    assert await Copy.filter(barcode=code).count() == 1
