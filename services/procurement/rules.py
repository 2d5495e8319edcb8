"""The approval workflow of purchase requests as data: one state table, who plays which part.

Everything else (handlers, the service, tests, the H5 screens) reads TRANSITIONS; there
is no per-action `if` chain deciding what may happen. A (state, action) pair that is not
in the table is 409 invalid_state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.procurement import PurchaseRequest
from services.identity import Principal
from services.workflow import Workflow

# The parts a caller can play on a request. `leader` is the role `admin` (API.md §12).
Part = Literal["requester", "dept_head", "procurement", "leader"]


@dataclass(frozen=True)
class Transition:
    next_state: str
    actor: Part
    # Where an approval goes instead when the total reaches the leader threshold.
    over_threshold: str | None = None


TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("pending_dept", "approve"): Transition("pending_procurement", "dept_head"),
    ("pending_dept", "reject"): Transition("rejected", "dept_head"),
    ("pending_dept", "withdraw"): Transition("withdrawn", "requester"),
    ("pending_procurement", "approve"): Transition(
        "approved", "procurement", over_threshold="pending_leader"
    ),
    ("pending_procurement", "reject"): Transition("rejected", "procurement"),
    ("pending_leader", "approve"): Transition("approved", "leader"),
    ("pending_leader", "reject"): Transition("rejected", "leader"),
    ("approved", "order"): Transition("ordered", "procurement"),
    ("ordered", "receive"): Transition("received", "procurement"),
}
WORKFLOW = Workflow(TRANSITIONS)
ACTIONS = WORKFLOW.actions
ACTORS = WORKFLOW.actors
DECISIONS = {"approve": "approved", "reject": "rejected"}
# What `steps` shows of the trail: the decisions, and the requester's resubmissions
# (API.md §12) that start a new round after a rejection.
STEP_DECISIONS = {**DECISIONS, "resubmit": "resubmitted"}
# The approval stage each pending status waits for.
STAGE_OF = {
    "pending_dept": "dept_head",
    "pending_procurement": "procurement",
    "pending_leader": "leader",
}
# API.md §12 names the stages on the wire (`stage` of approve/reject) by these words.
WIRE_STAGES = {"dept": "dept_head", "procurement": "procurement", "leader": "leader"}


def wire_stage(status: str) -> str | None:
    """API.md's word for the stage a status waits for (None once nothing is pending)."""
    stage = STAGE_OF.get(status)
    return next((word for word, name in WIRE_STAGES.items() if name == stage), None)


# The directory role that holds each stage (admin also decides every stage).
ROLE_OF_STAGE = {"dept_head": "dept_head", "procurement": "procurement", "leader": "admin"}

CATEGORY_LABELS = {"office": "办公用品", "furniture": "家具", "equipment": "设备", "other": "其他"}
STATUS_LABELS = {
    "pending_dept": "待部门审批",
    "pending_procurement": "待采购办审批",
    "pending_leader": "待领导审批",
    "approved": "已批准",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
    "ordered": "已下单",
    "received": "已收货",
}
STAGE_LABELS = {"dept_head": "部门负责人", "procurement": "采购办", "leader": "分管领导"}


def parts_of(request: PurchaseRequest, principal: Principal) -> set[str]:
    """The parts the caller plays on this request; empty means they may not see it.

    A department head plays a part only for their own department; an admin plays every
    approver part (the leader, and the stand-in for any approver).
    """
    parts: set[str] = set()
    if request.requester_id == principal.user_id:
        parts.add("requester")
    admin = "admin" in principal.roles
    if admin or (
        "dept_head" in principal.roles
        and bool(principal.department)
        and principal.department == request.department
    ):
        parts.add("dept_head")
    if admin or "procurement" in principal.roles:
        parts.add("procurement")
    if admin:
        parts.add("leader")
    return parts


def decision_key(stage: str, round_no: int) -> str:
    """What a decision row stores in decided_stage (unique per request): the stage, and
    from the second round of approval on its round, so each round decides each stage
    once (`dept_head`, then `dept_head#2` after a resubmission)."""
    return stage if round_no == 1 else f"{stage}#{round_no}"


def next_state(rule: Transition, *, total_fen: int, threshold_fen: int) -> str:
    if rule.over_threshold is not None and total_fen >= threshold_fen:
        return rule.over_threshold
    return rule.next_state
