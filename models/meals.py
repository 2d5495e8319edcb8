"""Meals: menus with dishes and pickup slots, and the orders placed against them.

Places and dish stock are counted by the booking engine (one engine resource per
menu, one engine counter per dish); these rows are the domain's view of them. A
pickup slot's primary key IS the engine slot id, so API slot ids and engine slot
ids never need translating.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.identity import User

MEALS = ("breakfast", "lunch", "dinner")
PICKUPS = ("dine_in", "takeaway")
ORDER_STATUSES = ("confirmed", "waitlisted", "cancelled", "served", "no_show")


class Menu(Model):
    """One meal of one canteen on one day, with its order deadline and per-user limit."""

    id = fields.IntField(primary_key=True)
    date = fields.DateField()
    meal = fields.CharField(max_length=16)
    canteen = fields.CharField(max_length=64)
    order_deadline = fields.DatetimeField()
    per_user_limit = fields.IntField(default=1)
    # The engine resource that counts this menu's places, dish stock and user limits.
    resource_id = fields.IntField(default=0)
    # Set once when the prep summary went to the canteen (claimed by a conditional update).
    summary_sent_at = fields.DatetimeField(null=True)
    # Withdrawn by an admin: no new orders (the engine resource is closed too), the
    # orders already placed stay as they are.
    withdrawn_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "meal_menus"
        unique_together = (("date", "meal", "canteen"),)


class Dish(Model):
    """A dish on a menu with its stock (portions the kitchen will cook)."""

    id = fields.IntField(primary_key=True)
    menu: fields.ForeignKeyRelation[Menu] = fields.ForeignKeyField(
        "meals.Menu", related_name="dishes", on_delete=fields.CASCADE
    )
    menu_id: int
    name = fields.CharField(max_length=64)
    price_fen = fields.IntField()
    stock = fields.IntField()
    position = fields.IntField(default=0)

    class Meta:
        table = "meal_dishes"


class PickupSlot(Model):
    """A staggered pickup window of a menu. Its id is the booking engine slot id."""

    id = fields.IntField(primary_key=True, generated=False)
    menu: fields.ForeignKeyRelation[Menu] = fields.ForeignKeyField(
        "meals.Menu", related_name="slots", on_delete=fields.CASCADE
    )
    menu_id: int
    start = fields.DatetimeField()
    end = fields.DatetimeField()
    capacity = fields.IntField()

    class Meta:
        table = "meal_pickup_slots"


class Order(Model):
    """A user order for one pickup slot, backed by one engine reservation."""

    id = fields.IntField(primary_key=True)
    menu: fields.ForeignKeyRelation[Menu] = fields.ForeignKeyField(
        "meals.Menu", related_name="orders", on_delete=fields.CASCADE
    )
    menu_id: int
    slot: fields.ForeignKeyRelation[PickupSlot] = fields.ForeignKeyField(
        "meals.PickupSlot", related_name="orders", on_delete=fields.CASCADE
    )
    slot_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="meal_orders", on_delete=fields.CASCADE
    )
    user_id: int
    reservation_id = fields.IntField(unique=True)
    # [{dish_id, name, qty, price_fen}] as ordered: names and prices frozen at order time.
    items: list[dict[str, Any]] = fields.JSONField(default=list)
    total_fen = fields.IntField()
    pickup = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, db_index=True)
    # Random 256-bit URL-safe code, shown to the owner only while confirmed.
    pickup_code = fields.CharField(max_length=64, unique=True)
    served_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "meal_orders"
        indexes = (("menu_id", "status"), ("user_id", "menu_id"))
