"""Resubmitting a rejected request (API.md §12 POST /procurement/requests/{id}/resubmit).

The requester edits the request and sends it back to their department head: it is the
same request, in a new round of approval. Every decision of the earlier rounds stays on
the trail and in `steps`, followed by the `resubmitted` step; each stage is decided
once per round (models.procurement.RequestStep). Attachments are taken again as the
edited body lists them: the ones kept stay, new ones (the requester's own, unused
uploads) are attached, and the ones left out go back to their uploader.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import F

from models.procurement import CATEGORIES, PurchaseRequest
from models.uploads import Upload
from server.errors import Forbidden, InvalidInput, InvalidState
from server.tx import Tx, transaction
from services import uploads
from services.identity import Principal
from services.procurement.requests import (
    MAX_ATTACHMENTS,
    approvers,
    hand_to_heads,
    one,
    total_of,
    visible_request,
)
from services.procurement.rules import parts_of
from services.procurement.shapes import RequestView


async def resubmit(
    *,
    request_id: int,
    principal: Principal,
    title: str,
    reason: str,
    category: str,
    items: list[dict[str, Any]],
    attachment_ids: list[int],
    department: str | None = None,
    now: datetime,
) -> RequestView:
    """The edited request, `pending_dept` again. Refusals: 404 if the caller may not see
    it, 403 unless they are its requester, 409 invalid_state unless it is `rejected`
    (also when a concurrent resubmission got there first)."""
    request = await visible_request(request_id=request_id, principal=principal)
    if "requester" not in parts_of(request, principal):
        raise Forbidden("只有申请人可以重新提交", details={"action": "resubmit"})
    if request.status != "rejected":
        raise InvalidState(request.status, action="resubmit")
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = "取值无效"
    if department is not None and department.strip() != request.department:
        errors["department"] = "部门不能修改"
    if not items:
        errors["items"] = "至少填写一项物品"
    wanted = list(dict.fromkeys(attachment_ids))
    if len(wanted) > MAX_ATTACHMENTS:
        errors["attachment_ids"] = f"最多 {MAX_ATTACHMENTS} 个附件"
    if errors:
        raise InvalidInput(errors)
    heads = await approvers(stage="dept_head", department=request.department)
    async with transaction() as tx:
        moved = await PurchaseRequest.filter(id=request.id, status="rejected").update(
            title=title.strip(),
            reason=reason.strip(),
            category=category,
            items=items,
            total_fen=total_of(items),
            status="pending_dept",
            waiting_since=now,
            updated_at=now,
            round=F("round") + 1,
        )
        if not moved:
            current = await PurchaseRequest.get(id=request.id)
            raise InvalidState(current.status, action="resubmit")
        tx.created(request.id)
        await _retake_attachments(
            tx, request_id=request.id, owner_id=principal.user_id, wanted=wanted
        )
        await request.refresh_from_db(using_db=tx.conn)
        await hand_to_heads(
            tx,
            request=request,
            heads=heads,
            requester_id=principal.user_id,
            action="resubmit",
            title="采购申请已修改并重新提交，待您审批",
            now=now,
        )
    return await one(request)


async def resubmitted(*, user_id: int, ref: str, now: datetime) -> RequestView:
    """The request a committed `resubmit` sent back, as it is now (its heads may have
    decided it since): the answer to a replay whose first answer was lost."""
    return await one(await PurchaseRequest.get(id=int(ref), requester_id=user_id))


async def _retake_attachments(tx: Tx, *, request_id: int, owner_id: int, wanted: list[int]) -> None:
    """Attachments as the edited body lists them, inside the resubmission's transaction
    (raising undoes the whole resubmission)."""
    found: list[Any] = await Upload.filter(purchase_request_id=request_id).values_list(
        "id", flat=True
    )
    attached = {int(upload_id) for upload_id in found}
    dropped = [upload_id for upload_id in attached if upload_id not in wanted]
    if dropped:
        await Upload.filter(id__in=dropped).update(purchase_request_id=None)
    new = [upload_id for upload_id in wanted if upload_id not in attached]
    await uploads.take(
        tx,
        new,
        owner_id=owner_id,
        kinds=uploads.DOCUMENT_TYPES,
        field="attachment_ids",
        purchase_request_id=request_id,
    )
