"""`GET /repairs/crew`: the lead's assign picker lists active, bound facility crew with
their open load, and nobody else may read it."""

from __future__ import annotations

from models.identity import Staff
from tests.support import assert_error, make_user

URL = "/api/v1/repairs/crew"


async def test_lists_bound_active_crew_with_their_open_tickets(client):
    lead = await make_user("facility_lead")
    busy, idle, gone = [await make_user("facility") for _ in range(3)]
    staff = await make_user("staff")
    ticket = await client.post(
        "/api/v1/repairs",
        json={"category": "plumbing", "location": "A座3楼", "description": "水龙头漏水"},
        headers=staff.headers,
    )
    assert ticket.status_code == 201, ticket.text
    assigned = await client.post(
        f"/api/v1/repairs/{ticket.json()['id']}/assign",
        json={"assignee_id": busy.user_id},
        headers=lead.headers,
    )
    assert assigned.status_code == 200, assigned.text
    await Staff.filter(id=gone.staff_id).update(active=False)

    response = await client.get(URL, headers=lead.headers)
    assert response.status_code == 200, response.text
    members = {m["id"]: m for m in response.json()["items"]}
    assert members[busy.user_id]["open_tickets"] == 1
    assert members[idle.user_id]["open_tickets"] == 0
    assert set(members[idle.user_id]) == {"id", "name", "department", "open_tickets"}
    assert gone.user_id not in members
    assert lead.user_id not in members and staff.user_id not in members


async def test_only_leads_may_read_it(client):
    for roles in (("staff",), ("facility",)):
        someone = await make_user(*roles)
        assert_error(await client.get(URL, headers=someone.headers), 403, "forbidden")
    assert_error(await client.get(URL), 401, "unauthorized")
