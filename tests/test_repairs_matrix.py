"""Every (state, action, actor) combination, generated from services.repairs.TRANSITIONS.

For each state, one ticket is brought there and every refused combination is tried on
it (a refusal changes nothing, so the ticket can be shared); every allowed combination
runs on a fresh ticket and must reach the table's next state. The expected answer is
derived from the table and the visibility rule of API.md §5, not hand-picked:
404 when the actor may not see the ticket, 403 when they see it but are not the party
for the action, 409 invalid_state when the state does not allow the action.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from models.identity import Staff
from models.repairs import STATUSES, Ticket, TicketEvent
from services.repairs import ACTIONS, ACTORS, TRANSITIONS
from tests.support import assert_error
from tests.support.repairs import Cast, act, drive, make_cast

# Actors tried on every ticket; `fixer` is the assignee once the ticket is assigned.
ACTOR_NAMES = ("requester", "fixer", "lead", "admin", "other_crew", "stranger")


def parts(actor: str, state: str) -> set[str]:
    """The parts an actor plays on a ticket in `state` that went down the usual path."""
    has_assignee = state in ("assigned", "in_progress", "resolved", "closed")
    return {
        "requester": {"requester"},
        "fixer": {"assignee"} if has_assignee else set(),
        "lead": {"facility_lead"},
        "admin": {"facility_lead"},  # admin may do what every role may
    }.get(actor, set())


def expected(state: str, action: str, actor: str) -> int:
    played = parts(actor, state)
    if not played:
        return 404
    rule = TRANSITIONS.get((state, action))
    allowed = {rule.actor} if rule else set(ACTORS[action])
    if not played & allowed:
        return 403
    return 200 if rule else 409


def test_the_table_covers_the_contract():
    """A guard on the generator itself: the contract's transitions are all in the table."""
    assert set(ACTIONS) == {"assign", "start", "resolve", "confirm", "reopen", "cancel", "rate"}
    assert {s for s, _ in TRANSITIONS} <= set(STATUSES)
    contract = {
        ("open", "assign"): "assigned",
        ("assigned", "start"): "in_progress",
        ("in_progress", "resolve"): "resolved",
        ("resolved", "confirm"): "closed",
        ("resolved", "reopen"): "in_progress",
        ("open", "cancel"): "cancelled",
        ("assigned", "cancel"): "cancelled",
        ("resolved", "rate"): "resolved",
        ("closed", "rate"): "closed",
    }
    for key, next_state in contract.items():
        assert TRANSITIONS[key].next_state == next_state
    assert {(s, a) for s, a in TRANSITIONS if s in ("closed", "cancelled")} == {("closed", "rate")}


COMBINATIONS = [(s, a, who) for s in STATUSES for a in ACTIONS for who in ACTOR_NAMES]
REFUSED = [c for c in COMBINATIONS if expected(*c) != 200]
ALLOWED = [c for c in COMBINATIONS if expected(*c) == 200]
CODES = {404: "not_found", 403: "forbidden", 409: "invalid_state"}


def test_the_matrix_is_not_degenerate():
    """Every kind of refusal is tried many times, and each table row is reachable by
    its own actor (admin adds the lead's rows again)."""
    tried = Counter(expected(*c) for c in REFUSED)
    assert min(tried[status] for status in CODES) >= 10, tried
    assert {(s, a) for s, a, _ in ALLOWED} == set(TRANSITIONS)


@pytest.fixture(scope="module")
async def cast(app) -> Cast:
    made = await make_cast()
    assert "facility" not in (await Staff.get(id=made.admin.staff_id)).roles
    return made


_tickets: dict[str, dict[str, Any]] = {}


async def shared_ticket(client: Any, cast: Cast, state: str) -> dict[str, Any]:
    """One ticket per state for the refused combinations: a refusal changes nothing,
    which each case checks, so the next case finds the ticket as it was."""
    if state not in _tickets:
        _tickets[state] = await drive(client, cast, state)
    return _tickets[state]


@pytest.mark.parametrize(("state", "action", "actor"), REFUSED)
async def test_refused(client, cast, state, action, actor):
    ticket = await shared_ticket(client, cast, state)
    events_before = await TicketEvent.filter(ticket_id=ticket["id"]).count()
    status = expected(state, action, actor)
    response = await act(client, ticket["id"], action, cast.by_name(actor), cast)
    error = assert_error(response, status, CODES[status])
    if status == 409:
        assert error["details"]["state"] == state
    assert (await Ticket.get(id=ticket["id"])).status == state
    assert await TicketEvent.filter(ticket_id=ticket["id"]).count() == events_before


@pytest.mark.parametrize(("state", "action", "actor"), ALLOWED)
async def test_allowed(client, cast, state, action, actor):
    ticket = await drive(client, cast, state)
    response = await act(client, ticket["id"], action, cast.by_name(actor), cast)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == TRANSITIONS[(state, action)].next_state
    last = response.json()["events"][-1]
    assert (last["action"], last["actor"]["id"]) == (action, cast.by_name(actor).user_id)
