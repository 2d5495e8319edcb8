"""Helpers shared by the purchase-request tests (no tests here).

`Cast` is the people around the requests of one fresh department; `drive()` brings a
new request to any state of the workflow over HTTP, the way the H5 screens would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from models.notifications import Notice
from server import resources
from tests.support import Actor, make_user

T0 = datetime.now(UTC).replace(microsecond=0)
BASE = "/api/v1/procurement/requests"

# The actions taken from pending_dept to reach each state, and who takes them.
PATHS: dict[str, list[tuple[str, str]]] = {
    "pending_dept": [],
    "pending_procurement": [("approve", "head")],
    "pending_leader": [("approve", "head"), ("approve", "buyer")],
    "approved": [("approve", "head"), ("approve", "buyer")],
    "rejected": [("reject", "head")],
    "withdrawn": [("withdraw", "requester")],
    "ordered": [("approve", "head"), ("approve", "buyer"), ("order", "buyer")],
    "received": [
        ("approve", "head"),
        ("approve", "buyer"),
        ("order", "buyer"),
        ("receive", "buyer"),
    ],
}
BODIES: dict[str, dict[str, Any]] = {
    "approve": {"comment": "同意"},
    "reject": {"comment": "预算不足"},
    "withdraw": {},
    "order": {"supplier": "晨光办公用品有限公司", "amount_fen": 12000},
    "receive": {"note": "已到货"},
}


def at(minutes: float = 0, **extra: str) -> dict[str, str]:
    return {"X-Test-Now": (T0 + timedelta(minutes=minutes)).isoformat(), **extra}


def threshold() -> int:
    return resources.settings().procurement_leader_threshold_fen


@dataclass
class Cast:
    department: str
    requester: Actor
    colleague: Actor  # same department, plain staff: may not see the request
    head: Actor
    head2: Actor
    other_head: Actor  # head of another department
    buyer: Actor
    buyer2: Actor
    admin: Actor
    admin2: Actor

    def by_name(self, name: str) -> Actor:
        return getattr(self, name)  # type: ignore[no-any-return]


async def make_cast() -> Cast:
    dept = f"采购测试处{uuid.uuid4().hex[:6]}"
    return Cast(
        department=dept,
        requester=await make_user(name="申请人", department=dept),
        colleague=await make_user(name="同事", department=dept),
        head=await make_user("dept_head", name="处长", department=dept),
        head2=await make_user("dept_head", name="副处长", department=dept),
        other_head=await make_user("dept_head", name="外处处长", department=dept + "外"),
        buyer=await make_user("procurement", name="采购员甲", department="采购办"),
        buyer2=await make_user("procurement", name="采购员乙", department="采购办"),
        admin=await make_user("admin", name="分管领导", department="领导班子"),
        admin2=await make_user("admin", name="另一位领导", department="领导班子"),
    )


def request_body(total_fen: int = 24_000, **extra: Any) -> dict[str, Any]:
    """A request whose items add up to `total_fen` (two lines when it divides by 4)."""
    if total_fen % 4 == 0:
        items = [
            {
                "name": "A4复印纸",
                "spec": "70g",
                "qty": 2,
                "unit": "包",
                "unit_price_fen": total_fen // 4,
            },
            {
                "name": "签字笔",
                "spec": "0.5mm 黑",
                "qty": 1,
                "unit": "盒",
                "unit_price_fen": total_fen // 2,
            },
        ]
    else:
        items = [
            {"name": "订书机", "spec": "", "qty": 1, "unit": "个", "unit_price_fen": total_fen}
        ]
    body = {"title": "办公用品采购", "reason": "日常办公", "category": "office", "items": items}
    return {**body, **extra}


async def submit(
    client: Any, cast: Cast, *, by: str = "requester", minutes: float = 0, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        BASE, json=request_body(**body), headers=cast.by_name(by).with_headers(**at(minutes))
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


# The stage an approver names by default: the one their role decides (API.md §12).
STAGE_OF_ACTOR = {"head": "dept", "head2": "dept", "buyer": "procurement", "buyer2": "procurement"}
# API.md's stage names for the pending statuses.
WIRE_STAGE = {
    "pending_dept": "dept",
    "pending_procurement": "procurement",
    "pending_leader": "leader",
}


async def act(
    client: Any,
    cast: Cast,
    request_id: int,
    action: str,
    actor: str,
    minutes: float = 0,
    *,
    stage: str | None = None,
) -> Any:
    """One action as the H5 sends it; a decision names `stage` (by default the one the
    actor's role decides, the leader's for admins)."""
    body = dict(BODIES[action])
    if action in ("approve", "reject"):
        body["stage"] = stage or STAGE_OF_ACTOR.get(actor, "leader" if "admin" in actor else "dept")
    return await client.post(
        f"{BASE}/{request_id}/{action}",
        json=body,
        headers=cast.by_name(actor).with_headers(**at(minutes)),
    )


async def drive(client: Any, cast: Cast, state: str) -> dict[str, Any]:
    """A fresh request in `state` (over the leader threshold only for pending_leader)."""
    total = threshold() if state == "pending_leader" else 24_000
    request = await submit(client, cast, total_fen=total)
    for number, (action, actor) in enumerate(PATHS[state], start=1):
        response = await act(client, cast, request["id"], action, actor, minutes=number)
        assert response.status_code == 200, (state, action, response.text)
        request = response.json()
    assert request["status"] == state
    return request


async def notices(user: Actor, request_id: int, kind: str | None = None) -> list[Notice]:
    query = Notice.filter(user_id=user.user_id, link=f"/pages/procurement/request?id={request_id}")
    if kind:
        query = query.filter(kind=kind)
    return await query.order_by("id")


def pdf_bytes(padding: int = 0) -> bytes:
    """A small well-formed PDF (header, objects, xref table, trailer), padded if asked."""
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    objects = [
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n",
        b"3 0 obj\n<< /Length %d >>\nstream\n" % padding
        + b"0" * padding
        + b"\nendstream\nendobj\n",
    ]
    offsets = []
    for obj in objects:
        offsets.append(len(out))
        out += obj
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return out


async def upload(
    client: Any, actor: Actor, data: bytes, name: str = "报价单.pdf", ctype: str = "application/pdf"
) -> Any:
    return await client.post(
        "/api/v1/uploads", files={"file": (name, data, ctype)}, headers=actor.headers
    )
