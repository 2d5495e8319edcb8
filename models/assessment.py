"""Service-quality assessment (API.md §11): teams, standards, inspections, rectifications,
attendance, surveys and the lunch ratings that feed the monthly scores.

Anonymity is structural: a survey answer row carries no user and no response id, so no
query over the answers can tie a score to a person. The response row only proves that
someone answered (the unique key on a keyed hash of person and survey makes it once per
person) and keeps that person's own copy of what they answered, which only they are
shown; it holds no user id and no time finer than the day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # a runtime import would register these models in this app too
    from models.identity import User
    from models.meals import Order

SERVICES = (
    "security",
    "conference",
    "catering",
    "cleaning",
    "greening",
    "facilities",
    "duty_station",
)
RECTIFICATION_STATUSES = ("open", "submitted", "verified", "overdue")


class Team(Model):
    """A contracted service team and the directory entries of its own contact people."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    service = fields.CharField(max_length=16, db_index=True)
    vendor = fields.CharField(max_length=128)
    contracted_headcount = fields.IntField()
    # Employee numbers, the first one is the lead contact.
    contacts: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()

    class Meta:
        table = "assessment_teams"


class Standard(Model):
    """A checklist item of one service, worth `points` when an inspection finds it failed."""

    id = fields.IntField(primary_key=True)
    service = fields.CharField(max_length=16)
    code = fields.CharField(max_length=32)
    text = fields.CharField(max_length=256)
    points = fields.IntField()

    class Meta:
        table = "assessment_standards"
        unique_together = (("service", "code"),)


class Inspection(Model):
    """One walk-round of an inspector at a team, with the points it deducted."""

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "assessment.Team", related_name="inspections", on_delete=fields.RESTRICT
    )
    team_id: int
    inspector: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="inspections", on_delete=fields.RESTRICT
    )
    inspector_id: int
    at = fields.DatetimeField(db_index=True)
    location = fields.CharField(max_length=128)
    deducted = fields.IntField(default=0)

    class Meta:
        table = "assessment_inspections"


class InspectionResult(Model):
    """The verdict on one standard during one inspection."""

    id = fields.IntField(primary_key=True)
    inspection: fields.ForeignKeyRelation[Inspection] = fields.ForeignKeyField(
        "assessment.Inspection", related_name="results", on_delete=fields.CASCADE
    )
    inspection_id: int
    standard: fields.ForeignKeyRelation[Standard] = fields.ForeignKeyField(
        "assessment.Standard", related_name="results", on_delete=fields.RESTRICT
    )
    standard_id: int
    passed = fields.BooleanField()
    note = fields.CharField(max_length=500, default="")
    photo_ids: list[int] = fields.JSONField(default=list)
    points = fields.IntField(default=0)

    class Meta:
        table = "assessment_inspection_results"
        unique_together = (("inspection", "standard"),)


class Rectification(Model):
    """What a team must put right after a failed item, by its due time."""

    id = fields.IntField(primary_key=True)
    inspection: fields.ForeignKeyRelation[Inspection] = fields.ForeignKeyField(
        "assessment.Inspection", related_name="rectifications", on_delete=fields.CASCADE
    )
    inspection_id: int
    standard: fields.ForeignKeyRelation[Standard] = fields.ForeignKeyField(
        "assessment.Standard", related_name="rectifications", on_delete=fields.RESTRICT
    )
    standard_id: int
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "assessment.Team", related_name="rectifications", on_delete=fields.RESTRICT
    )
    team_id: int
    due = fields.DatetimeField(db_index=True)
    status = fields.CharField(max_length=16, default="open", db_index=True)
    note = fields.CharField(max_length=1000, default="")
    photo_ids: list[int] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "assessment_rectifications"


class RectificationEvent(Model):
    """One transition of a rectification: who moved it from which state to which, and when."""

    id = fields.IntField(primary_key=True)
    rectification: fields.ForeignKeyRelation[Rectification] = fields.ForeignKeyField(
        "assessment.Rectification", related_name="events", on_delete=fields.CASCADE
    )
    rectification_id: int
    at = fields.DatetimeField()
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="rectification_events", null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    action = fields.CharField(max_length=16)
    from_state = fields.CharField(max_length=16)
    to_state = fields.CharField(max_length=16)
    note = fields.CharField(max_length=1000, default="")

    class Meta:
        table = "assessment_rectification_events"


class Photo(Model):
    """An uploaded photo taken over by an inspection or a rectification.

    Its id is the id the upload had, so clients keep using the ids POST /uploads gave them.
    """

    id = fields.IntField(primary_key=True, generated=False)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="assessment_photos", on_delete=fields.RESTRICT
    )
    owner_id: int
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "assessment.Team", related_name="photos", on_delete=fields.RESTRICT
    )
    team_id: int
    file_name = fields.CharField(max_length=64, unique=True)
    content_type = fields.CharField(max_length=32)
    created_at = fields.DatetimeField()

    class Meta:
        table = "assessment_photos"


class Attendance(Model):
    """How many people of a team were present on one day (from the attendance machines)."""

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "assessment.Team", related_name="attendance", on_delete=fields.CASCADE
    )
    team_id: int
    date = fields.DateField()
    present = fields.IntField()

    class Meta:
        table = "assessment_attendance"
        unique_together = (("team", "date"),)


class Survey(Model):
    """The monthly satisfaction survey and the window it is open in."""

    id = fields.IntField(primary_key=True)
    month = fields.CharField(max_length=7, unique=True)
    opens = fields.DatetimeField()
    closes = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "assessment_surveys"


class SurveyQuestion(Model):
    """One question of a survey, about one service."""

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "assessment.Survey", related_name="questions", on_delete=fields.CASCADE
    )
    survey_id: int
    service = fields.CharField(max_length=16)
    text = fields.CharField(max_length=256)
    position = fields.IntField(default=0)

    class Meta:
        table = "assessment_survey_questions"


class SurveyReply(Model):
    """That someone answered a survey (once, by the unique key) and their own copy of it.

    The row names no one: `respondent` is a keyed hash of person and survey
    (services/assessment/surveys.py) that only the app can recompute for the person
    asking, and the time is kept to the day.
    """

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "assessment.Survey", related_name="replies", on_delete=fields.CASCADE
    )
    survey_id: int
    respondent = fields.CharField(max_length=64)
    answers: list[dict[str, Any]] = fields.JSONField(default=list)
    submitted_on = fields.DateField()

    class Meta:
        table = "assessment_survey_replies"
        unique_together = (("survey", "respondent"),)


class SurveyAnswer(Model):
    """One anonymous score: no user, no response, no time, so reports cannot tie it to anyone."""

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "assessment.Survey", related_name="answers", on_delete=fields.CASCADE
    )
    survey_id: int
    question: fields.ForeignKeyRelation[SurveyQuestion] = fields.ForeignKeyField(
        "assessment.SurveyQuestion", related_name="answers", on_delete=fields.CASCADE
    )
    question_id: int
    service = fields.CharField(max_length=16)
    score = fields.SmallIntField()
    comment = fields.CharField(max_length=500, default="")

    class Meta:
        table = "assessment_survey_answers"


class MealRating(Model):
    """The one-tap rating of a served meal order (counts for catering). One per order."""

    id = fields.IntField(primary_key=True)
    order: fields.OneToOneRelation[Order] = fields.OneToOneField(
        "meals.Order", related_name="rating", on_delete=fields.CASCADE
    )
    order_id: int
    score = fields.SmallIntField()
    comment = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "assessment_meal_ratings"
