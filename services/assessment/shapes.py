"""The wire shapes of inspections and rectifications (API.md §11): what the services
return and the handlers document as they are (server/wire.py)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from server.wire import AssessmentPhotoLink, WireTime


class TeamRef(BaseModel):
    id: int
    name: str
    service: str


class Person(BaseModel):
    id: int | None
    name: str


class Result(BaseModel):
    standard_id: int
    passed: bool
    note: str
    photo_ids: list[int]
    photos: list[AssessmentPhotoLink]  # the same ids, written as their paths
    points: int


class InspectionView(BaseModel):
    id: int
    team: TeamRef
    inspector: Person
    at: WireTime
    location: str
    results: list[Result]
    deducted: int


class InspectionPage(BaseModel):
    items: list[InspectionView]
    next_cursor: str | None


class Event(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: WireTime
    actor: Person
    action: str
    from_state: str | None = Field(alias="from")
    to: str
    note: str


class StandardRef(BaseModel):
    code: str
    text: str
    points: int


class RectificationView(BaseModel):
    id: int
    inspection_id: int
    standard_id: int
    standard: StandardRef
    team: TeamRef
    due: WireTime
    status: str
    note: str
    photo_ids: list[int]
    photos: list[AssessmentPhotoLink]  # the same ids, written as their paths
    events: list[Event]


class RectificationPage(BaseModel):
    items: list[RectificationView]
    next_cursor: str | None


# --- teams and standards ---------------------------------------------------------------


class Team(BaseModel):
    """`Team` of API.md §11 (with its service's Chinese label)."""

    id: int
    name: str
    service: str
    service_label: str
    vendor: str
    contracted_headcount: int
    contacts: list[str]


class TeamList(BaseModel):
    items: list[Team]


class Standard(BaseModel):
    id: int
    service: str
    code: str
    text: str
    points: int


class StandardList(BaseModel):
    items: list[Standard]


# --- surveys and ratings ---------------------------------------------------------------


class Question(BaseModel):
    id: int
    service: str
    service_label: str
    text: str


class Survey(BaseModel):
    """`Survey` of API.md §11."""

    id: int
    month: str
    questions: list[Question]
    opens: WireTime
    closes: WireTime


class SurveySummary(Survey):
    """A survey in the admin's list: how many answered it (answers stay anonymous)."""

    responses: int


class SurveyPage(BaseModel):
    items: list[SurveySummary]
    next_cursor: str | None


class MyAnswer(BaseModel):
    question_id: int
    score: int
    comment: str


class MySurvey(Survey):
    """A survey as the caller sees it: with their answers, if any."""

    answered: bool
    my_answers: list[MyAnswer] | None
    submitted_on: date | None = Field(
        description="提交日期（服务时区）；为保持匿名，不保存具体时间"
    )


class MealRating(BaseModel):
    order_id: int
    score: int
    comment: str
    created_at: WireTime


# --- scores ----------------------------------------------------------------------------


class ScoredTeam(TeamRef):
    service_label: str


class TeamScore(BaseModel):
    """One team's month: each part 0-100 (null without data) and the weighted total."""

    team: ScoredTeam
    attendance: float | None
    inspection: float | None
    satisfaction: float | None
    total: float | None
    deductions: int
    open_rectifications: int
    ratings: int


class CentreScore(BaseModel):
    satisfied_rate: float | None
    target: int
    met: bool
    ratings: int


class Weights(BaseModel):
    attendance: int
    inspection: int
    satisfaction: int


class Scores(BaseModel):
    month: str
    weights: Weights
    items: list[TeamScore]
    centre: CentreScore


class TeamTrend(BaseModel):
    team: ScoredTeam
    totals: list[float | None]


class Trend(BaseModel):
    months: list[str]
    series: list[TeamTrend]
    satisfied_rate: list[float | None]
