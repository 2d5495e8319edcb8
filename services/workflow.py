"""A state machine as data: one table (state, action) → rule, read by everything else.

Repair tickets, purchase requests and assessment rectifications each declare their
table of rules (the next state, the party that acts, and what their domain adds: the
notice, its audience, a threshold) and hand it to `Workflow`, which answers the
questions they share: which actions exist, who may take each, what a state allows, and
how a move is claimed. A move is a conditional UPDATE on the state the caller read, in
the action's transaction, so of two concurrent actions exactly one moves the object;
the other is told what the object's state now allows.
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

from tortoise.models import Model

from server.errors import Conflict, InvalidState
from server.tx import Tx


class Rule(Protocol):
    @property
    def next_state(self) -> str: ...

    @property
    def actor(self) -> str: ...


R = TypeVar("R", bound=Rule)


class Workflow(Generic[R]):
    def __init__(self, table: dict[tuple[str, str], R]) -> None:
        self.table = table
        self.actions: tuple[str, ...] = tuple(dict.fromkeys(action for _, action in table))
        # Who may take an action at all (in any state that allows it).
        self.actors: dict[str, frozenset[str]] = {
            action: frozenset(rule.actor for (_, a), rule in table.items() if a == action)
            for action in self.actions
        }

    def rule(self, state: str, action: str) -> R | None:
        return self.table.get((state, action))

    def require(self, state: str, action: str) -> R:
        """The rule of `action` in `state`, or 409 invalid_state."""
        rule = self.table.get((state, action))
        if rule is None:
            raise InvalidState(state, action=action)
        return rule

    async def claim(
        self,
        tx: Tx,
        model: type[Model],
        *,
        object_id: int,
        state: str,
        action: str,
        changes: dict[str, Any],
        unchanged: dict[str, Any] | None = None,
        retry_message: str | None = None,
    ) -> None:
        """Apply `changes` to the object if it is still in `state` (and still has the
        `unchanged` values the caller read), in `tx`.

        Otherwise someone moved it first: 409 invalid_state with its current state when
        the action no longer applies there, or, given `retry_message`, 409 conflict when
        it still does (the caller may retry on what they now see).
        """
        rows = model.filter(id=object_id, status=state, **(unchanged or {})).using_db(tx.conn)
        if await rows.update(**changes):
            return
        found = await model.filter(id=object_id).using_db(tx.conn).values_list("status", flat=True)
        current = str(found[0]) if found else "missing"
        if retry_message is None or (current, action) not in self.table:
            raise InvalidState(current, action=action)
        raise Conflict(retry_message, details={"state": current})
