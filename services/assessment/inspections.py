"""Inspections against the standards, and the rectifications their failed items open.

The rectification workflow is one table, TRANSITIONS: (state, action) → (next state,
who may do it, the notice it sends and to whom). Every transition is a conditional
update on the state read, a RectificationEvent and its notices, in one transaction,
so two concurrent actions never both apply and a notice never reports an undone change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from models import could_exist
from models.assessment import (
    Inspection,
    InspectionResult,
    Rectification,
    RectificationEvent,
    Standard,
    Team,
)
from server import pagination, resources
from server.clock import month_bounds, parse_month, utc, wire
from server.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from server.tx import Tx, transaction
from services import notifications
from services.assessment import photos
from services.assessment.common import (
    contact_users,
    get_team,
    is_inspector,
    teams_of_contact,
)
from services.assessment.shapes import (
    Event,
    InspectionPage,
    InspectionView,
    Person,
    RectificationPage,
    RectificationView,
    Result,
    StandardRef,
    TeamRef,
)
from services.identity import Principal, names_of
from services.workflow import Workflow

Party = Literal["team_contact", "inspector", "system"]
Audience = Literal["team", "inspector", "both"]


@dataclass(frozen=True)
class Transition:
    next_state: str
    actor: Party
    notice: str  # kind in server/notice_kinds.py
    title: str
    audience: Audience


# The rectification state machine of API.md §11. `mark_overdue` is the job's.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("open", "submit"): Transition(
        "submitted", "team_contact", "rectification_submitted", "整改已提交，请复查", "inspector"
    ),
    ("overdue", "submit"): Transition(
        "submitted",
        "team_contact",
        "rectification_submitted",
        "逾期整改已提交，请复查",
        "inspector",
    ),
    ("submitted", "verify"): Transition(
        "verified", "inspector", "rectification_verified", "整改已通过复查", "team"
    ),
    ("submitted", "reject"): Transition(
        "open", "inspector", "rectification_rejected", "整改未通过复查，请重新整改", "team"
    ),
    ("open", "mark_overdue"): Transition(
        "overdue", "system", "rectification_overdue", "整改已逾期", "both"
    ),
}
WORKFLOW = Workflow(TRANSITIONS)
ACTIONS = ("submit", "verify", "reject")  # what people do (the job does mark_overdue)
ACTORS: dict[str, str] = {
    action: next(iter(WORKFLOW.actors[action])) for action in WORKFLOW.actions
}
LIVE = ("open", "submitted", "overdue")


# --- inspections -----------------------------------------------------------------------


async def create_inspection(
    *,
    principal: Principal,
    team_id: int,
    location: str,
    results: list[dict[str, Any]],
    now: datetime,
) -> InspectionView:
    """Record a walk-round; each failed item deducts its points and opens a rectification
    due in RECTIFICATION_DAYS, told to the team's contacts in the same transaction."""
    team = await get_team(team_id, field="team_id")
    standards = await _standards_for(team=team, results=results)
    due = now + timedelta(days=resources.settings().rectification_days)
    contacts = await contact_users(team)
    async with transaction() as tx:
        inspection = await Inspection.create(
            team_id=team.id, inspector_id=principal.user_id, at=now, location=location.strip()
        )
        tx.created(inspection.id)
        deducted = 0
        for index, result in enumerate(results):
            standard = standards[result["standard_id"]]
            points = 0 if result["passed"] else standard.points
            deducted += points
            await photos.take(
                tx,
                photo_ids=result.get("photo_ids") or [],
                owner_id=principal.user_id,
                team=team,
                field=f"results.{index}.photo_ids",
                now=now,
            )
            await InspectionResult.create(
                inspection_id=inspection.id,
                standard_id=standard.id,
                passed=result["passed"],
                note=(result.get("note") or "").strip(),
                photo_ids=list(dict.fromkeys(result.get("photo_ids") or [])),
                points=points,
            )
            if not result["passed"]:
                await _open_rectification(
                    tx, inspection=inspection, standard=standard, team=team, due=due,
                    contacts=contacts, actor_id=principal.user_id, now=now,
                )  # fmt: skip
        inspection.deducted = deducted
        await inspection.save(update_fields=["deducted"], using_db=tx.conn)
    return (await serialize_inspections([inspection]))[0]


async def inspected(*, user_id: int, ref: str, now: datetime) -> InspectionView:
    """The inspection a committed `create_inspection` recorded: the answer to a replay
    whose first answer was lost."""
    inspection = await Inspection.get(id=int(ref), inspector_id=user_id)
    return (await serialize_inspections([inspection]))[0]


async def _standards_for(*, team: Team, results: list[dict[str, Any]]) -> dict[int, Standard]:
    ids = [r["standard_id"] for r in results]
    if len(set(ids)) != len(ids):
        raise InvalidInput({"results": "同一考核标准只能出现一次"})
    found = {s.id: s for s in await Standard.filter(id__in=ids, service=team.service)}
    for index, standard_id in enumerate(ids):
        if standard_id not in found:
            raise InvalidInput({f"results.{index}.standard_id": "不是该团队服务类别的考核标准"})
    return found


async def _open_rectification(
    tx: Tx,
    *,
    inspection: Inspection,
    standard: Standard,
    team: Team,
    due: datetime,
    contacts: list[int],
    actor_id: int,
    now: datetime,
) -> None:
    rectification = await Rectification.create(
        inspection_id=inspection.id,
        standard_id=standard.id,
        team_id=team.id,
        due=due,
        status="open",
        created_at=now,
        updated_at=now,
    )
    await RectificationEvent.create(
        rectification_id=rectification.id,
        at=now,
        actor_id=actor_id,
        action="open",
        from_state="",
        to_state="open",
        note=f"{standard.code} {standard.text}",
    )
    for user_id in contacts:
        await notifications.notify(
            tx=tx,
            user_id=user_id,
            kind="rectification_opened",
            title="检查发现问题，请按期整改",
            body=f"{standard.code} {standard.text}"[:20],
            link=f"/pages/assessment/rectification?id={rectification.id}",
            template_data={"rectification_id": rectification.id, "due": wire(due)},
            now=now,
        )


async def serialize_inspections(inspections: list[Inspection]) -> list[InspectionView]:
    ids = [i.id for i in inspections]
    results = await InspectionResult.filter(inspection_id__in=ids).order_by("id")
    teams = {t.id: t for t in await Team.filter(id__in={i.team_id for i in inspections})}
    names = await names_of(i.inspector_id for i in inspections)
    by_inspection: dict[int, list[Result]] = {i: [] for i in ids}
    for r in results:
        by_inspection[r.inspection_id].append(
            Result(
                standard_id=r.standard_id,
                passed=r.passed,
                note=r.note,
                photo_ids=r.photo_ids,
                photos=r.photo_ids,
                points=r.points,
            )
        )
    return [
        InspectionView(
            id=i.id,
            team=_team_ref(teams[i.team_id]),
            inspector=Person(id=i.inspector_id, name=names.get(i.inspector_id, "未知用户")),
            at=i.at,
            location=i.location,
            results=by_inspection[i.id],
            deducted=i.deducted,
        )
        for i in inspections
    ]


def _team_ref(team: Team) -> TeamRef:
    return TeamRef(id=team.id, name=team.name, service=team.service)


async def list_inspections(
    *, team_id: int | None, month: str | None, limit: int, cursor: str | None
) -> InspectionPage:
    """Newest first, optionally of one team and one month."""
    query = Inspection.all()
    if team_id is not None:
        query = query.filter(team_id=(await get_team(team_id, field="team_id")).id)
    if month:
        start, end = month_bounds(parse_month(month))
        query = query.filter(at__gte=start, at__lt=end)
    rows, next_cursor = await pagination.page(query, limit=limit, cursor=cursor)
    return InspectionPage(items=await serialize_inspections(rows), next_cursor=next_cursor)


# --- rectifications ----------------------------------------------------------------------


async def _parts(rectification: Rectification, principal: Principal) -> set[Party]:
    parts: set[Party] = set()
    if is_inspector(principal):
        parts.add("inspector")
    if rectification.team_id in await teams_of_contact(principal):
        parts.add("team_contact")
    return parts


async def visible_rectification(*, rectification_id: int, principal: Principal) -> Rectification:
    """Inspectors and admins see every rectification, a team's contacts their team's."""
    found = (
        await Rectification.get_or_none(id=rectification_id)
        if could_exist(rectification_id)
        else None
    )
    if found is None or not await _parts(found, principal):
        raise NotFound("整改单不存在")
    return found


async def serialize_rectifications(rows: list[Rectification]) -> list[RectificationView]:
    ids = [r.id for r in rows]
    teams = {t.id: t for t in await Team.filter(id__in={r.team_id for r in rows})}
    standards = {s.id: s for s in await Standard.filter(id__in={r.standard_id for r in rows})}
    events = await RectificationEvent.filter(rectification_id__in=ids).order_by("at", "id")
    names = await names_of(e.actor_id for e in events)
    by_row: dict[int, list[Event]] = {i: [] for i in ids}
    for e in events:
        actor_id = e.actor_id
        by_row[e.rectification_id].append(
            Event(  # type: ignore[call-arg]  # by name; `from` on the wire
                at=e.at,
                actor=Person(id=actor_id, name=names.get(actor_id, "未知用户"))
                if actor_id
                else Person(id=None, name="系统"),
                action=e.action,
                from_state=e.from_state or None,
                to=e.to_state,
                note=e.note,
            )
        )
    result = []
    for r in rows:
        standard = standards[r.standard_id]
        result.append(
            RectificationView(
                id=r.id,
                inspection_id=r.inspection_id,
                standard_id=standard.id,
                standard=StandardRef(
                    code=standard.code, text=standard.text, points=standard.points
                ),
                team=_team_ref(teams[r.team_id]),
                due=r.due,
                status=r.status,
                note=r.note,
                photo_ids=r.photo_ids,
                photos=r.photo_ids,
                events=by_row[r.id],
            )
        )
    return result


async def get_rectification(*, rectification_id: int, principal: Principal) -> RectificationView:
    found = await visible_rectification(rectification_id=rectification_id, principal=principal)
    return (await serialize_rectifications([found]))[0]


async def list_rectifications(
    *, principal: Principal, status: str | None, team_id: int | None, limit: int
) -> RectificationPage:
    """An inspector's (all teams) or a contact's (their teams) rectifications, due first."""
    query = Rectification.all()
    if not is_inspector(principal):
        query = query.filter(team_id__in=await teams_of_contact(principal))
    if team_id is not None:
        query = query.filter(team_id=team_id if could_exist(team_id) else 0)
    if status:
        query = query.filter(status=status)
    rows = await query.order_by("due", "id").limit(limit)
    return RectificationPage(items=await serialize_rectifications(rows), next_cursor=None)


async def act(
    *,
    rectification_id: int,
    principal: Principal,
    action: str,
    now: datetime,
    note: str = "",
    photo_ids: list[int] | None = None,
) -> RectificationView:
    """Apply one action of TRANSITIONS: 404 if not visible, 403 if not the party of the
    action, 409 invalid_state if the state does not allow it (also when a concurrent
    action moved it first: the update is conditional on the state read)."""
    found = await visible_rectification(rectification_id=rectification_id, principal=principal)
    if ACTORS.get(action) not in await _parts(found, principal) or action not in ACTIONS:
        raise Forbidden("你不能对该整改单执行此操作", details={"action": action})
    if action in ("verify", "reject") and not principal.has_role("admin"):
        inspection = await Inspection.get(id=found.inspection_id)
        if inspection.inspector_id != principal.user_id:
            raise Forbidden("只有发起检查的检查员可以复查", details={"action": action})
    async with transaction() as tx:
        await transition(
            tx, rectification=found, action=action, actor_id=principal.user_id,
            note=note, photo_ids=photo_ids, now=now,
        )  # fmt: skip
    return await get_rectification(rectification_id=found.id, principal=principal)


async def transition(
    tx: Tx,
    *,
    rectification: Rectification,
    action: str,
    actor_id: int | None,
    note: str,
    now: datetime,
    photo_ids: list[int] | None = None,
) -> None:
    """One move of the state table inside `tx`: update, event, notices — or InvalidState."""
    rule = WORKFLOW.require(rectification.status, action)
    changes: dict[str, Any] = {"status": rule.next_state, "updated_at": now}
    team = await Team.get(id=rectification.team_id)
    if action == "submit":
        changes.update(note=note.strip(), photo_ids=list(dict.fromkeys(photo_ids or [])))
        assert actor_id is not None
        await photos.take(
            tx, photo_ids=photo_ids or [], owner_id=actor_id, team=team, field="photo_ids", now=now
        )
    await WORKFLOW.claim(
        tx,
        Rectification,
        object_id=rectification.id,
        state=rectification.status,
        action=action,
        changes=changes,
        retry_message="整改单刚被他人更新，请刷新后重试",
    )
    await RectificationEvent.create(
        rectification_id=rectification.id,
        at=now,
        actor_id=actor_id,
        action=action,
        from_state=rectification.status,
        to_state=rule.next_state,
        note=note.strip(),
    )
    await _tell(tx, rectification=rectification, team=team, rule=rule, actor_id=actor_id, now=now)


async def _tell(
    tx: Tx,
    *,
    rectification: Rectification,
    team: Team,
    rule: Transition,
    actor_id: int | None,
    now: datetime,
) -> None:
    people: list[int] = []
    if rule.audience in ("team", "both"):
        people += await contact_users(team)
    if rule.audience in ("inspector", "both"):
        inspection = await Inspection.get(id=rectification.inspection_id)
        people.append(inspection.inspector_id)
    standard = await Standard.get(id=rectification.standard_id)
    await notifications.notify_each(
        tx=tx,
        user_ids=dict.fromkeys(people),
        skip=[actor_id],
        kind=rule.notice,
        title=rule.title,
        body=f"{team.name}·{standard.text}"[:20],
        link=f"/pages/assessment/rectification?id={rectification.id}",
        template_data={"rectification_id": rectification.id, "status": rule.next_state},
        now=now,
    )


async def mark_overdue(*, now: datetime, batch: int = 500) -> int:
    """The job: open rectifications past their due time become overdue, each once.

    Once per rectification even with two runners: the transition is a conditional
    update on `open`, and the loser's InvalidState leaves its transaction empty.
    """
    now = utc(now)
    due = await Rectification.filter(status="open", due__lte=now).order_by("id").limit(batch)
    marked = 0
    for rectification in due:
        try:
            async with transaction() as tx:
                await transition(
                    tx, rectification=rectification, action="mark_overdue", actor_id=None,
                    note="超过整改期限未提交", now=now,
                )  # fmt: skip
        except (InvalidState, Conflict):
            continue
        marked += 1
    return marked
