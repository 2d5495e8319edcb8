"""Repair tickets over HTTP: the whole walk, notices, listing, concurrency, bad input."""

from __future__ import annotations

import asyncio

from models.repairs import Rating, Ticket, TicketEvent
from server import resources
from tests.support import assert_error, make_user
from tests.support.repairs import act, at, drive, make_cast, new_ticket, notices


async def test_report_assign_start_resolve_confirm_rate(client):
    cast = await make_cast()
    ticket = await new_ticket(client, cast, category="plumbing", location="B座1楼 东侧卫生间")
    assert ticket["status"] == "open"
    assert ticket["requester"] == {"id": cast.requester.user_id, "name": "报修人"}
    assert ticket["assignee"] is None and ticket["rating"] is None
    assert [e["action"] for e in ticket["events"]] == ["report"]
    assert ticket["created_at"].endswith("+08:00")
    tid = ticket["id"]
    assert await notices(cast.lead, tid, "repair_new")

    steps = [
        ("assign", cast.lead, {"assignee_id": cast.fixer.user_id}, "assigned"),
        ("start", cast.fixer, None, "in_progress"),
        ("resolve", cast.fixer, {"note": "疏通了下水管"}, "resolved"),
        ("confirm", cast.requester, None, "closed"),
        ("rating", cast.requester, {"score": 5, "comment": "很及时"}, "closed"),
    ]
    for path, actor, body, status in steps:
        response = await client.post(
            f"/api/v1/repairs/{tid}/{path}", json=body, headers=actor.headers
        )
        assert response.status_code == 200, (path, response.text)
        assert response.json()["status"] == status

    final = (await client.get(f"/api/v1/repairs/{tid}", headers=cast.requester.headers)).json()
    assert final["assignee"] == {"id": cast.fixer.user_id, "name": "维修工甲"}
    assert final["rating"] == {"score": 5, "comment": "很及时"}
    assert [e["action"] for e in final["events"]] == [
        "report",
        "assign",
        "start",
        "resolve",
        "confirm",
        "rate",
    ]
    assert final["events"][3]["note"] == "疏通了下水管"
    assert final["events"][1]["actor"]["id"] == cast.lead.user_id
    assert final["events"][1]["note"] == "指派给 维修工甲"
    assert final["resolved_at"] is not None

    # The other party hears of every step.
    assert [n.kind for n in await notices(cast.fixer, tid)] == [
        "repair_assigned",
        "repair_closed",
        "repair_rated",
    ]
    assert [n.kind for n in await notices(cast.requester, tid)] == [
        "repair_assigned",
        "repair_started",
        "repair_resolved",
    ]
    # The assignee, the lead and an admin see it; others get 404.
    for viewer in (cast.fixer, cast.lead, cast.admin):
        assert (
            await client.get(f"/api/v1/repairs/{tid}", headers=viewer.headers)
        ).status_code == 200
    for outsider in (cast.stranger, cast.other_crew):
        assert_error(
            await client.get(f"/api/v1/repairs/{tid}", headers=outsider.headers), 404, "not_found"
        )


async def test_reopen_goes_back_to_the_assignee_and_cancel_stops_the_work(client):
    cast = await make_cast()
    resolved = await drive(client, cast, "resolved")
    response = await act(client, resolved["id"], "reopen", cast.requester, cast)
    assert response.json()["status"] == "in_progress"
    assert response.json()["resolved_at"] is None
    assert response.json()["events"][-1] == {
        "at": response.json()["events"][-1]["at"],
        "actor": {"id": cast.requester.user_id, "name": "报修人"},
        "action": "reopen",
        "note": "还是不亮",
        "photos": [],
    }
    assert await notices(cast.fixer, resolved["id"], "repair_reopened")

    assigned = await drive(client, cast, "assigned")
    response = await act(client, assigned["id"], "cancel", cast.requester, cast)
    assert response.json()["status"] == "cancelled"
    assert await notices(cast.fixer, assigned["id"], "repair_cancelled")


async def test_unassigned_crew_member_cannot_resolve_or_start(client):
    cast = await make_cast()
    ticket = await drive(client, cast, "in_progress")
    # Another crew member cannot even see it: 404, and nothing changes.
    response = await act(client, ticket["id"], "resolve", cast.other_crew, cast)
    assert_error(response, 404, "not_found")
    # The lead can see it but is not the assignee: 403.
    assert_error(await act(client, ticket["id"], "resolve", cast.lead, cast), 403, "forbidden")
    assert (await Ticket.get(id=ticket["id"])).status == "in_progress"


async def test_assign_checks_the_assignee_is_crew(client):
    cast = await make_cast()
    ticket = await new_ticket(client, cast)
    for wrong in (cast.stranger.user_id, cast.lead.user_id, 2**31 - 1):
        response = await client.post(
            f"/api/v1/repairs/{ticket['id']}/assign",
            json={"assignee_id": wrong},
            headers=cast.lead.headers,
        )
        error = assert_error(response, 400, "invalid_input")
        assert "assignee_id" in error["details"]["fields"]
    assert (await Ticket.get(id=ticket["id"])).status == "open"
    # Re-dispatch from in_progress goes back to assigned with the new crew member.
    await act(client, ticket["id"], "assign", cast.lead, cast)
    await act(client, ticket["id"], "start", cast.fixer, cast)
    response = await client.post(
        f"/api/v1/repairs/{ticket['id']}/assign",
        json={"assignee_id": cast.other_crew.user_id},
        headers=cast.lead.headers,
    )
    assert response.json()["status"] == "assigned"
    assert response.json()["assignee"]["id"] == cast.other_crew.user_id
    assert await notices(cast.other_crew, ticket["id"], "repair_assigned")
    assert len(await notices(cast.fixer, ticket["id"], "repair_assigned")) == 2  # told both times
    assert_error(await act(client, ticket["id"], "start", cast.fixer, cast), 404, "not_found")


async def test_bad_bodies_are_400_with_fields_and_change_nothing(client):
    cast = await make_cast()
    before = await Ticket.filter(requester_id=cast.requester.user_id).count()
    bad_reports = [
        ({"location": "A座", "description": "坏了"}, "category"),
        ({"category": "garden", "location": "A座", "description": "坏了"}, "category"),
        ({"category": "it", "location": "   ", "description": "坏了"}, "location"),
        ({"category": "it", "location": "A座", "description": ""}, "description"),
        ({"category": "it", "location": "A座", "description": "x", "photo_ids": "1"}, "photo_ids"),
        (
            {"category": "it", "location": "A座", "description": "x", "photo_ids": [1] * 10},
            "photo_ids",
        ),
        ({"category": "it", "location": "A" * 129, "description": "x"}, "location"),
        ({"category": "it", "location": "A座", "description": "x", "urgent": True}, "urgent"),
    ]
    for body, field in bad_reports:
        response = await client.post("/api/v1/repairs", json=body, headers=cast.requester.headers)
        assert field in assert_error(response, 400, "invalid_input")["details"]["fields"], body
    raw = await client.post(
        "/api/v1/repairs",
        content=b"{not json",
        headers=cast.requester.with_headers(**{"Content-Type": "application/json"}),
    )
    assert "body" in assert_error(raw, 400, "invalid_input")["details"]["fields"]
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == before

    ticket = await drive(client, cast, "in_progress")
    tid = ticket["id"]
    cases = [
        ("assign", cast.lead, {"assignee_id": "abc"}, "assignee_id"),
        ("assign", cast.lead, {}, "assignee_id"),
        ("resolve", cast.fixer, {}, "note"),
        ("resolve", cast.fixer, {"note": "  "}, "note"),
        ("resolve", cast.fixer, None, "body"),
    ]
    for path, actor, body, field in cases:
        response = await client.post(
            f"/api/v1/repairs/{tid}/{path}", json=body, headers=actor.headers
        )
        assert field in assert_error(response, 400, "invalid_input")["details"]["fields"], body
    await act(client, tid, "resolve", cast.fixer, cast)
    for body, field in [
        ({"score": 6}, "score"),
        ({"score": 0}, "score"),
        ({"score": "5"}, "score"),
        ({"score": 4.5}, "score"),
        ({"score": 5, "comment": "好" * 501}, "comment"),
        ({"reason": ""}, "reason"),
    ]:
        path = "reopen" if "reason" in body else "rating"
        response = await client.post(
            f"/api/v1/repairs/{tid}/{path}", json=body, headers=cast.requester.headers
        )
        assert field in assert_error(response, 400, "invalid_input")["details"]["fields"], body
    assert (await Ticket.get(id=tid)).status == "resolved"
    assert not await Rating.filter(ticket_id=tid).exists()
    # Ids that cannot exist are 404, never a database error.
    for path in ("/api/v1/repairs/99999999999999999999", "/api/v1/repairs/0"):
        assert_error(await client.get(path, headers=cast.requester.headers), 404, "not_found")


async def test_listing_scopes_filters_and_cursor_pages(client):
    cast = await make_cast()
    mine = [await new_ticket(client, cast, description=f"第{i}个") for i in range(5)]
    await act(client, mine[0]["id"], "assign", cast.lead, cast)
    await act(client, mine[1]["id"], "cancel", cast.requester, cast)

    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/repairs?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=cast.requester.headers)).json()
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted((t["id"] for t in mine), reverse=True) and pages == 3

    opened = await client.get("/api/v1/repairs?status=open", headers=cast.requester.headers)
    assert {t["status"] for t in opened.json()["items"]} == {"open"}
    assert len(opened.json()["items"]) == 3
    several = await client.get(
        "/api/v1/repairs?status=open,cancelled", headers=cast.requester.headers
    )
    assert len(several.json()["items"]) == 4

    assigned = await client.get("/api/v1/repairs?scope=assigned", headers=cast.fixer.headers)
    assert [t["id"] for t in assigned.json()["items"]] == [mine[0]["id"]]
    everything = await client.get("/api/v1/repairs?scope=all&limit=100", headers=cast.lead.headers)
    assert {t["id"] for t in mine} <= {t["id"] for t in everything.json()["items"]}
    # Others see none of them in their own list.
    other = await client.get("/api/v1/repairs", headers=cast.stranger.headers)
    assert other.json() == {"items": [], "next_cursor": None}

    assert_error(
        await client.get("/api/v1/repairs?scope=all", headers=cast.fixer.headers), 403, "forbidden"
    )
    assert_error(
        await client.get("/api/v1/repairs?scope=assigned", headers=cast.stranger.headers),
        403,
        "forbidden",
    )
    for query, field in [
        ("scope=everyone", "scope"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("status=broken", "status"),
        ("cursor=%%%", "cursor"),
        ("cursor=dDotNQ", "cursor"),
    ]:
        response = await client.get(f"/api/v1/repairs?{query}", headers=cast.requester.headers)
        assert field in assert_error(response, 400, "invalid_input")["details"]["fields"], query


async def test_idempotent_report_under_concurrent_replays(client):
    cast = await make_cast()
    body = {
        "category": "hvac",
        "location": "C座5楼 512室",
        "description": "空调不制热",
        "photo_ids": [],
    }
    headers = cast.requester.with_headers(**{"Idempotency-Key": "report-512-hvac"})
    responses = await asyncio.gather(
        *(client.post("/api/v1/repairs", json=body, headers=headers) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == 1
    keys = [k async for k in resources.redis().scan_iter(f"idem:{cast.requester.user_id}:*")]
    assert len(keys) == 1
    changed = await client.post(
        "/api/v1/repairs", json={**body, "description": "空调漏水"}, headers=headers
    )
    assert_error(changed, 409, "idempotency_mismatch")
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == 1


async def test_concurrent_confirm_and_reopen_only_one_wins(client):
    cast = await make_cast()
    ticket = await drive(client, cast, "resolved")
    tasks = [act(client, ticket["id"], a, cast.requester, cast) for a in ("confirm", "reopen") * 5]
    responses = await asyncio.gather(*tasks)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] in ("invalid_state", "conflict")
    events = await TicketEvent.filter(
        ticket_id=ticket["id"], action__in=("confirm", "reopen")
    ).count()
    assert events == 1


async def test_rating_is_accepted_once_under_concurrency(client):
    cast = await make_cast()
    ticket = await drive(client, cast, "resolved")
    responses = await asyncio.gather(
        *(act(client, ticket["id"], "rate", cast.requester, cast) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict")
    assert await Rating.filter(ticket_id=ticket["id"]).count() == 1
    assert await TicketEvent.filter(ticket_id=ticket["id"], action="rate").count() == 1
    # Still once after it is closed.
    await act(client, ticket["id"], "confirm", cast.requester, cast)
    assert_error(await act(client, ticket["id"], "rate", cast.requester, cast), 409, "conflict")


async def test_two_leads_dispatching_at_once_leave_one_assignee(client):
    cast = await make_cast()
    second_lead = await make_user("facility_lead")
    ticket = await new_ticket(client, cast)
    responses = await asyncio.gather(
        client.post(
            f"/api/v1/repairs/{ticket['id']}/assign",
            json={"assignee_id": cast.fixer.user_id},
            headers=cast.lead.headers,
        ),
        client.post(
            f"/api/v1/repairs/{ticket['id']}/assign",
            json={"assignee_id": cast.other_crew.user_id},
            headers=second_lead.headers,
        ),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes in ([200, 200], [200, 409])
    stored = await Ticket.get(id=ticket["id"])
    events = await TicketEvent.filter(ticket_id=ticket["id"], action="assign").order_by("id")
    assert len(events) == codes.count(200)
    assert stored.assignee_id in (cast.fixer.user_id, cast.other_crew.user_id)


async def test_categories_and_their_deadlines(client):
    cast = await make_cast()
    listed = (await client.get("/api/v1/repairs/categories", headers=cast.requester.headers)).json()
    assert [c["category"] for c in listed["items"]] == [
        "electrical",
        "plumbing",
        "hvac",
        "it",
        "furniture",
        "other",
    ]
    response = await client.put(
        "/api/v1/repairs/categories/furniture",
        json={"resolve_within_minutes": 600},
        headers=cast.requester.headers,
    )
    assert_error(response, 403, "forbidden")
    response = await client.put(
        "/api/v1/repairs/categories/garden",
        json={"resolve_within_minutes": 600},
        headers=cast.lead.headers,
    )
    assert_error(response, 404, "not_found")
    response = await client.put(
        "/api/v1/repairs/categories/furniture",
        json={"resolve_within_minutes": 5},
        headers=cast.lead.headers,
    )
    assert (
        "resolve_within_minutes"
        in assert_error(response, 400, "invalid_input")["details"]["fields"]
    )
    try:
        response = await client.put(
            "/api/v1/repairs/categories/furniture",
            json={"resolve_within_minutes": 600},
            headers=cast.lead.headers,
        )
        assert response.json()["resolve_within_minutes"] == 600
        ticket = await client.post(
            "/api/v1/repairs",
            json={"category": "furniture", "location": "B座4楼", "description": "桌腿松动"},
            headers=cast.requester.with_headers(**at(0)),
        )
        from datetime import datetime, timedelta

        created = datetime.fromisoformat(ticket.json()["created_at"])
        assert datetime.fromisoformat(ticket.json()["due_at"]) - created == timedelta(hours=10)
    finally:
        await client.put(
            "/api/v1/repairs/categories/furniture",
            json={"resolve_within_minutes": 72 * 60},
            headers=cast.lead.headers,
        )


async def test_ids_beyond_a_database_integer_are_invalid_input_and_change_nothing(client):
    """PostgreSQL cannot even bind 2**40 to an INT column: that must be a 400, not a 500."""
    cast = await make_cast()
    before = await Ticket.filter(requester_id=cast.requester.user_id).count()
    huge = 2**40
    report = await client.post(
        "/api/v1/repairs",
        json={"category": "it", "location": "A座", "description": "电脑坏了", "photo_ids": [huge]},
        headers=cast.requester.headers,
    )
    assert "photo_ids.0" in assert_error(report, 400, "invalid_input")["details"]["fields"]
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == before
    ticket = await new_ticket(client, cast)
    assign = await client.post(
        f"/api/v1/repairs/{ticket['id']}/assign",
        json={"assignee_id": huge},
        headers=cast.lead.headers,
    )
    assert "assignee_id" in assert_error(assign, 400, "invalid_input")["details"]["fields"]
    assert (await Ticket.get(id=ticket["id"])).status == "open"


async def test_a_cursor_past_a_database_integer_is_invalid_input(client):
    """A forged cursor with an id PostgreSQL cannot bind is a 400, not a 500."""
    import base64

    cast = await make_cast()
    for last_id in (2**31, 99999999999):
        cursor = base64.urlsafe_b64encode(f"t:{last_id}".encode()).decode().rstrip("=")
        got = await client.get(f"/api/v1/repairs?cursor={cursor}", headers=cast.requester.headers)
        assert "cursor" in assert_error(got, 400, "invalid_input")["details"]["fields"]
