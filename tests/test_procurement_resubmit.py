"""Resubmitting a rejected purchase request over HTTP: the edited request goes back to the
department head for a new round, the earlier decisions stay in the steps followed by a
`resubmitted` step, attachments are taken again as listed, and only the requester may
do it, once, from `rejected`."""

from __future__ import annotations

import asyncio
import uuid

from models.procurement import PurchaseRequest, RequestStep
from models.uploads import Upload
from tests.support import assert_error
from tests.support.procurement import (
    BASE,
    act,
    at,
    drive,
    make_cast,
    notices,
    pdf_bytes,
    request_body,
    submit,
    upload,
)


async def resubmit(client, cast, request_id, actor="requester", minutes=10, **body):  # type: ignore[no-untyped-def]
    return await client.post(
        f"{BASE}/{request_id}/resubmit",
        json=request_body(**body),
        headers=cast.by_name(actor).with_headers(**at(minutes)),
    )


async def test_a_rejected_request_goes_back_to_the_head_with_its_history(client):
    cast = await make_cast()
    request = await drive(client, cast, "rejected")
    response = await resubmit(
        client, cast, request["id"], total_fen=12_000, title="办公用品（减量）"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["title"], body["total_fen"]) == (
        "pending_dept",
        "办公用品（减量）",
        12_000,
    )
    assert [(s["role"], s["decision"]) for s in body["steps"]] == [
        ("dept_head", "rejected"),
        ("requester", "resubmitted"),
        ("dept_head", None),
    ]
    assert body["steps"][0]["comment"] == "预算不足"
    assert body["steps"][1]["actor"] == {"id": cast.requester.user_id, "name": "申请人"}
    assert [t["action"] for t in body["trail"]] == ["submit", "reject", "resubmit"]
    assert await notices(cast.head, request["id"], "procurement_to_approve")

    # The new round is decided like the first: head, then procurement.
    approved = await act(client, cast, request["id"], "approve", "head", minutes=11)
    assert approved.status_code == 200, approved.text
    done = await act(client, cast, request["id"], "approve", "buyer", minutes=12)
    assert done.json()["status"] == "approved"
    assert [(s["role"], s["decision"]) for s in done.json()["steps"]] == [
        ("dept_head", "rejected"),
        ("requester", "resubmitted"),
        ("dept_head", "approved"),
        ("procurement", "approved"),
    ]
    rounds = (
        await RequestStep.filter(request_id=request["id"])
        .order_by("id")
        .values_list("action", "round")
    )
    assert rounds == [("submit", 1), ("reject", 1), ("resubmit", 2), ("approve", 2), ("approve", 2)]


async def test_only_the_requester_resubmits_and_only_from_rejected(client):
    cast = await make_cast()
    rejected = await drive(client, cast, "rejected")
    for actor in ("head", "admin"):
        assert_error(await resubmit(client, cast, rejected["id"], actor=actor), 403, "forbidden")
    assert_error(await resubmit(client, cast, rejected["id"], actor="colleague"), 404, "not_found")
    for state in ("pending_dept", "approved", "withdrawn"):
        other = await drive(client, cast, state)
        refused = await resubmit(client, cast, other["id"])
        assert assert_error(refused, 409, "invalid_state")["details"]["state"] == state
    bad = await resubmit(client, cast, rejected["id"], department="别的处")
    assert "department" in assert_error(bad, 400, "invalid_input")["details"]["fields"]
    assert (await PurchaseRequest.get(id=rejected["id"])).status == "rejected"


async def test_two_resubmissions_at_once_start_one_round(client):
    cast = await make_cast()
    request = await drive(client, cast, "rejected")
    results = await asyncio.gather(
        *(resubmit(client, cast, request["id"], title=f"第{i}版") for i in range(4))
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]
    row = await PurchaseRequest.get(id=request["id"])
    assert (row.status, row.round) == ("pending_dept", 2)
    assert await RequestStep.filter(request_id=request["id"], action="resubmit").count() == 1


async def test_a_retry_with_the_same_key_answers_the_same(client):
    cast = await make_cast()
    request = await drive(client, cast, "rejected")
    key = {"Idempotency-Key": f"resubmit-{uuid.uuid4().hex}"}
    headers = cast.requester.with_headers(**at(10), **key)
    first = await client.post(
        f"{BASE}/{request['id']}/resubmit", json=request_body(), headers=headers
    )
    again = await client.post(
        f"{BASE}/{request['id']}/resubmit", json=request_body(), headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()


async def test_attachments_are_taken_again_as_the_edited_request_lists_them(client):
    cast = await make_cast()
    kept, dropped, added = [
        (await upload(client, cast.requester, pdf_bytes(padding=i))).json()["id"] for i in range(3)
    ]
    theirs = (await upload(client, cast.colleague, pdf_bytes())).json()["id"]
    request = await submit(client, cast, attachment_ids=[kept, dropped])
    rejected = await act(client, cast, request["id"], "reject", "head", minutes=1)
    assert rejected.status_code == 200

    stolen = await resubmit(client, cast, request["id"], attachment_ids=[kept, theirs])
    assert "attachment_ids" in assert_error(stolen, 400, "invalid_input")["details"]["fields"]
    assert (await PurchaseRequest.get(id=request["id"])).status == "rejected"
    assert await Upload.filter(purchase_request_id=request["id"]).count() == 2  # unchanged

    response = await resubmit(client, cast, request["id"], attachment_ids=[kept, added])
    assert response.status_code == 200, response.text
    assert sorted(response.json()["attachment_ids"]) == sorted([kept, added])
    assert (await Upload.get(id=dropped)).purchase_request_id is None  # back to its uploader
    reused = await submit(client, cast, attachment_ids=[dropped])
    assert reused["attachment_ids"] == [dropped]
