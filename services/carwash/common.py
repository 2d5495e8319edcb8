"""Shared pieces of the car-wash domain: wire views, ownership checks, time helpers."""

from __future__ import annotations

from typing import Any

from models import could_exist
from models.carwash import Card, Wash
from server.clock import local, utc, wire
from server.errors import NotFound
from services.carwash import shapes

__all__ = ["local", "utc", "wire"]  # the shared clock helpers, re-exported for this package

DOMAIN = "carwash"
LIVE_CARDS = ("pending_payment", "active", "refunding")  # count against per_user_limit


def card_link(card_id: int) -> str:
    return f"/pages/carwash/card?id={card_id}"


def card_view(card: Card) -> shapes.CardView:
    """The Card object of API.md §8 (`type` must be fetched with the card)."""
    return shapes.CardView(**_card_fields(card))


def card_detail(card: Card, washes: list[Wash]) -> shapes.CardDetail:
    """A card with its latest redemptions."""
    return shapes.CardDetail(**_card_fields(card), redemptions=[wash_view(w) for w in washes])


def _card_fields(card: Card) -> dict[str, Any]:
    return {
        "id": card.id,
        "type": shapes.TypeRef(id=card.type.id, name=card.type.name),
        "washes_total": card.washes_total,
        "washes_left": card.washes_left,
        "status": card.status,
        "purchased_at": card.purchased_at,
        "expires_at": card.expires_at,
        "refund_fen": card.refund_fen,
    }


def wash_view(wash: Wash) -> shapes.WashView:
    return shapes.WashView(
        id=wash.id, washed_at=wash.washed_at, plate=wash.plate, washes_left=wash.washes_left
    )


async def own_card(*, user_id: int, card_id: int) -> Card:
    """The caller's card, or NotFound (another user's card is not revealed)."""
    if not could_exist(card_id):
        raise NotFound("洗车卡不存在")
    card = await Card.get_or_none(id=card_id, owner_id=user_id).select_related("type")
    if card is None:
        raise NotFound("洗车卡不存在")
    return card
