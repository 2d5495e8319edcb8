"""Escalation, auto-close, statistics and demo data: time is passed in, never slept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from demo import repairs as repairs_demo
from jobs import repairs as repair_jobs
from models.repairs import Escalation, Ticket, TicketEvent
from server import resources
from services import repairs
from services.identity import Principal
from tests.support import assert_error, make_user
from tests.support.repairs import T0, act, at, make_cast, notices


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


async def _report_at(client, cast, m: float, **fields) -> dict:
    payload = {
        "category": "electrical",
        "location": "A座1楼 大厅",
        "description": "照明灯闪烁",
        **fields,
    }
    response = await client.post(
        "/api/v1/repairs", json=payload, headers=cast.requester.with_headers(**at(m))
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _escalations(ticket_id: int) -> list[str]:
    return [
        e.note
        for e in await TicketEvent.filter(ticket_id=ticket_id, action="escalate").order_by("id")
    ]


async def test_unassigned_for_30_minutes_is_escalated_once(client):
    cast = await make_cast()
    ticket = await _report_at(client, cast, 0)
    await repair_jobs.escalate(now=minutes(29))
    assert await _escalations(ticket["id"]) == []
    # Two runners at once, then a later run: one escalation, one notice per lead.
    await asyncio.gather(
        repair_jobs.escalate(now=minutes(31)), repair_jobs.escalate(now=minutes(31))
    )
    await repair_jobs.escalate(now=minutes(45))
    assert await _escalations(ticket["id"]) == ["超过30分钟未派单，已上报维修主管"]
    assert await Escalation.filter(ticket_id=ticket["id"], reason="unassigned").count() == 1
    assert len(await notices(cast.lead, ticket["id"], "repair_escalated")) == 1
    # The event shows on the timeline as done by the system.
    shown = (await client.get(f"/api/v1/repairs/{ticket['id']}", headers=cast.lead.headers)).json()
    assert shown["events"][-1]["actor"] == {"id": None, "name": "系统"}
    assert shown["status"] == "open"


async def test_a_ticket_assigned_in_time_is_not_escalated_as_unassigned(client):
    cast = await make_cast()
    ticket = await _report_at(client, cast, 0)
    await act(client, ticket["id"], "assign", cast.lead, cast, **at(10))
    await repair_jobs.escalate(now=minutes(60))
    assert await _escalations(ticket["id"]) == []


async def test_unresolved_past_the_category_deadline_is_escalated_once(client):
    cast = await make_cast()
    ticket = await _report_at(client, cast, 0, category="it")  # it: 8 hours by default
    assert datetime.fromisoformat(ticket["due_at"]) == minutes(8 * 60)
    await act(client, ticket["id"], "assign", cast.lead, cast, **at(5))
    await act(client, ticket["id"], "start", cast.fixer, cast, **at(20))
    await repair_jobs.escalate(now=minutes(8 * 60 - 1))
    assert await _escalations(ticket["id"]) == []
    await repair_jobs.escalate(now=minutes(8 * 60 + 1))
    await repair_jobs.escalate(now=minutes(9 * 60))
    assert await _escalations(ticket["id"]) == ["超过该类别处理时限仍未解决，已上报维修主管"]
    assert len(await notices(cast.lead, ticket["id"], "repair_escalated")) == 1
    # A resolved ticket is not overdue.
    resolved = await _report_at(client, cast, 0, category="it")
    await act(client, resolved["id"], "assign", cast.lead, cast, **at(5))
    await act(client, resolved["id"], "start", cast.fixer, cast, **at(6))
    await act(client, resolved["id"], "resolve", cast.fixer, cast, **at(7))
    await repair_jobs.escalate(now=minutes(10 * 60))
    assert await _escalations(resolved["id"]) == []


async def test_resolved_tickets_close_after_72_hours_without_confirmation(client):
    cast = await make_cast()
    tickets = [await _report_at(client, cast, 0) for _ in range(3)]
    for ticket in tickets:
        await act(client, ticket["id"], "assign", cast.lead, cast, **at(1))
        await act(client, ticket["id"], "start", cast.fixer, cast, **at(2))
        await act(client, ticket["id"], "resolve", cast.fixer, cast, **at(60))
    quiet, confirmed, reopened = tickets
    await act(client, confirmed["id"], "confirm", cast.requester, cast, **at(70))
    await act(client, reopened["id"], "reopen", cast.requester, cast, **at(80))

    await repair_jobs.auto_close(now=minutes(60 + 72 * 60 - 1))
    assert (await Ticket.get(id=quiet["id"])).status == "resolved"
    await asyncio.gather(
        repair_jobs.auto_close(now=minutes(60 + 72 * 60)),
        repair_jobs.auto_close(now=minutes(60 + 72 * 60)),
    )
    assert (await Ticket.get(id=quiet["id"])).status == "closed"
    assert await TicketEvent.filter(ticket_id=quiet["id"], action="auto_close").count() == 1
    assert len(await notices(cast.requester, quiet["id"], "repair_closed")) == 1
    assert len(await notices(cast.fixer, quiet["id"], "repair_closed")) == 1
    assert (await Ticket.get(id=confirmed["id"])).status == "closed"
    assert not await TicketEvent.filter(ticket_id=confirmed["id"], action="auto_close").exists()
    assert (await Ticket.get(id=reopened["id"])).status == "in_progress"
    # A closed ticket can still be rated once.
    response = await act(client, quiet["id"], "rate", cast.requester, cast)
    assert response.json()["rating"] == {"score": 4, "comment": "不错"}


async def test_jobs_are_registered_for_the_scheduler():
    names = {job.name for job in repair_jobs.JOBS}
    assert {"repairs.escalate", "repairs.auto_close"} <= names
    assert all(job.every_s > 0 for job in repair_jobs.JOBS)


async def _principal(actor) -> Principal:
    return Principal(
        user_id=actor.user_id,
        staff_id=actor.staff_id,
        name=actor.name,
        roles=frozenset(actor.roles),
    )


async def test_stats_on_a_known_data_set(client):
    """Tickets resolved in March 2031 (a period no other test touches), built with now=."""
    lead = await make_user("facility_lead")
    crew_a = await make_user("facility", name="统计甲")
    crew_b = await make_user("facility", name="统计乙")
    requester = await _principal(await make_user())
    boss = await _principal(lead)
    base = datetime(2031, 3, 10, 1, 0, tzinfo=UTC)
    # (category, crew, minutes to resolve, score or None)
    plan = [
        ("electrical", crew_a, 60, 5),
        ("electrical", crew_a, 120, 3),
        ("plumbing", crew_a, 30, None),
        ("plumbing", crew_b, 90, 4),
    ]
    for i, (category, crew, took, score) in enumerate(plan):
        start = base + timedelta(days=i)
        ticket = await repairs.report(
            principal=requester,
            category=category,
            location="统计楼",
            description="统计用",
            photo_ids=[],
            now=start,
        )
        fixer = await _principal(crew)
        await repairs.act(
            ticket_id=ticket.id,
            principal=boss,
            action="assign",
            assignee_id=crew.user_id,
            now=start,
        )
        await repairs.act(ticket_id=ticket.id, principal=fixer, action="start", now=start)
        await repairs.act(
            ticket_id=ticket.id,
            principal=fixer,
            action="resolve",
            note="好了",
            now=start + timedelta(minutes=took),
        )
        if score is not None:
            await repairs.act(
                ticket_id=ticket.id,
                principal=requester,
                action="rate",
                score=score,
                now=start + timedelta(minutes=took + 5),
            )
    # Outside the period (resolved in April) and never resolved: not counted.
    late = await repairs.report(
        principal=requester,
        category="hvac",
        location="统计楼",
        description="统计用",
        photo_ids=[],
        now=datetime(2031, 4, 2, tzinfo=UTC),
    )
    await repairs.act(
        ticket_id=late.id,
        principal=boss,
        action="assign",
        assignee_id=crew_b.user_id,
        now=datetime(2031, 4, 2, tzinfo=UTC),
    )

    response = await client.get(
        "/api/v1/repairs/stats?from=2031-03-01&to=2031-03-31", headers=lead.headers
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["from"] == "2031-03-01" and figures["to"] == "2031-03-31"
    assert figures["overall"] == {
        "resolved": 4,
        "rated": 3,
        "avg_rating": 4.0,
        "avg_resolve_minutes": 75.0,
    }
    assert figures["by_assignee"] == [
        {
            "assignee": {"id": crew_a.user_id, "name": "统计甲"},
            "resolved": 3,
            "rated": 2,
            "avg_rating": 4.0,
            "avg_resolve_minutes": 70.0,
        },
        {
            "assignee": {"id": crew_b.user_id, "name": "统计乙"},
            "resolved": 1,
            "rated": 1,
            "avg_rating": 4.0,
            "avg_resolve_minutes": 90.0,
        },
    ]
    assert figures["by_category"] == [
        {
            "category": "electrical",
            "label": "电气",
            "resolved": 2,
            "rated": 2,
            "avg_rating": 4.0,
            "avg_resolve_minutes": 90.0,
        },
        {
            "category": "plumbing",
            "label": "给排水",
            "resolved": 2,
            "rated": 1,
            "avg_rating": 4.0,
            "avg_resolve_minutes": 60.0,
        },
    ]
    one_day = await client.get(
        "/api/v1/repairs/stats?from=2031-03-10&to=2031-03-10", headers=lead.headers
    )
    assert one_day.json()["overall"]["resolved"] == 1

    staff = await make_user()
    assert_error(await client.get("/api/v1/repairs/stats", headers=staff.headers), 403, "forbidden")
    for query, field in [
        ("from=2031-04-01&to=2031-03-01", "from"),
        ("from=March", "from"),
        ("from=2030-01-01&to=2031-12-31", "to"),
        ("to=2031-02-30", "to"),
        ("from=9999-12-30&to=9999-12-31", "from"),  # the day after 9999-12-31 overflows
        ("from=0001-01-01&to=0001-01-01", "from"),  # before PostgreSQL's timestamptz range
    ]:
        bad = await client.get(f"/api/v1/repairs/stats?{query}", headers=lead.headers)
        assert field in assert_error(bad, 400, "invalid_input")["details"]["fields"], query


async def test_stats_days_are_local_days_on_every_database(client):
    """Resolved at 03:00 Beijing time (19:00 UTC the day before) counts on the local day.

    SQLite compares stored datetimes as text, so bounds in +08:00 against UTC rows moved
    the day boundary by eight hours there.
    """
    lead = await make_user("facility_lead")
    crew = await make_user("facility")
    requester = await _principal(await make_user())
    boss, fixer = await _principal(lead), await _principal(crew)
    early = datetime(2032, 5, 6, 2, 0, tzinfo=resources.settings().tz)
    ticket = await repairs.report(
        principal=requester,
        category="it",
        location="统计楼",
        description="凌晨报修",
        photo_ids=[],
        now=early.astimezone(UTC),
    )
    steps = [("assign", boss, {"assignee_id": crew.user_id}), ("start", fixer, {})]
    steps.append(("resolve", fixer, {"note": "已修好"}))
    for action, who, extra in steps:
        await repairs.act(
            ticket_id=ticket.id,
            principal=who,
            action=action,
            now=(early + timedelta(hours=1)).astimezone(UTC),
            **extra,
        )
    for day, resolved in [("2032-05-06", 1), ("2032-05-05", 0)]:
        got = await client.get(
            f"/api/v1/repairs/stats?from={day}&to={day}",
            headers=lead.headers,
        )
        assert got.status_code == 200, got.text
        assert got.json()["overall"]["resolved"] == resolved, (day, got.json())


async def test_seed_demo_is_idempotent_and_covers_every_state(client):
    import demo
    from services import identity

    now = datetime.now(UTC)
    rows = [  # the directory first, as `python -m server seed-demo` does
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in demo.DEMO_STAFF
    ]
    await identity.import_staff(rows=rows, now=now)
    first = await repairs_demo.seed(now=now)
    again = await repairs_demo.seed(now=now)
    assert "0 demo tickets new" in again[0], (first, again)
    lead = await repairs_demo.demo_principal("F0001")
    assert lead.name == "周强" and lead.has_role("facility_lead")
    requesters = [
        (await repairs_demo.demo_principal(no)).user_id for no in ("S0001", "S0003", "S0004")
    ]
    demo_tickets = await Ticket.filter(requester_id__in=requesters)
    assert {t.status for t in demo_tickets} >= {
        "open",
        "assigned",
        "in_progress",
        "resolved",
        "closed",
        "cancelled",
    }
    assert len(demo_tickets) == len(repairs_demo.DEMO_TICKETS)
