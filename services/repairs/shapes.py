"""The wire shapes of repairs (API.md §5): what the services return and the handlers
document as they are (server/wire.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from server.wire import UploadLink, WireTime


class Person(BaseModel):
    id: int | None
    name: str


class Event(BaseModel):
    at: WireTime
    actor: Person
    action: str
    note: str
    photos: list[UploadLink] = Field(
        description="随此步骤上传的照片（如维修完成照片），也在工单 photos 中"
    )


class TicketRating(BaseModel):
    score: int
    comment: str


class Ticket(BaseModel):
    """`Ticket` of API.md §5, with its events, photos (paths) and rating."""

    id: int
    category: str
    location: str
    description: str
    photos: list[UploadLink]
    status: str
    requester: Person
    assignee: Person | None
    rating: TicketRating | None
    created_at: WireTime
    updated_at: WireTime
    resolved_at: WireTime | None
    due_at: WireTime
    events: list[Event]


class TicketPage(BaseModel):
    items: list[Ticket]
    next_cursor: str | None


class Figures(BaseModel):
    resolved: int
    rated: int
    avg_rating: float | None
    avg_resolve_minutes: float | None


class AssigneeFigures(Figures):
    assignee: Person


class CategoryFigures(Figures):
    category: str
    label: str


class Stats(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")
    overall: Figures
    by_assignee: list[AssigneeFigures]
    by_category: list[CategoryFigures]


class Category(BaseModel):
    category: str
    label: str
    resolve_within_minutes: int


class Categories(BaseModel):
    items: list[Category]


class CrewMember(BaseModel):
    id: int
    name: str
    department: str
    open_tickets: int


class Crew(BaseModel):
    items: list[CrewMember]
