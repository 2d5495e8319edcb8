"""Purchase requests (API.md §12): submit, read, list, and move through the state table.

Who may see a request is as narrow as the contract allows (its requester, the heads of
its department, procurement, admins, and anyone who already acted on it); everyone
else gets 404, so request ids reveal nothing. Every change is a conditional UPDATE on
the state the caller saw, in one transaction with its audit row and its notices: two
approvers deciding one step at once produce exactly one decision, the other gets 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models import could_exist
from models.identity import Staff, User
from models.procurement import CATEGORIES, PurchaseRequest, RequestStep
from models.uploads import Upload
from server import pagination, resources
from server.errors import Forbidden, InvalidInput, InvalidState, NotFound, Stale
from server.tx import Tx, transaction
from services import notifications, uploads
from services.identity import Principal, names_of
from services.procurement.rules import (
    ACTORS,
    CATEGORY_LABELS,
    DECISIONS,
    ROLE_OF_STAGE,
    STAGE_OF,
    STATUS_LABELS,
    STEP_DECISIONS,
    TRANSITIONS,
    WIRE_STAGES,
    WORKFLOW,
    decision_key,
    next_state,
    parts_of,
)
from services.procurement.shapes import (
    Attachment,
    Item,
    Person,
    Purchase,
    RequestPage,
    RequestView,
    Step,
    TrailEntry,
)

MAX_ATTACHMENTS = 10


def threshold_fen() -> int:
    return resources.settings().procurement_leader_threshold_fen


async def may_see(request: PurchaseRequest, principal: Principal) -> bool:
    """A part on the request, or a past actor on it (a head who since moved on)."""
    if parts_of(request, principal):
        return True
    return await RequestStep.exists(request_id=request.id, actor_id=principal.user_id)


async def visible_request(*, request_id: int, principal: Principal) -> PurchaseRequest:
    """The request, or 404 when it does not exist or the caller may not see it."""
    found = await PurchaseRequest.get_or_none(id=request_id) if could_exist(request_id) else None
    if found is None or not await may_see(found, principal):
        raise NotFound("采购申请不存在")
    return found


# --- serialization ---------------------------------------------------------------------


def _person(user_id: int | None, names: dict[int, str]) -> Person | None:
    return None if user_id is None else Person(id=user_id, name=names.get(user_id, "未知用户"))


def _steps(request: PurchaseRequest, trail: list[RequestStep], names: dict[int, str]) -> list[Step]:
    """The approval steps: every decision taken and every resubmission, in order (earlier
    rounds included), then the step waiting now (if any)."""
    steps = [
        Step(
            role=s.role,
            actor=_person(s.actor_id, names),
            decision=STEP_DECISIONS[s.action],  # type: ignore[arg-type]
            comment=s.comment,
            at=s.at,
        )
        for s in trail
        if s.action in STEP_DECISIONS
    ]
    stage = STAGE_OF.get(request.status)
    if stage is not None:
        steps.append(Step(role=stage, actor=None, decision=None, comment="", at=None))
    return steps


async def serialize(requests: list[PurchaseRequest]) -> list[RequestView]:
    """Requests as API.md §12 `Request` (plus `trail`, `attachments`, labels) in a few queries."""
    ids = [r.id for r in requests]
    if not ids:
        return []
    trail = await RequestStep.filter(request_id__in=ids).order_by("id")
    files = await Upload.filter(purchase_request_id__in=ids).order_by("id")
    users: list[int | None] = [s.actor_id for s in trail]
    users += [r.requester_id for r in requests]
    names = await names_of(users)
    by_request: dict[int, list[RequestStep]] = {i: [] for i in ids}
    for step in trail:
        by_request[step.request_id].append(step)
    attached: dict[int, list[Upload]] = {i: [] for i in ids}
    for upload in files:
        if upload.purchase_request_id is not None:  # always: filtered by it
            attached[upload.purchase_request_id].append(upload)
    return [_one_out(r, by_request[r.id], attached[r.id], names) for r in requests]


def _one_out(
    request: PurchaseRequest,
    trail: list[RequestStep],
    files: list[Upload],
    names: dict[int, str],
) -> RequestView:
    purchase = None
    if request.ordered_at is not None:
        purchase = Purchase(
            supplier=request.supplier,
            amount_fen=request.amount_fen,
            ordered_at=request.ordered_at,
            received_at=request.received_at,
            received_note=request.received_note,
        )
    requester = _person(request.requester_id, names)
    assert requester is not None
    return RequestView(
        id=request.id,
        department=request.department,
        requester=requester,
        title=request.title,
        reason=request.reason,
        category=request.category,
        category_label=CATEGORY_LABELS.get(request.category, request.category),
        items=[Item.model_validate(item) for item in request.items],
        total_fen=request.total_fen,
        attachment_ids=[f.id for f in files],
        attachments=[Attachment(id=f.id, url=f.id, content_type=f.content_type) for f in files],
        status=request.status,
        status_label=STATUS_LABELS[request.status],
        waiting_for=STAGE_OF.get(request.status),
        steps=_steps(request, trail, names),
        trail=[
            TrailEntry(
                at=s.at,
                actor=_person(s.actor_id, names),
                role=s.role,
                action=s.action,
                comment=s.comment,
            )
            for s in trail
        ],
        purchase=purchase,
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


async def one(request: PurchaseRequest) -> RequestView:
    return (await serialize([request]))[0]


# --- who hears about it --------------------------------------------------------------


async def approvers(*, stage: str, department: str) -> list[int]:
    """User ids of the people who decide `stage` for a department's request.

    A department without an active head falls back to the admins, who may decide
    every stage, so a request never waits for nobody.
    """
    role = ROLE_OF_STAGE[stage]
    query = Staff.filter(active=True)
    if stage == "dept_head":
        query = query.filter(department=department)
    staff_ids = [s.id for s in await query if role in s.roles]
    if not staff_ids and stage != "leader":
        return await approvers(stage="leader", department=department)
    return list(await User.filter(staff_id__in=staff_ids).values_list("id", flat=True))  # type: ignore[arg-type]


async def tell(
    tx: Tx,
    *,
    user_ids: Iterable[int],
    request: PurchaseRequest,
    kind: str,
    title: str,
    now: datetime,
    skip: Iterable[int | None] = (),
) -> None:
    """Notices about a request in the transaction of its change (never to `skip`)."""
    body = f"{request.title}·¥{request.total_fen / 100:.2f}"[:20]
    await notifications.notify_each(
        tx=tx,
        user_ids=dict.fromkeys(user_ids),
        skip=skip,
        kind=kind,
        title=title,
        body=body,
        link=f"/pages/procurement/request?id={request.id}",
        template_data={"request_id": request.id, "status": request.status},
        now=now,
    )


# --- submitting, reading, listing -------------------------------------------------------


def total_of(items: list[dict[str, Any]]) -> int:
    """The total in fen, computed here: clients never send a total."""
    return sum(int(item["qty"]) * int(item["unit_price_fen"]) for item in items)


async def submit(
    *,
    principal: Principal,
    title: str,
    reason: str,
    category: str,
    items: list[dict[str, Any]],
    attachment_ids: list[int],
    department: str | None = None,
    now: datetime,
) -> RequestView:
    """A new request of the caller's own department, waiting for its head."""
    if category not in CATEGORIES:
        raise InvalidInput({"category": "取值无效"})
    own = (principal.department or "").strip()
    if not own:
        raise InvalidInput({"department": "通讯录中没有你的部门，无法提交采购申请"})
    if department is not None and department.strip() != own:
        raise InvalidInput({"department": "只能为本部门提交采购申请"})
    if not items:
        raise InvalidInput({"items": "至少填写一项物品"})
    wanted = list(dict.fromkeys(attachment_ids))
    if len(wanted) > MAX_ATTACHMENTS:
        raise InvalidInput({"attachment_ids": f"最多 {MAX_ATTACHMENTS} 个附件"})
    heads = await approvers(stage="dept_head", department=own)
    async with transaction() as tx:
        request = await PurchaseRequest.create(
            department=own,
            requester_id=principal.user_id,
            title=title.strip(),
            reason=reason.strip(),
            category=category,
            items=items,
            total_fen=total_of(items),
            status="pending_dept",
            waiting_since=now,
            created_at=now,
            updated_at=now,
        )
        tx.created(request.id)
        # Raising inside the transaction undoes the request and the links.
        await uploads.take(
            tx,
            wanted,
            owner_id=principal.user_id,
            kinds=uploads.DOCUMENT_TYPES,
            field="attachment_ids",
            purchase_request_id=request.id,
        )
        await hand_to_heads(
            tx,
            request=request,
            heads=heads,
            requester_id=principal.user_id,
            action="submit",
            title="新的采购申请待您审批",
            now=now,
        )
    return await one(request)


async def hand_to_heads(
    tx: Tx,
    *,
    request: PurchaseRequest,
    heads: Iterable[int],
    requester_id: int,
    action: str,
    title: str,
    now: datetime,
) -> None:
    """The requester's step on the trail (in the request's current round) and the notice
    to the department heads who now decide it, inside the submit's transaction."""
    await RequestStep.create(
        using_db=tx.conn,
        request_id=request.id,
        role="requester",
        action=action,
        actor_id=requester_id,
        round=request.round,
        at=now,
    )
    await tell(
        tx,
        user_ids=heads,
        request=request,
        kind="procurement_to_approve",
        title=title,
        now=now,
        skip=[requester_id],
    )


async def submitted(*, user_id: int, ref: str, now: datetime) -> RequestView:
    """The request a committed submit created (named by its transaction): the answer
    to a replay of a submit whose first answer was lost with its process."""
    return await one(await PurchaseRequest.get(id=int(ref), requester_id=user_id))


async def get(*, request_id: int, principal: Principal) -> RequestView:
    return await one(await visible_request(request_id=request_id, principal=principal))


def _waiting_for_me(principal: Principal) -> Q:
    """The requests whose current stage the caller decides (never their own)."""
    roles = principal.roles
    waiting: list[Q] = []
    if "dept_head" in roles and principal.department:
        waiting.append(Q(status="pending_dept", department=principal.department))
    if "procurement" in roles:
        waiting.append(Q(status="pending_procurement"))
    if "admin" in roles:
        waiting.append(Q(status="pending_leader"))
    if not waiting:
        raise Forbidden("只有审批人可以查看待审批的采购申请")
    return Q(*waiting, join_type="OR")


async def list_requests(
    *,
    principal: Principal,
    scope: str,
    statuses: list[str],
    limit: int,
    cursor: str | None,
) -> RequestPage:
    """Newest first. `mine` for everyone; `to_approve` for approvers; `all` for procurement
    and admins (a department head's `all` is their own department)."""
    query = PurchaseRequest.all()
    if scope == "mine":
        query = query.filter(requester_id=principal.user_id)
    elif scope == "to_approve":
        query = query.filter(_waiting_for_me(principal)).exclude(requester_id=principal.user_id)
    elif scope == "all":
        if principal.has_role("procurement"):
            pass
        elif "dept_head" in principal.roles and principal.department:
            query = query.filter(department=principal.department)
        else:
            raise Forbidden("只有采购办、部门负责人和管理员可以查看全部采购申请")
    else:
        raise InvalidInput({"scope": "取值无效"})
    if statuses:
        query = query.filter(status__in=statuses)
    rows, next_cursor = await pagination.page(query, limit=limit, cursor=cursor)
    return RequestPage(items=await serialize(rows), next_cursor=next_cursor)


# --- the workflow --------------------------------------------------------------------


async def act(
    *,
    request_id: int,
    principal: Principal,
    action: str,
    now: datetime,
    comment: str = "",
    stage: str | None = None,
    supplier: str | None = None,
    amount_fen: int | None = None,
) -> RequestView:
    """Apply one action of TRANSITIONS.

    Refusals in this order: 404 if the caller may not see the request; 403 if they play
    no part that ever takes this action (or it is their own request to decide); 409
    invalid_state if the state does not allow it now, for them, including when a
    concurrent action changed the state first (the UPDATE is conditional on the state
    read); 409 stale if a decision names a stage (`stage`, API.md's word for it) other
    than the one the request waits for. An admin plays every stage, so without the
    stage a late tap on an old screen would silently decide the next one.
    """
    request = await visible_request(request_id=request_id, principal=principal)
    parts = parts_of(request, principal)
    if not parts & ACTORS.get(action, frozenset()):
        raise Forbidden("你不能对该采购申请执行此操作", details={"action": action})
    if action in DECISIONS and "requester" in parts:
        raise Forbidden("不能审批自己提交的采购申请", details={"action": action})
    rule = TRANSITIONS.get((request.status, action))
    if rule is None or rule.actor not in parts:
        # An approver of another stage is refused by the state, not the role: the head
        # who lost a race to approve sees 409 whether or not the winner committed first.
        raise InvalidState(request.status, action=action)
    seen = request.status
    if action in DECISIONS and WIRE_STAGES.get(stage or "") != STAGE_OF.get(seen):
        raise Stale(seen)
    target = next_state(rule, total_fen=request.total_fen, threshold_fen=threshold_fen())
    changes: dict[str, Any] = {
        "status": target,
        "updated_at": now,
        "waiting_since": now if target in STAGE_OF else None,
    }
    if action == "order":
        changes.update(supplier=(supplier or "").strip(), amount_fen=amount_fen, ordered_at=now)
    elif action == "receive":
        changes.update(received_at=now, received_note=comment)
    stage = STAGE_OF.get(seen)
    async with transaction() as tx:
        await WORKFLOW.claim(
            tx, PurchaseRequest, object_id=request.id, state=seen, action=action, changes=changes
        )
        try:
            await RequestStep.create(
                request_id=request.id,
                role=stage if action in DECISIONS and stage else rule.actor,
                action=action,
                actor_id=principal.user_id,
                comment=comment,
                decided_stage=decision_key(stage, request.round)
                if action in DECISIONS and stage
                else None,
                round=request.round,
                at=now,
            )
        except IntegrityError:  # the stage was decided by a write that bypassed the state
            raise InvalidState(seen, action=action) from None
        await request.refresh_from_db(using_db=tx.conn)
        await _announce(tx, request=request, action=action, actor_id=principal.user_id, now=now)
    return await one(request)


async def _announce(
    tx: Tx, *, request: PurchaseRequest, action: str, actor_id: int, now: datetime
) -> None:
    """Tell the requester what happened and the next approvers that it is their turn."""
    requester: int = request.requester_id
    status = request.status
    if action != "withdraw":
        await tell(
            tx,
            user_ids=[requester],
            request=request,
            kind="procurement_status",
            title=f"采购申请{STATUS_LABELS[status]}",
            now=now,
            skip=[actor_id],
        )
    next_stage = STAGE_OF.get(status)
    if next_stage is not None:
        people = await approvers(stage=next_stage, department=request.department)
        title = "采购申请待您审批"
    elif status == "approved":
        people = await approvers(stage="procurement", department=request.department)
        title = "采购申请已批准，待下单"
    elif action == "withdraw":
        people = await approvers(stage="dept_head", department=request.department)
        title = "采购申请已被申请人撤回"
    else:
        return
    await tell(
        tx,
        user_ids=people,
        request=request,
        kind="procurement_to_approve" if next_stage else "procurement_status",
        title=title,
        now=now,
        skip=[actor_id, requester],
    )


async def attachment(*, upload: Upload, principal: Principal) -> None:
    """Raise 404 unless the caller may see the request this attachment belongs to."""
    request = await PurchaseRequest.get_or_none(id=upload.purchase_request_id)
    if request is None:
        raise NotFound("附件不存在")
    if not await may_see(request, principal):
        raise NotFound("附件不存在")
