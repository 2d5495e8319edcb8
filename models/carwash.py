"""Car-wash cards: card types, cards bought with WeChat Pay, the wash ledger, the
payment notifications received, and wash-bay days, slots and bookings.

A card is its own purchase: it carries the WeChat Pay order (out_trade_no, prepay id,
amount) and, once refunded, the refund. Bay places are counted by the booking engine
(one engine resource per day, so one live booking per user per day is the engine's
per-user limit); a slot primary key IS the engine slot id.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.identity import User

CARD_STATUSES = (
    "pending_payment",
    "active",
    "used_up",
    "expired",
    "refunding",
    "refunded",
    "closed",
)
BOOKING_STATUSES = ("confirmed", "cancelled", "washed", "no_show")


class CardType(Model):
    """A punch card on sale: washes, price, validity and the per-user limit."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    washes = fields.IntField()
    price_fen = fields.IntField()
    valid_days = fields.IntField()
    per_user_limit = fields.IntField(default=1)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "carwash_card_types"


class Card(Model):
    """A card of one owner, with the WeChat Pay order that bought it."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="carwash_cards", on_delete=fields.CASCADE
    )
    owner_id: int
    type: fields.ForeignKeyRelation[CardType] = fields.ForeignKeyField(
        "carwash.CardType", related_name="cards", on_delete=fields.RESTRICT
    )
    type_id: int
    washes_total = fields.IntField()
    washes_left = fields.IntField()
    status = fields.CharField(max_length=16, db_index=True)
    amount_fen = fields.IntField()
    out_trade_no = fields.CharField(max_length=32, unique=True)
    prepay_id = fields.CharField(max_length=64, null=True)
    transaction_id = fields.CharField(max_length=64, null=True)
    purchased_at = fields.DatetimeField(null=True)  # when the verified payment succeeded
    expires_at = fields.DatetimeField(null=True, db_index=True)
    reminded_at = fields.DatetimeField(null=True)  # the 7-day expiry reminder went out
    refund_fen = fields.IntField(null=True)
    out_refund_no = fields.CharField(max_length=64, null=True, unique=True)
    refund_requested_at = fields.DatetimeField(null=True)
    refunded_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "carwash_cards"
        indexes = (("owner_id", "status"),)


REFUND_STATUSES = ("requested", "processing", "success", "closed", "abnormal", "refused")
REFUND_OPEN = ("requested", "processing")  # no verified outcome yet
REFUND_PAID = ("success", "abnormal")  # money left the merchant account


class Refund(Model):
    """One refund asked of WeChat Pay, kept for good under its own refund number.

    requested (written before WeChat Pay is called, so a crash leaves a trace), then
    processing (WeChat Pay accepted it), then success, closed or abnormal as WeChat Pay
    says in a verified notification or refund query, or refused (WeChat Pay answered
    no: nothing was created there).
    """

    id = fields.IntField(primary_key=True)
    card: fields.ForeignKeyRelation[Card] = fields.ForeignKeyField(
        "carwash.Card", related_name="refunds", on_delete=fields.CASCADE
    )
    card_id: int
    out_refund_no = fields.CharField(max_length=64, unique=True)
    amount_fen = fields.IntField()
    status = fields.CharField(max_length=16, db_index=True)
    refund_id = fields.CharField(max_length=64, null=True)
    requested_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "carwash_refunds"


class Wash(Model):
    """The ledger: one row per wash taken, committed with the card decrement."""

    id = fields.IntField(primary_key=True)
    card: fields.ForeignKeyRelation[Card] = fields.ForeignKeyField(
        "carwash.Card", related_name="washes", on_delete=fields.CASCADE
    )
    card_id: int
    attendant: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="carwash_redemptions", on_delete=fields.CASCADE
    )
    attendant_id: int
    plate = fields.CharField(max_length=16, null=True)
    booking_id = fields.IntField(null=True)
    washes_left = fields.IntField()  # on the card after this wash
    washed_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "carwash_washes"


class PayNotification(Model):
    """Every verified WeChat Pay notification, once per notification id (replays no-op)."""

    id = fields.IntField(primary_key=True)
    notification_id = fields.CharField(max_length=64, unique=True)
    event_type = fields.CharField(max_length=32)
    out_trade_no = fields.CharField(max_length=32, db_index=True)
    outcome = fields.CharField(max_length=32)  # applied, mismatch, ignored, unknown_order
    received_at = fields.DatetimeField()

    class Meta:
        table = "carwash_pay_notifications"


class WashDay(Model):
    """One day of the wash bays: its engine resource (capacity per slot = bays)."""

    id = fields.IntField(primary_key=True)
    date = fields.DateField(unique=True)
    bays = fields.IntField()
    resource_id = fields.IntField(default=0)

    class Meta:
        table = "carwash_days"


class WashSlot(Model):
    """A bookable wash window. Its id is the booking engine slot id."""

    id = fields.IntField(primary_key=True, generated=False)
    day: fields.ForeignKeyRelation[WashDay] = fields.ForeignKeyField(
        "carwash.WashDay", related_name="slots", on_delete=fields.CASCADE
    )
    day_id: int
    start = fields.DatetimeField(db_index=True)
    end = fields.DatetimeField()
    capacity = fields.IntField()

    class Meta:
        table = "carwash_slots"


class WashBooking(Model):
    """A bay booking of one user, backed by one engine reservation."""

    id = fields.IntField(primary_key=True)
    slot: fields.ForeignKeyRelation[WashSlot] = fields.ForeignKeyField(
        "carwash.WashSlot", related_name="bookings", on_delete=fields.CASCADE
    )
    slot_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="carwash_bookings", on_delete=fields.CASCADE
    )
    user_id: int
    card: fields.ForeignKeyRelation[Card] = fields.ForeignKeyField(
        "carwash.Card", related_name="bookings", on_delete=fields.CASCADE
    )
    card_id: int
    reservation_id = fields.IntField(unique=True)
    plate = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "carwash_bookings"
        indexes = (("user_id", "status"),)
