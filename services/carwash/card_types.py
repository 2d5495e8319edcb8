"""Card types for admins: every type (inactive ones included) and editing one.

A card copies what it was sold with (washes, price, validity) when it is bought, so an
edit or `{"active": false}` changes what is on sale from now on and leaves every card
already sold — or being paid for — as it is.
"""

from __future__ import annotations

from typing import Any

from models import could_exist
from models.carwash import CardType
from server.errors import NotFound
from services.carwash import shapes
from services.carwash.cards import card_type_view


async def all_card_types() -> list[shapes.CardType]:
    """Every card type, on sale or not, cheapest first."""
    return [card_type_view(t) for t in await CardType.all().order_by("price_fen", "id")]


async def update_card_type(*, card_type_id: int, changes: dict[str, Any]) -> shapes.CardType:
    """Apply the fields given (name, washes, price_fen, valid_days, per_user_limit,
    active) to a card type; 404 for an unknown one."""
    found = await CardType.get_or_none(id=card_type_id) if could_exist(card_type_id) else None
    if found is None:
        raise NotFound("洗车卡类型不存在")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    if changes:
        await CardType.filter(id=found.id).update(**changes)
    return card_type_view(await CardType.get(id=found.id))
