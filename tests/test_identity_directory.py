"""The admin's staff directory over HTTP: finding entries by employee number or name, by
role and activity, page by page; and deactivating one entry, which cuts its access."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import Actor, assert_error, make_user

API = "/api/v1"


async def search(client: Any, admin: Actor, **params: Any) -> Any:
    return await client.get(f"{API}/admin/staff", params=params, headers=admin.headers)


async def test_admin_finds_entries_by_number_or_name_role_and_activity(client):
    admin = await make_user("admin")
    tag = uuid.uuid4().hex[:6].upper()
    imported = await client.post(
        f"{API}/admin/staff",
        json={
            "items": [
                {"employee_no": f"{tag}01", "name": "周一鸣", "department": "财政局", "roles": ["canteen"]},
                {"employee_no": f"{tag}02", "name": "吴二", "department": "税务局", "roles": []},
                {"employee_no": f"{tag}03", "name": "郑三%", "department": "税务局", "roles": ["guard"],
                 "active": False},
            ]
        },
        headers=admin.headers,
    )  # fmt: skip
    assert imported.json() == {"created": 3, "updated": 0}

    found = await search(client, admin, q=tag.lower())
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [i["employee_no"] for i in items] == [f"{tag}01", f"{tag}02", f"{tag}03"]
    assert items[0] == {
        "id": items[0]["id"],
        "employee_no": f"{tag}01",
        "name": "周一鸣",
        "department": "财政局",
        "roles": ["staff", "canteen"],
        "active": True,
        "bound": False,
    }
    by_name = await search(client, admin, q="一鸣")
    assert f"{tag}01" in [i["employee_no"] for i in by_name.json()["items"]]
    canteen = await search(client, admin, q=tag, role="canteen")
    assert [i["employee_no"] for i in canteen.json()["items"]] == [f"{tag}01"]
    inactive = await search(client, admin, q=tag, active="false")
    assert [i["employee_no"] for i in inactive.json()["items"]] == [f"{tag}03"]
    # `%` is a character to find, not a wildcard.
    percent = await search(client, admin, q="三%")
    assert [i["employee_no"] for i in percent.json()["items"]] == [f"{tag}03"]

    first = await search(client, admin, q=tag, limit=2)
    assert len(first.json()["items"]) == 2 and first.json()["next_cursor"]
    rest = await search(client, admin, q=tag, limit=2, cursor=first.json()["next_cursor"])
    assert [i["employee_no"] for i in rest.json()["items"]] == [f"{tag}03"]
    assert rest.json()["next_cursor"] is None

    assert_error(await search(client, admin, role="boss"), 400, "invalid_input")
    assert_error(await search(client, admin, active="maybe"), 400, "invalid_input")
    assert_error(await search(client, admin, cursor="garbage!"), 400, "invalid_input")


async def test_admin_deactivates_one_entry_and_its_access_stops(client):
    admin = await make_user("admin")
    person = await make_user("guard", name="冯四", department="保卫处")
    seen = await search(client, admin, q=person.employee_no)
    assert seen.json()["items"][0]["bound"] is True
    assert (await client.get(f"{API}/me", headers=person.headers)).status_code == 200

    entry = {
        "employee_no": person.employee_no,
        "name": "冯四",
        "department": "保卫处",
        "roles": ["guard"],
        "active": False,
    }
    done = await client.post(f"{API}/admin/staff", json={"items": [entry]}, headers=admin.headers)
    assert done.json() == {"created": 0, "updated": 1}
    assert_error(await client.get(f"{API}/me", headers=person.headers), 401, "unauthorized")
    after = (await search(client, admin, q=person.employee_no)).json()["items"][0]
    assert after["active"] is False and after["roles"] == ["staff", "guard"]

    staff = await make_user()
    assert_error(await search(client, staff, q="x"), 403, "forbidden")
