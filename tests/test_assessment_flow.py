"""Inspections and rectifications over HTTP: the walk-round, the state table, who may do
what, notices in the transition's transaction, and the overdue job running once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from jobs import assessment as assessment_jobs
from jobs.scheduler import run_once
from models.assessment import Rectification, RectificationEvent
from services import assessment
from tests.support import assert_error, make_user
from tests.support.assessment import at, inspect, make_crew, notices, rectifications_of

BASE = "/api/v1/assessment/rectifications"


async def post(client, actor, rect_id, action, body=None, minutes=0):
    return await client.post(
        f"{BASE}/{rect_id}/{action}", json=body, headers={**actor.headers, **at(minutes)}
    )


async def test_walk_round_opens_rectifications_and_the_team_puts_them_right(client):
    crew = await make_crew(client)
    inspection = await inspect(client, crew, failed=(1, 2))
    assert inspection["deducted"] == 3 + 5
    assert inspection["team"]["id"] == crew.team["id"]
    assert inspection["inspector"] == {"id": crew.inspector.user_id, "name": "检查员甲"}
    assert [r["passed"] for r in inspection["results"]] == [True, False, False]
    assert [r["points"] for r in inspection["results"]] == [0, 3, 5]

    rects = await rectifications_of(client, crew, inspection["id"])
    assert len(rects) == 2 and {r["status"] for r in rects} == {"open"}
    due = datetime.fromisoformat(rects[0]["due"])
    assert due - datetime.fromisoformat(inspection["at"]) == timedelta(days=3)
    # Both contacts hear of each failed item; nobody else does.
    assert len(await notices(crew.lead_contact, "rectification_opened")) == 2
    assert len(await notices(crew.contact, "rectification_opened")) == 2
    assert await notices(crew.stranger) == []

    rect_id = rects[0]["id"]
    steps = [
        (crew.contact, "submit", {"note": "已清理并加派人手"}, "submitted"),
        (crew.inspector, "reject", {"note": "复查仍有积水"}, "open"),
        (crew.lead_contact, "submit", {"note": "更换了拖把池排水管"}, "submitted"),
        (crew.inspector, "verify", None, "verified"),
    ]
    for actor, action, body, status in steps:
        response = await post(client, actor, rect_id, action, body)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status

    final = (await client.get(f"{BASE}/{rect_id}", headers=crew.contact.headers)).json()
    assert [(e["action"], e["from"], e["to"]) for e in final["events"]] == [
        ("open", None, "open"),
        ("submit", "open", "submitted"),
        ("reject", "submitted", "open"),
        ("submit", "open", "submitted"),
        ("verify", "submitted", "verified"),
    ]
    assert final["events"][1]["actor"]["id"] == crew.contact.user_id
    assert final["note"] == "更换了拖把池排水管"
    assert [n.kind for n in await notices(crew.inspector)] == [
        "rectification_submitted",
        "rectification_submitted",
    ]
    kinds = [n.kind for n in await notices(crew.contact)]
    assert kinds.count("rectification_rejected") == 1 and kinds.count("rectification_verified") == 1
    # The lead contact acted the second submit, the other contact did the first.
    assert len(await notices(crew.lead_contact, "rectification_verified")) == 1


async def test_who_may_see_and_act(client):
    crew = await make_crew(client)
    other_inspector = await make_user("inspector")
    inspection = await inspect(client, crew)
    rect_id = (await rectifications_of(client, crew, inspection["id"]))[0]["id"]
    # Not visible to a stranger: 404 whatever the action.
    assert_error(
        await client.get(f"{BASE}/{rect_id}", headers=crew.stranger.headers), 404, "not_found"
    )
    for action in ("submit", "verify", "reject"):
        response = await post(client, crew.stranger, rect_id, action, {"note": "x"})
        assert response.status_code in (403, 404)
    assert_error(
        await post(client, crew.stranger, rect_id, "submit", {"note": "x"}), 404, "not_found"
    )
    # The inspector does not submit, the team does not verify.
    assert_error(
        await post(client, crew.inspector, rect_id, "submit", {"note": "x"}), 403, "forbidden"
    )
    assert_error(await post(client, crew.contact, rect_id, "verify"), 403, "forbidden")
    await post(client, crew.contact, rect_id, "submit", {"note": "已整改"})
    # Only the inspector who found it reviews it (or an admin).
    assert_error(await post(client, other_inspector, rect_id, "verify"), 403, "forbidden")
    assert (await post(client, crew.admin, rect_id, "verify")).status_code == 200
    # A stranger does not see the team's list; the contact sees only their team's.
    listed = await client.get(BASE, headers=crew.stranger.headers)
    assert listed.status_code == 200 and listed.json()["items"] == []
    mine = (await client.get(BASE, headers=crew.contact.headers)).json()["items"]
    assert {r["team"]["id"] for r in mine} == {crew.team["id"]}
    # Inspections are for inspectors.
    assert_error(
        await client.get("/api/v1/assessment/inspections", headers=crew.contact.headers),
        403,
        "forbidden",
    )
    for odd in ("0", "2147483648", "99999999999999999999"):
        assert_error(
            await client.get(f"{BASE}/{odd}", headers=crew.inspector.headers), 404, "not_found"
        )


async def _in_state(client, crew, state: str) -> int:
    inspection = await inspect(client, crew)
    rect = (await rectifications_of(client, crew, inspection["id"]))[0]
    if state in ("submitted", "verified"):
        assert (
            await post(client, crew.contact, rect["id"], "submit", {"note": "好了"})
        ).status_code == 200
    if state == "verified":
        assert (await post(client, crew.inspector, rect["id"], "verify")).status_code == 200
    if state == "overdue":
        row = await Rectification.get(id=rect["id"])
        async with __import__("server.tx", fromlist=["transaction"]).transaction() as tx:
            await assessment.inspections.transition(
                tx, rectification=row, action="mark_overdue", actor_id=None, note="", now=row.due
            )
    assert (await Rectification.get(id=rect["id"])).status == state
    return int(rect["id"])


STATES = ("open", "submitted", "verified", "overdue")


@pytest.mark.parametrize("state", STATES)
async def test_state_table(client, state):
    """Every action in every state: the table's next state, or 409 invalid_state."""
    crew = await make_crew(client)
    for action in ("submit", "verify", "reject"):
        rect_id = await _in_state(client, crew, state)
        actor = crew.contact if action == "submit" else crew.inspector
        body = {"note": "处理说明"}
        events_before = await RectificationEvent.filter(rectification_id=rect_id).count()
        # Acting after the due time, so the overdue mark (made at the due time) came first.
        response = await post(client, actor, rect_id, action, body, minutes=3 * 24 * 60 + 5)
        rule = assessment.TRANSITIONS.get((state, action))
        if rule is None:
            error = assert_error(response, 409, "invalid_state")
            assert error["details"]["state"] == state
            assert (await Rectification.get(id=rect_id)).status == state
            assert (
                await RectificationEvent.filter(rectification_id=rect_id).count() == events_before
            )
        else:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == rule.next_state
            last = response.json()["events"][-1]
            assert (last["action"], last["from"], last["to"]) == (action, state, rule.next_state)


async def test_concurrent_verify_and_reject_apply_once(client):
    crew = await make_crew(client)
    rect_id = await _in_state(client, crew, "submitted")
    responses = await asyncio.gather(
        *[post(client, crew.inspector, rect_id, a, {"note": ""}) for a in ("verify", "reject") * 5]
    )
    assert sorted(r.status_code for r in responses).count(200) == 1
    for r in responses:
        if r.status_code != 200:
            assert r.json()["error"]["code"] in ("invalid_state", "conflict")
    events = await RectificationEvent.filter(rectification_id=rect_id).values_list(
        "action", flat=True
    )
    assert len([a for a in events if a in ("verify", "reject")]) == 1
    reviews = await notices(crew.contact)
    assert (
        len([n for n in reviews if n.kind in ("rectification_verified", "rectification_rejected")])
        == 1
    )


async def test_overdue_job_runs_once_and_marks_each_rectification_once(client):
    crew = await make_crew(client)
    inspection = await inspect(client, crew, failed=(0, 2))
    rects = await rectifications_of(client, crew, inspection["id"])
    await post(client, crew.contact, rects[1]["id"], "submit", {"note": "已整改"})
    due = datetime.fromisoformat(rects[0]["due"])
    # Not yet due: nothing happens.
    await assessment.mark_overdue(now=due - timedelta(seconds=1))
    assert (await Rectification.get(id=rects[0]["id"])).status == "open"

    later = due + timedelta(minutes=1)
    job = assessment_jobs.JOBS[0]
    # Two schedulers (hosts) fire the same run: one runs it.
    ran = await asyncio.gather(*[run_once(job, now=later) for _ in range(4)])
    assert ran.count(True) == 1
    # And the rule itself is once per rectification even when run concurrently anyway.
    await asyncio.gather(*[assessment.mark_overdue(now=later) for _ in range(3)])
    assert (await Rectification.get(id=rects[0]["id"])).status == "overdue"
    assert (await Rectification.get(id=rects[1]["id"])).status == "submitted"
    marks = await RectificationEvent.filter(rectification_id=rects[0]["id"], action="mark_overdue")
    assert len(marks) == 1 and marks[0].actor_id is None  # type: ignore[attr-defined]
    for person in (crew.lead_contact, crew.contact, crew.inspector):
        assert len(await notices(person, "rectification_overdue")) == 1
    # An overdue rectification can still be submitted (late), then verified.
    response = await post(client, crew.contact, rects[0]["id"], "submit", {"note": "逾期完成"})
    assert response.json()["status"] == "submitted"


async def test_bad_inspections_are_400(client):
    crew = await make_crew(client)
    other = await make_crew(client, service="security")
    url = "/api/v1/assessment/inspections"
    cases = [
        {"team_id": crew.team["id"], "location": "A座", "results": []},
        {"team_id": 2147483648, "location": "A座", "results": [{"standard_id": 1, "passed": True}]},
        {"team_id": crew.team["id"], "location": "A座\u0000", "results": [{"standard_id": 1, "passed": True}]},
        {"team_id": crew.team["id"], "location": "A座",
         "results": [{"standard_id": other.standards[0]["id"], "passed": False}]},
        {"team_id": crew.team["id"], "location": "A座",
         "results": [{"standard_id": crew.standards[0]["id"], "passed": False}] * 2},
    ]  # fmt: skip
    for body in cases:
        assert_error(
            await client.post(url, json=body, headers=crew.inspector.headers), 400, "invalid_input"
        )
    unknown = {
        "team_id": 2147483647,
        "location": "A座",
        "results": [{"standard_id": 1, "passed": True}],
    }
    assert_error(
        await client.post(url, json=unknown, headers=crew.inspector.headers), 400, "invalid_input"
    )
    assert await Rectification.filter(team_id=crew.team["id"]).count() == 0
    # Only inspectors inspect.
    assert_error(
        await client.post(url, json=cases[0], headers=crew.contact.headers), 403, "forbidden"
    )


async def test_an_inspection_photo_is_seen_only_by_inspectors_and_the_team(client):
    """Photos taken on a walk-round: the inspector and the team's contacts see them; any
    other staff member gets 404, exactly as for a photo that does not exist."""
    from tests.support.assessment import make_crew
    from tests.support.repairs import image_bytes, upload

    crew = await make_crew(client)
    photo = await upload(client, crew.inspector, image_bytes())
    assert photo.status_code == 201, photo.text
    photo_id = photo.json()["id"]
    response = await client.post(
        "/api/v1/assessment/inspections",
        json={
            "team_id": crew.team["id"],
            "location": "B座1楼 大厅",
            "results": [
                {
                    "standard_id": s["id"],
                    "passed": i != 0,
                    "note": "",
                    "photo_ids": [photo_id] if i == 0 else [],
                }
                for i, s in enumerate(crew.standards)
            ],
        },
        headers=crew.inspector.headers,
    )
    assert response.status_code == 201, response.text
    url = f"/api/v1/assessment/photos/{photo_id}"
    for viewer in (crew.inspector, crew.contact):
        seen = await client.get(url, headers=viewer.headers)
        assert seen.status_code == 200 and seen.content[:4] in (
            b"\x89PNG",
            b"\xff\xd8\xff\xe0",
            b"RIFF",
        )
    assert_error(await client.get(url, headers=crew.stranger.headers), 404, "not_found")
