"""Purchase requests over HTTP: the whole state table, the leader threshold, self-approval,
concurrent decisions, who may see what, lists, validation and notices."""

from __future__ import annotations

import asyncio

import pytest

from models.identity import Staff
from models.notifications import Notice
from models.procurement import STATUSES, PurchaseRequest, RequestStep
from services import identity
from services.procurement import ACTIONS, STAGE_OF, TRANSITIONS
from tests.support import assert_error, make_user
from tests.support.procurement import (
    BASE,
    WIRE_STAGE,
    act,
    at,
    drive,
    make_cast,
    notices,
    request_body,
    submit,
    threshold,
)

# The party who may take each action (the admin plays every approver part).
WHO = {
    "approve": "admin",
    "reject": "admin",
    "withdraw": "requester",
    "order": "buyer",
    "receive": "buyer",
}


async def test_a_request_goes_through_every_step_with_its_audit_trail(client):
    cast = await make_cast()
    created = await submit(client, cast, total_fen=threshold())
    assert created["status"] == "pending_dept"
    assert created["department"] == cast.department
    assert created["requester"] == {"id": cast.requester.user_id, "name": "申请人"}
    assert created["total_fen"] == threshold()
    assert created["steps"] == [
        {"role": "dept_head", "actor": None, "decision": None, "comment": "", "at": None}
    ]
    rid = created["id"]
    for minutes, (actor, expected) in enumerate(
        [("head", "pending_procurement"), ("buyer", "pending_leader"), ("admin", "approved")], 1
    ):
        response = await act(client, cast, rid, "approve", actor, minutes=minutes)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == expected
    ordered = await client.post(
        f"{BASE}/{rid}/order",
        json={"supplier": "晨光办公用品有限公司", "amount_fen": 480000},
        headers=cast.buyer.with_headers(**at(10)),
    )
    assert ordered.status_code == 200, ordered.text
    received = await act(client, cast, rid, "receive", "buyer2", minutes=20)
    body = received.json()
    assert body["status"] == "received"
    assert body["purchase"]["supplier"] == "晨光办公用品有限公司"
    assert body["purchase"]["amount_fen"] == 480000
    assert body["purchase"]["received_note"] == "已到货"
    assert [(s["role"], s["actor"]["name"], s["decision"]) for s in body["steps"]] == [
        ("dept_head", "处长", "approved"),
        ("procurement", "采购员甲", "approved"),
        ("leader", "分管领导", "approved"),
    ]
    assert [t["action"] for t in body["trail"]] == [
        "submit",
        "approve",
        "approve",
        "approve",
        "order",
        "receive",
    ]
    # The database holds the same trail, one row per action.
    assert await RequestStep.filter(request_id=rid).count() == 6
    assert (await PurchaseRequest.get(id=rid)).status == "received"


@pytest.mark.parametrize("state", STATUSES)
async def test_every_state_allows_exactly_the_actions_of_the_table(client, state):
    cast = await make_cast()
    for action in ACTIONS:
        request = await drive(client, cast, state)
        stage = WIRE_STAGE.get(state, "dept")
        response = await act(
            client, cast, request["id"], action, WHO[action], minutes=30, stage=stage
        )
        rule = TRANSITIONS.get((state, action))
        if rule is None:
            error = assert_error(response, 409, "invalid_state")
            assert error["details"]["state"] == state
            assert (await PurchaseRequest.get(id=request["id"])).status == state
        else:
            assert response.status_code == 200, (state, action, response.text)
            # drive() keeps the total under the threshold (except for pending_leader,
            # whose approval is the last step anyway), so the plain next state applies.
            expected = rule.next_state
            assert response.json()["status"] == expected
            assert (await PurchaseRequest.get(id=request["id"])).status == expected


async def test_the_leader_step_starts_exactly_at_the_threshold(client):
    cast = await make_cast()
    for total, expected in ((threshold() - 1, "approved"), (threshold(), "pending_leader")):
        request = await submit(client, cast, total_fen=total)
        assert request["total_fen"] == total
        assert (await act(client, cast, request["id"], "approve", "head")).status_code == 200
        response = await act(client, cast, request["id"], "approve", "buyer")
        assert response.json()["status"] == expected


async def test_the_total_is_computed_by_the_server_in_fen(client):
    cast = await make_cast()
    items = [
        {"name": "A4复印纸", "spec": "70g", "qty": 3, "unit": "包", "unit_price_fen": 2450},
        {"name": "长尾夹", "spec": "", "qty": 12, "unit": "盒", "unit_price_fen": 399},
    ]
    response = await client.post(
        BASE, json=request_body(items=items), headers=cast.requester.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["total_fen"] == 3 * 2450 + 12 * 399
    for bad in (
        {"total_fen": 1},  # derived: a client may not set it
        {"items": [{**items[0], "unit_price_fen": 24.5}]},  # never floats
        {"items": [{**items[0], "qty": 0}]},
        {"items": [{**items[0], "unit_price_fen": -1}]},
        {"items": []},
        {"category": "food"},
        {"title": "   "},
        {"department": "别的部门"},
        {"attachment_ids": [2**31]},
    ):
        body = {**request_body(items=items), **bad}
        reply = await client.post(BASE, json=body, headers=cast.requester.headers)
        assert_error(reply, 400, "invalid_input")
    assert await PurchaseRequest.filter(requester_id=cast.requester.user_id).count() == 1


async def test_nobody_approves_their_own_request(client):
    cast = await make_cast()
    # A department head's own request: they may not decide it, the other head may.
    own = await submit(client, cast, by="head", total_fen=threshold())
    for action in ("approve", "reject"):
        assert_error(await act(client, cast, own["id"], action, "head"), 403, "forbidden")
    assert (await act(client, cast, own["id"], "approve", "head2")).json()["status"] == (
        "pending_procurement"
    )
    # A procurement officer's own request, at the procurement step.
    mine = await make_user("procurement", department=cast.department)
    response = await client.post(BASE, json=request_body(), headers=mine.headers)
    rid = response.json()["id"]
    assert (await act(client, cast, rid, "approve", "head")).status_code == 200
    refused = await client.post(
        f"{BASE}/{rid}/approve", json={"stage": "procurement"}, headers=mine.headers
    )
    assert_error(refused, 403, "forbidden")
    # An admin's own request at the leader step: another admin decides it.
    boss = cast.admin
    response = await client.post(
        BASE, json=request_body(total_fen=threshold()), headers=boss.headers
    )
    rid = response.json()["id"]
    as_head = await act(client, cast, rid, "approve", "admin2", stage="dept")
    assert as_head.status_code == 200
    assert (await act(client, cast, rid, "approve", "buyer")).json()["status"] == "pending_leader"
    assert_error(await act(client, cast, rid, "approve", "admin"), 403, "forbidden")
    assert (await act(client, cast, rid, "approve", "admin2")).json()["status"] == "approved"
    assert (
        await RequestStep.filter(request_id=rid, actor_id=boss.user_id, action="approve").count()
        == 0
    )


async def test_only_the_party_of_the_step_may_act(client):
    cast = await make_cast()
    request = await submit(client, cast)
    rid = request["id"]
    # An approver of another stage: the state does not allow it (yet).
    error = assert_error(await act(client, cast, rid, "approve", "buyer"), 409, "invalid_state")
    assert error["details"]["state"] == "pending_dept"
    assert_error(await act(client, cast, rid, "withdraw", "head"), 403, "forbidden")
    assert_error(await act(client, cast, rid, "order", "head"), 403, "forbidden")
    # People who may not see it at all get 404, whatever they try.
    for stranger in ("colleague", "other_head"):
        for action in ACTIONS:
            assert_error(await act(client, cast, rid, action, stranger), 404, "not_found")
    assert (await PurchaseRequest.get(id=rid)).status == "pending_dept"
    assert await RequestStep.filter(request_id=rid).count() == 1


async def test_rejecting_needs_a_comment_and_ends_the_request(client):
    cast = await make_cast()
    request = await submit(client, cast)
    for body in ({}, {"comment": ""}, {"comment": "   "}):
        response = await client.post(
            f"{BASE}/{request['id']}/reject", json=body, headers=cast.head.headers
        )
        error = assert_error(response, 400, "invalid_input")
        assert "comment" in error["details"]["fields"]
    response = await act(client, cast, request["id"], "reject", "head")
    body = response.json()
    assert body["status"] == "rejected"
    assert body["steps"] == [
        {
            "role": "dept_head",
            "actor": {"id": cast.head.user_id, "name": "处长"},
            "decision": "rejected",
            "comment": "预算不足",
            "at": body["steps"][0]["at"],
        }
    ]
    status = await notices(cast.requester, request["id"], "procurement_status")
    assert [n.title for n in status] == ["采购申请已驳回"]


@pytest.mark.parametrize("state", ["pending_dept", "pending_procurement", "pending_leader"])
async def test_approvers_deciding_one_step_at_once_make_exactly_one_decision(client, state):
    cast = await make_cast()
    deciders = {
        # Admins play every stage: one that reads after the winner committed decides the
        # next stage legitimately, so the race of one stage is between its role holders.
        "pending_dept": ["head", "head2"],
        "pending_procurement": ["buyer", "buyer2"],
        "pending_leader": ["admin", "admin2"],
    }[state]
    for _ in range(3):
        request = await drive(client, cast, state)
        calls = [
            act(client, cast, request["id"], action, who)
            for who in deciders
            for action in ("approve", "reject")
        ]
        replies = await asyncio.gather(*calls)
        winners = [r for r in replies if r.status_code == 200]
        assert len(winners) == 1, [r.text for r in replies]
        for loser in replies:
            if loser.status_code != 200:
                error = assert_error(loser, 409, "invalid_state")
                assert error["details"]["state"] == winners[0].json()["status"]
        # The database holds one decision of this stage, and the stage's status moved on.
        stage = STAGE_OF[state]
        decided = await RequestStep.filter(request_id=request["id"], decided_stage=stage).count()
        assert decided == 1
        assert (await PurchaseRequest.get(id=request["id"])).status == winners[0].json()["status"]


async def test_the_approver_who_comes_second_gets_409_whoever_committed_first(client):
    cast = await make_cast()
    request = await submit(client, cast)
    assert (await act(client, cast, request["id"], "approve", "head")).status_code == 200
    for late in ("head2", "head"):  # the same step again, after the winner committed
        for action in ("approve", "reject"):
            error = assert_error(
                await act(client, cast, request["id"], action, late), 409, "invalid_state"
            )
            assert error["details"]["state"] == "pending_procurement"
    assert (
        await RequestStep.filter(request_id=request["id"], decided_stage="dept_head").count() == 1
    )


async def test_withdraw_is_only_before_the_first_decision(client):
    cast = await make_cast()
    request = await submit(client, cast)
    both = await asyncio.gather(
        act(client, cast, request["id"], "withdraw", "requester"),
        act(client, cast, request["id"], "approve", "head"),
    )
    assert sorted(r.status_code for r in both) == [200, 409]
    later = await drive(client, cast, "pending_procurement")
    error = assert_error(
        await act(client, cast, later["id"], "withdraw", "requester"), 409, "invalid_state"
    )
    assert error["details"]["state"] == "pending_procurement"


async def test_who_may_see_a_request(client):
    cast = await make_cast()
    request = await submit(client, cast)
    url = f"{BASE}/{request['id']}"
    for name in ("requester", "head", "head2", "buyer", "admin"):
        response = await client.get(url, headers=cast.by_name(name).headers)
        assert response.status_code == 200, (name, response.text)
    for name in ("colleague", "other_head"):
        assert_error(await client.get(url, headers=cast.by_name(name).headers), 404, "not_found")
    for bad in (f"{BASE}/0", f"{BASE}/{2**31}", f"{BASE}/{2**63}", f"{BASE}/99999999"):
        assert_error(await client.get(bad, headers=cast.admin.headers), 404, "not_found")
    # A head who decided a step keeps seeing it after moving to another department.
    await act(client, cast, request["id"], "approve", "head")
    await Staff.filter(id=cast.head.staff_id).update(department="另一个部门")
    await identity.forget_cached_principals()
    assert (await client.get(url, headers=cast.head.headers)).status_code == 200
    assert (await client.get(url, headers=cast.head2.headers)).status_code == 200


async def test_lists_by_scope(client):
    cast = await make_cast()
    mine = await submit(client, cast)
    later = await drive(client, cast, "pending_procurement")
    elsewhere = await make_user(department=cast.department + "外")
    other = await client.post(BASE, json=request_body(), headers=elsewhere.headers)
    other_id = other.json()["id"]

    async def ids(actor, query):
        response = await client.get(f"{BASE}?{query}&limit=100", headers=actor.headers)
        assert response.status_code == 200, response.text
        return {r["id"] for r in response.json()["items"]}

    assert await ids(cast.requester, "scope=mine") == {mine["id"], later["id"]}
    head_queue = await ids(cast.head, "scope=to_approve")
    assert mine["id"] in head_queue and later["id"] not in head_queue and other_id not in head_queue
    assert other_id in await ids(cast.other_head, "scope=to_approve")
    buyer_queue = await ids(cast.buyer, "scope=to_approve")
    assert later["id"] in buyer_queue and mine["id"] not in buyer_queue
    assert await ids(cast.head, "scope=all") >= {mine["id"], later["id"]}
    assert other_id not in await ids(cast.head, "scope=all")
    assert {mine["id"], later["id"], other_id} <= await ids(cast.buyer, "scope=all")
    assert await ids(cast.buyer, "scope=all&status=pending_procurement") >= {later["id"]}
    assert mine["id"] not in await ids(cast.buyer, "scope=all&status=pending_procurement")
    for query in ("scope=to_approve", "scope=all"):
        response = await client.get(f"{BASE}?{query}", headers=cast.colleague.headers)
        assert_error(response, 403, "forbidden")
    for query in ("scope=everything", "status=done", "limit=0", "cursor=xyz"):
        response = await client.get(f"{BASE}?{query}", headers=cast.requester.headers)
        assert_error(response, 400, "invalid_input")
    # Paging walks every row once.
    first = await client.get(f"{BASE}?scope=mine&limit=1", headers=cast.requester.headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(
        f"{BASE}?scope=mine&limit=1&cursor={cursor}", headers=cast.requester.headers
    )
    assert [r["id"] for r in first.json()["items"] + second.json()["items"]] == [
        later["id"],
        mine["id"],
    ]
    assert second.json()["next_cursor"] is None


async def test_each_step_notifies_the_next_approvers_and_the_requester(client):
    cast = await make_cast()
    request = await submit(client, cast, total_fen=threshold())
    rid = request["id"]
    for head in (cast.head, cast.head2):
        assert [n.title for n in await notices(head, rid)] == ["新的采购申请待您审批"]
    assert await notices(cast.other_head, rid) == []
    assert await notices(cast.buyer, rid) == []
    await act(client, cast, rid, "approve", "head")
    assert [n.kind for n in await notices(cast.buyer, rid)] == ["procurement_to_approve"]
    assert [n.title for n in await notices(cast.requester, rid)] == ["采购申请待采购办审批"]
    await act(client, cast, rid, "approve", "buyer")
    assert [n.title for n in await notices(cast.admin, rid)] == ["采购申请待您审批"]
    await act(client, cast, rid, "approve", "admin")
    titles = [n.title for n in await notices(cast.requester, rid)]
    assert titles[-1] == "采购申请已批准"
    assert [n.title for n in await notices(cast.buyer2, rid)][-1] == "采购申请已批准，待下单"
    # Nobody is told of their own action.
    assert await Notice.filter(user_id=cast.admin.user_id, title="采购申请已批准").count() == 0


async def test_the_audit_trail_has_no_edit_or_delete_route(app):
    methods = set()
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if "procurement" in path:
            methods |= set(route.methods)
    assert methods and methods <= {"GET", "POST", "HEAD", "OPTIONS"}


async def test_idempotent_submission(client):
    cast = await make_cast()
    headers = cast.requester.with_headers(**{"Idempotency-Key": "purchase-key-1"})
    replies = await asyncio.gather(
        *[client.post(BASE, json=request_body(), headers=headers) for _ in range(5)]
    )
    assert {r.status_code for r in replies} <= {201, 409}
    ids = {r.json()["id"] for r in replies if r.status_code == 201}
    assert len(ids) == 1
    assert await PurchaseRequest.filter(requester_id=cast.requester.user_id).count() == 1


async def test_approve_needs_only_its_stage_and_receive_an_empty_body(client):
    cast = await make_cast()
    request = await submit(client, cast)
    response = await client.post(
        f"{BASE}/{request['id']}/approve", json={"stage": "dept"}, headers=cast.head.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["steps"][0]["comment"] == ""


async def test_an_approval_names_its_stage_and_a_late_tap_never_decides_the_next(client):
    cast = await make_cast()
    request = await submit(client, cast, total_fen=threshold())
    rid = request["id"]
    assert (await act(client, cast, rid, "approve", "head")).status_code == 200
    # The admin's screen shows the procurement step; a buyer approves first.
    assert (await act(client, cast, rid, "approve", "buyer")).status_code == 200
    for action in ("approve", "reject"):
        late = await act(client, cast, rid, action, "admin", stage="procurement")
        error = assert_error(late, 409, "stale")
        assert error["details"]["status"] == "pending_leader"
    assert (await PurchaseRequest.get(id=rid)).status == "pending_leader"
    assert await RequestStep.filter(request_id=rid, decided_stage="leader").count() == 0
    # Naming the stage it is at decides it.
    done = await act(client, cast, rid, "approve", "admin", stage="leader")
    assert done.json()["status"] == "approved"


async def test_an_approval_without_a_stage_is_refused(client):
    cast = await make_cast()
    request = await submit(client, cast)
    for action, body, field in (
        ("approve", {}, "stage"),
        ("reject", {"comment": "不行"}, "stage"),
        ("approve", None, "body"),
    ):
        response = await client.post(
            f"{BASE}/{request['id']}/{action}", json=body, headers=cast.head.headers
        )
        error = assert_error(response, 400, "invalid_input")
        assert field in error["details"]["fields"]
    bad = await client.post(
        f"{BASE}/{request['id']}/approve", json={"stage": "dept_head"}, headers=cast.head.headers
    )
    assert "stage" in assert_error(bad, 400, "invalid_input")["details"]["fields"]
    assert (await PurchaseRequest.get(id=request["id"])).status == "pending_dept"
