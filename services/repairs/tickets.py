"""Repair tickets (API.md §5): report, dispatch, crew workflow, timeline, escalation, rating.

The whole workflow is one table, TRANSITIONS: (state, action) → (next state, who may do
it, the notice it sends). Handlers, tests and the docs read the table; there are no
per-action `if` chains. Who may see a ticket is as narrow as the contract allows: its
requester, its assignee, facility leads and admins; everyone else gets 404, so ticket
ids reveal nothing. Changes are conditional updates on the state the caller saw, so two
concurrent actions on one ticket can never both apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from tortoise.exceptions import IntegrityError

from models import could_exist
from models.identity import Staff, User
from models.repairs import (
    CATEGORIES,
    CategoryDeadline,
    Rating,
    TicketEvent,
)
from models.repairs import (
    Ticket as TicketRow,
)
from models.uploads import Upload
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.logs import get_logger
from server.pagination import page
from server.tx import Tx, transaction
from services import identity, notifications, uploads
from services.identity import Principal, names_of
from services.repairs.shapes import (
    Categories,
    Category,
    Event,
    Person,
    Ticket,
    TicketPage,
    TicketRating,
)
from services.workflow import Workflow

log = get_logger("repairs")

Part = Literal["requester", "assignee", "facility_lead"]


@dataclass(frozen=True)
class Transition:
    next_state: str
    actor: Part
    notice: str  # kind in server/notice_kinds.py
    title: str  # notice title shown to the other party


# The state machine of API.md §5. A facility lead may also re-dispatch a ticket that is
# assigned or being worked (a crew member falls ill); `rate` keeps the state.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("open", "assign"): Transition("assigned", "facility_lead", "repair_assigned", "报修单已派单"),
    ("assigned", "assign"): Transition(
        "assigned", "facility_lead", "repair_assigned", "报修单已改派"
    ),
    ("in_progress", "assign"): Transition(
        "assigned", "facility_lead", "repair_assigned", "报修单已改派"
    ),
    ("assigned", "start"): Transition("in_progress", "assignee", "repair_started", "维修已开始"),
    ("in_progress", "resolve"): Transition(
        "resolved", "assignee", "repair_resolved", "维修已完成，请确认"
    ),
    ("resolved", "confirm"): Transition("closed", "requester", "repair_closed", "报修人已确认完成"),
    ("resolved", "reopen"): Transition(
        "in_progress", "requester", "repair_reopened", "报修人反馈问题未解决"
    ),
    ("open", "cancel"): Transition("cancelled", "requester", "repair_cancelled", "报修单已撤销"),
    ("assigned", "cancel"): Transition(
        "cancelled", "requester", "repair_cancelled", "报修单已撤销"
    ),
    ("resolved", "rate"): Transition("resolved", "requester", "repair_rated", "报修人已评价"),
    ("closed", "rate"): Transition("closed", "requester", "repair_rated", "报修人已评价"),
}
WORKFLOW = Workflow(TRANSITIONS)
ACTIONS = WORKFLOW.actions
ACTORS = WORKFLOW.actors  # who may perform an action at all (the same in every state)

CATEGORY_LABELS = {
    "electrical": "电气",
    "plumbing": "给排水",
    "hvac": "空调暖通",
    "it": "网络与电脑",
    "furniture": "家具门窗",
    "other": "其他",
}
# Built-in resolve deadlines; a CategoryDeadline row overrides one.
DEFAULT_DEADLINES = {
    "electrical": timedelta(hours=24),
    "plumbing": timedelta(hours=12),
    "hvac": timedelta(hours=48),
    "it": timedelta(hours=8),
    "furniture": timedelta(hours=72),
    "other": timedelta(hours=72),
}
UNASSIGNED_AFTER = timedelta(minutes=30)
AUTO_CLOSE_AFTER = timedelta(hours=72)
MAX_PHOTOS = 9


def parts_of(ticket: TicketRow, principal: Principal) -> set[str]:
    """The parts the caller plays on this ticket; empty means they may not see it."""
    parts: set[str] = set()
    if ticket.requester_id == principal.user_id:
        parts.add("requester")
    if ticket.assignee_id == principal.user_id:
        parts.add("assignee")
    if principal.has_role("facility_lead"):
        parts.add("facility_lead")
    return parts


async def visible_ticket(*, ticket_id: int, principal: Principal) -> TicketRow:
    """The ticket, or 404 when it does not exist or the caller may not see it."""
    ticket = await TicketRow.get_or_none(id=ticket_id) if could_exist(ticket_id) else None
    if ticket is None or not parts_of(ticket, principal):
        raise NotFound("报修单不存在")
    return ticket


async def photo(*, upload_id: int, principal: Principal) -> tuple[Upload, bytes]:
    """A photo for whoever may see its ticket (or its uploader before a ticket takes it).

    Anyone else gets the same 404 as for a photo that does not exist.
    """
    upload = await Upload.get_or_none(id=upload_id) if could_exist(upload_id) else None
    if upload is None:
        raise NotFound("图片不存在")
    ticket_id: int | None = upload.ticket_id
    if ticket_id is None:
        if upload.owner_id != principal.user_id:
            raise NotFound("图片不存在")
    else:
        ticket = await TicketRow.get(id=ticket_id)
        if not parts_of(ticket, principal):
            raise NotFound("图片不存在")
    return upload, await uploads.read(upload=upload)


# --- deadlines per category ----------------------------------------------------------


async def deadlines() -> dict[str, timedelta]:
    """Resolve deadline of every category: the defaults, overridden by the table."""
    result = dict(DEFAULT_DEADLINES)
    for row in await CategoryDeadline.all():
        if row.category in result:
            result[row.category] = timedelta(minutes=row.resolve_within_minutes)
    return result


async def categories() -> Categories:
    limits = await deadlines()
    return Categories(
        items=[
            Category(
                category=category,
                label=CATEGORY_LABELS[category],
                resolve_within_minutes=int(limits[category].total_seconds() // 60),
            )
            for category in CATEGORIES
        ]
    )


async def set_deadline(*, category: str, resolve_within_minutes: int) -> Category:
    """Change a category deadline; it applies to tickets reported from now on."""
    if category not in CATEGORIES:
        raise NotFound("没有这个报修类别")
    await CategoryDeadline.update_or_create(
        defaults={"resolve_within_minutes": resolve_within_minutes}, category=category
    )
    return next(c for c in (await categories()).items if c.category == category)


# --- serialization ---------------------------------------------------------------------


def _person(user_id: int | None, names: dict[int, str]) -> Person | None:
    if user_id is None:
        return None
    return Person(id=user_id, name=names.get(user_id, "未知用户"))


async def serialize(tickets: list[TicketRow]) -> list[Ticket]:
    """Tickets as API.md §5 `Ticket`, with events, photos and rating, in a few queries."""
    ids = [t.id for t in tickets]
    if not ids:
        return []
    events = await TicketEvent.filter(ticket_id__in=ids).order_by("at", "id")
    photos = await Upload.filter(ticket_id__in=ids).order_by("id").values_list("id", "ticket_id")
    ratings = {r.ticket_id: r for r in await Rating.filter(ticket_id__in=ids)}
    users: list[int | None] = [e.actor_id for e in events]
    for t in tickets:
        users += [t.requester_id, t.assignee_id]
    names = await names_of(users)
    by_ticket: dict[int, list[Event]] = {i: [] for i in ids}
    for e in events:
        actor = _person(e.actor_id, names) or Person(id=None, name="系统")
        by_ticket[e.ticket_id].append(
            Event(
                at=e.at, actor=actor, action=e.action, note=e.note, photos=list(e.photo_ids or [])
            )
        )
    photo_ids: dict[int, list[int]] = {i: [] for i in ids}
    for photo_id, ticket_id in photos:
        photo_ids[int(ticket_id)].append(int(photo_id))
    result = []
    for t in tickets:
        rating = ratings.get(t.id)
        requester = _person(t.requester_id, names)
        assert requester is not None
        result.append(
            Ticket(
                id=t.id,
                category=t.category,
                location=t.location,
                description=t.description,
                photos=photo_ids[t.id],
                status=t.status,
                requester=requester,
                assignee=_person(t.assignee_id, names),
                rating=TicketRating(score=rating.score, comment=rating.comment) if rating else None,
                created_at=t.created_at,
                updated_at=t.updated_at,
                resolved_at=t.resolved_at,
                due_at=t.due_at,
                events=by_ticket[t.id],
            )
        )
    return result


async def one(ticket: TicketRow) -> Ticket:
    return (await serialize([ticket]))[0]


# --- reporting, reading, listing -------------------------------------------------------


async def report(
    *,
    principal: Principal,
    category: str,
    location: str,
    description: str,
    photo_ids: list[int],
    now: datetime,
) -> Ticket:
    """A new open ticket; the reporter's own unattached photos become its photos."""
    if category not in CATEGORIES:
        raise InvalidInput({"category": "取值无效"})
    wanted = list(dict.fromkeys(photo_ids))
    if len(wanted) > MAX_PHOTOS:
        raise InvalidInput({"photo_ids": f"最多 {MAX_PHOTOS} 张图片"})
    limit = (await deadlines())[category]
    leads = await identity.staff_with_role(role="facility_lead")
    async with transaction() as tx:
        ticket = await TicketRow.create(
            category=category,
            location=location.strip(),
            description=description.strip(),
            status="open",
            requester_id=principal.user_id,
            created_at=now,
            updated_at=now,
            due_at=now + limit,
        )
        tx.created(ticket.id)
        # Raising inside the transaction undoes the ticket and the photo links.
        await uploads.take(
            tx, wanted, owner_id=principal.user_id, field="photo_ids", ticket_id=ticket.id
        )
        await TicketEvent.create(
            ticket_id=ticket.id,
            at=now,
            actor_id=principal.user_id,
            action="report",
            note="",
            photo_ids=wanted,
        )
        await tell(
            tx,
            user_ids=leads,
            ticket=ticket,
            kind="repair_new",
            title="新的报修单待派单",
            now=now,
        )
    return await one(ticket)


async def reported(*, user_id: int, ref: str, now: datetime) -> Ticket:
    """The ticket a committed report created (named by its transaction): the answer
    to a replay of a report whose first answer was lost with its process."""
    return await one(await TicketRow.get(id=int(ref), requester_id=user_id))


async def get(*, ticket_id: int, principal: Principal) -> Ticket:
    return await one(await visible_ticket(ticket_id=ticket_id, principal=principal))


async def list_tickets(
    *,
    principal: Principal,
    scope: str,
    statuses: list[str],
    limit: int,
    cursor: str | None,
) -> TicketPage:
    """Newest first. `mine` for everyone, `assigned` for crews, `all` for leads and admins."""
    query = TicketRow.all()
    if scope == "mine":
        query = query.filter(requester_id=principal.user_id)
    elif scope == "assigned":
        if not principal.has_role("facility", "facility_lead"):
            raise Forbidden("只有维修人员可以查看派给自己的报修单")
        query = query.filter(assignee_id=principal.user_id)
    elif scope == "all":
        if not principal.has_role("facility_lead"):
            raise Forbidden("只有维修主管可以查看全部报修单")
    else:
        raise InvalidInput({"scope": "取值无效"})
    if statuses:
        query = query.filter(status__in=statuses)
    rows, next_cursor = await page(query, limit=limit, cursor=cursor)
    return TicketPage(items=await serialize(rows), next_cursor=next_cursor)


# --- the workflow --------------------------------------------------------------------


async def act(
    *,
    ticket_id: int,
    principal: Principal,
    action: str,
    now: datetime,
    note: str = "",
    assignee_id: int | None = None,
    score: int | None = None,
    photo_ids: list[int] | None = None,
) -> Ticket:
    """Apply one action of TRANSITIONS to a ticket. `photo_ids` (resolve): the crew's
    completion photos — their own uploads not yet used — become photos of the ticket
    and of the resolve event, in the same transaction.

    Order of refusals: 404 if the caller may not see the ticket, 403 if they may see it
    but are not the party that performs this action, 409 invalid_state if the ticket's
    state does not allow it. The update is conditional on the state (and assignee) read,
    so a concurrent action that got there first turns this one into 409.
    """
    ticket = await visible_ticket(ticket_id=ticket_id, principal=principal)
    parts = parts_of(ticket, principal)
    rule = WORKFLOW.rule(ticket.status, action)
    allowed = {rule.actor} if rule else ACTORS.get(action, frozenset())
    if not parts & allowed:
        raise Forbidden("你不能对该报修单执行此操作", details={"action": action})
    rule = WORKFLOW.require(ticket.status, action)
    changes: dict[str, Any] = {"status": rule.next_state, "updated_at": now}
    if action == "assign":
        assert assignee_id is not None
        crew_name = await _check_crew(user_id=assignee_id)
        changes.update(assignee_id=assignee_id, assigned_at=now)
        note = f"指派给 {crew_name}"
    elif action == "resolve":
        changes["resolved_at"] = now
    elif action == "reopen":
        changes["resolved_at"] = None
    elif action == "confirm":
        changes["closed_at"] = now
    previous_assignee: int | None = ticket.assignee_id
    photos = list(dict.fromkeys(photo_ids or []))
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput({"photo_ids": f"最多 {MAX_PHOTOS} 张图片"})
    async with transaction() as tx:
        await WORKFLOW.claim(
            tx,
            TicketRow,
            object_id=ticket.id,
            state=ticket.status,
            action=action,
            changes=changes,
            unchanged={"assignee_id": previous_assignee},
            retry_message="报修单刚被他人更新，请刷新后重试",
        )
        if action == "rate":
            assert score is not None
            try:
                await Rating.create(ticket_id=ticket.id, score=score, comment=note, created_at=now)
            except IntegrityError:
                raise Conflict("该报修单已评价", details={"ticket_id": ticket.id}) from None
        await uploads.take(
            tx, photos, owner_id=principal.user_id, field="photo_ids", ticket_id=ticket.id
        )
        await TicketEvent.create(
            ticket_id=ticket.id,
            at=now,
            actor_id=principal.user_id,
            action=action,
            note=_event_note(action=action, note=note, score=score),
            photo_ids=photos,
        )
        await ticket.refresh_from_db(using_db=tx.conn)
        await tell(
            tx,
            user_ids=_others(ticket, action=action, previous_assignee=previous_assignee),
            ticket=ticket,
            kind=rule.notice,
            title=rule.title,
            now=now,
            actor_id=principal.user_id,
        )
    return await one(ticket)


def _event_note(*, action: str, note: str, score: int | None) -> str:
    if action == "rate":
        return f"{score} 星" + (f"：{note}" if note else "")
    return note


def _others(ticket: TicketRow, *, action: str, previous_assignee: int | None) -> list[int]:
    """Who hears about the action: the other party (both, when the lead dispatches)."""
    requester: int = ticket.requester_id
    assignee: int | None = ticket.assignee_id
    if action == "assign":
        people = [requester, assignee, previous_assignee]
    elif action in ("start", "resolve"):
        people = [requester]
    else:  # the requester acted: confirm, reopen, cancel, rate
        people = [assignee]
    return list(dict.fromkeys(p for p in people if p is not None))


async def _check_crew(*, user_id: int) -> str:
    """The assignee must be a bound, active account holding the facility role; their name."""
    user = await User.get_or_none(id=user_id)
    staff = await Staff.get_or_none(id=user.staff_id) if user and user.staff_id else None
    if staff is None or not staff.active or "facility" not in staff.roles:
        raise InvalidInput({"assignee_id": "该用户不是维修人员"})
    return staff.name


async def tell(
    tx: Tx,
    *,
    user_ids: Iterable[int],
    ticket: TicketRow,
    kind: str,
    title: str,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    """The notices about a ticket's change, in the transaction of that change (the
    actor is not told of their own action)."""
    label = CATEGORY_LABELS.get(ticket.category, ticket.category)
    body = f"{label}·{ticket.location}"[:20]
    await notifications.notify_each(
        tx=tx,
        user_ids=user_ids,
        skip=[actor_id],
        kind=kind,
        title=title,
        body=body,
        link=f"/pages/repairs/ticket?id={ticket.id}",
        template_data={"ticket_id": ticket.id, "status": ticket.status},
        now=now,
    )
