"""Duty station (勤务站): the errands catalogue, counter slots, appointments and the call queue.

Counter places are counted by the booking engine (one engine resource per service, so
its per-user limit of one is "one live appointment per person and service"); a slot's
primary key IS the engine slot id. The queue is the appointments of a day in the states
waiting and called; a call takes the day row with a conditional UPDATE, so calls of
several counters are serialized per day and each takes the head of the queue once.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.identity import User

MODES = ("appointment", "walk_in", "errand")
KINDS = ("appointment", "walk_in", "errand")
STATUSES = (
    "booked",
    "waiting",
    "called",
    "serving",
    "done",
    "needs_info",
    "no_show",
    "cancelled",
)
# An appointment in one of these holds its place in "one live appointment per person
# and service" (the live_key column is set while it does).
LIVE = ("booked", "waiting", "called", "serving", "needs_info")


class DutyService(Model):
    """An errand the station runs: what to bring, how long it takes, what it costs."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.CharField(max_length=512, default="")
    documents: list[str] = fields.JSONField(default=list)
    minutes = fields.IntField(default=15)
    fee_note = fields.CharField(max_length=128, default="")
    mode = fields.CharField(max_length=16)
    active = fields.BooleanField(default=True)
    # The booking engine resource of its counter slots (0 until it has slots).
    resource_id = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "duty_services"


class DutyDay(Model):
    """A day the station is open: its hours and its ticket and call counters."""

    id = fields.IntField(primary_key=True)
    date = fields.DateField(unique=True)
    # Opening hours (null: a day the station only counts calls on, e.g. errands only).
    open_from = fields.DatetimeField(null=True)
    open_to = fields.DatetimeField(null=True)
    last_a = fields.IntField(default=0)  # the last A ticket number given (appointments)
    last_b = fields.IntField(default=0)  # the last B ticket number given (walk-ins)
    calls = fields.IntField(default=0)  # calls made this day: each call's sequence number

    class Meta:
        table = "duty_days"


class DutySlot(Model):
    """A counter slot of one service on one day. Its id is the booking engine slot id."""

    id = fields.IntField(primary_key=True, generated=False)
    service: fields.ForeignKeyRelation[DutyService] = fields.ForeignKeyField(
        "duty.DutyService", related_name="slots", on_delete=fields.CASCADE
    )
    service_id: int
    day: fields.ForeignKeyRelation[DutyDay] = fields.ForeignKeyField(
        "duty.DutyDay", related_name="slots", on_delete=fields.CASCADE
    )
    day_id: int
    start = fields.DatetimeField(db_index=True)
    end = fields.DatetimeField()
    capacity = fields.IntField()

    class Meta:
        table = "duty_slots"
        indexes = (("service_id", "start"),)


class Appointment(Model):
    """One person at the station: an appointment booked, a number walked in, an errand handed in.

    The call order comes from queue_class (0 puts an errand whose missing documents
    arrived back at the head, 1 is everyone else) and queued_at, computed when a counter
    calls (services/duty/queue.py).
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="duty_appointments", on_delete=fields.CASCADE
    )
    user_id: int
    service: fields.ForeignKeyRelation[DutyService] = fields.ForeignKeyField(
        "duty.DutyService", related_name="appointments", on_delete=fields.RESTRICT
    )
    service_id: int
    slot: fields.ForeignKeyNullableRelation[DutySlot] = fields.ForeignKeyField(
        "duty.DutySlot", related_name="appointments", null=True, on_delete=fields.RESTRICT
    )
    slot_id: int | None
    kind = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, db_index=True)
    # The service day (its slot's day, or the day it was handed in or walked in).
    date = fields.DateField(db_index=True)
    ticket_no = fields.CharField(max_length=8, null=True)
    counter = fields.IntField(null=True)
    reservation_id = fields.IntField(null=True, unique=True)
    document_ids: list[int] = fields.JSONField(default=list)
    note = fields.CharField(max_length=256, default="")
    info_note = fields.CharField(max_length=256, default="")  # what the clerk asked for
    result_note = fields.CharField(max_length=512, default="")
    fee_fen = fields.IntField(null=True)
    # "user:service" while live, else null: one live appointment per person and service,
    # for every kind, kept by the database itself.
    live_key = fields.CharField(max_length=32, null=True, unique=True)
    queue_class = fields.IntField(default=1)
    queued_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    called_at = fields.DatetimeField(null=True)
    call_seq = fields.IntField(null=True)
    called_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="duty_calls", null=True, on_delete=fields.SET_NULL
    )
    called_by_id: int | None
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    reminded_day_at = fields.DatetimeField(null=True)
    reminded_soon_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "duty_appointments"
        unique_together = (("date", "ticket_no"),)
        indexes = (("date", "status"), ("user_id", "status"))


class DutyRating(Model):
    """A rating of a finished appointment, given once and counted in the satisfaction score."""

    id = fields.IntField(primary_key=True)
    appointment: fields.OneToOneRelation[Appointment] = fields.OneToOneField(
        "duty.Appointment", related_name="rating", on_delete=fields.CASCADE
    )
    appointment_id: int
    service_id = fields.IntField()
    score = fields.IntField()
    comment = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "duty_ratings"
