"""The wire shapes of inspections and rectifications (API.md §11): what the services
return and the handlers document as they are (server/wire.py)."""

from __future__ import annotations

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
