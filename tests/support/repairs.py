"""Helpers shared by the repair and upload tests (no tests here).

`Cast` is the people around one ticket; `drive()` brings a fresh ticket to any state of
the workflow over HTTP, the way the mini-program and the crews' app would.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from models.notifications import Notice
from tests.support import Actor, make_user

# Real "now" of the test run: tokens are valid for 7 days from it, so every X-Test-Now
# stays within that window.
T0 = datetime.now(UTC).replace(microsecond=0)

# The path taken from `open` to reach each state.
PATHS: dict[str, list[str]] = {
    "open": [],
    "assigned": ["assign"],
    "in_progress": ["assign", "start"],
    "resolved": ["assign", "start", "resolve"],
    "closed": ["assign", "start", "resolve", "confirm"],
    "cancelled": ["cancel"],
}
ENDPOINT = {"rate": "rating"}


def at(minutes: float = 0, **extra: str) -> dict[str, str]:
    return {"X-Test-Now": (T0 + timedelta(minutes=minutes)).isoformat(), **extra}


@dataclass
class Cast:
    requester: Actor
    lead: Actor
    fixer: Actor
    other_crew: Actor
    stranger: Actor
    admin: Actor

    def by_name(self, name: str) -> Actor:
        return getattr(self, name)  # type: ignore[no-any-return]


async def make_cast() -> Cast:
    return Cast(
        requester=await make_user(name="报修人"),
        lead=await make_user("facility_lead", name="维修主管"),
        fixer=await make_user("facility", name="维修工甲"),
        other_crew=await make_user("facility", name="维修工乙"),
        stranger=await make_user(name="其他职工"),
        admin=await make_user("admin", name="管理员"),
    )


def body_for(action: str, cast: Cast) -> dict[str, Any] | None:
    return {
        "assign": {"assignee_id": cast.fixer.user_id},
        "resolve": {"note": "已更换损坏的开关"},
        "reopen": {"reason": "还是不亮"},
        "rate": {"score": 4, "comment": "不错"},
        "cancel": {"reason": "不需要了"},
    }.get(action)


def actor_for(action: str, cast: Cast) -> Actor:
    if action == "assign":
        return cast.lead
    if action in ("start", "resolve"):
        return cast.fixer
    return cast.requester


async def act(client: Any, ticket_id: int, action: str, actor: Actor, cast: Cast, **headers: str):
    return await client.post(
        f"/api/v1/repairs/{ticket_id}/{ENDPOINT.get(action, action)}",
        json=body_for(action, cast),
        headers=actor.with_headers(**headers),
    )


async def new_ticket(client: Any, cast: Cast, **fields: Any) -> dict[str, Any]:
    payload = {
        "category": "electrical",
        "location": "行政中心A座3楼 302会议室",
        "description": "投影仪插座没电",
        "photo_ids": [],
        **fields,
    }
    response = await client.post("/api/v1/repairs", json=payload, headers=cast.requester.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def drive(client: Any, cast: Cast, state: str) -> dict[str, Any]:
    """A new ticket of `cast.requester`, taken to `state` by the right people."""
    ticket = await new_ticket(client, cast)
    for action in PATHS[state]:
        response = await act(client, ticket["id"], action, actor_for(action, cast), cast)
        assert response.status_code == 200, (action, response.text)
        ticket = response.json()
    assert ticket["status"] == state
    return ticket


async def notices(user: Actor, ticket_id: int, kind: str | None = None) -> list[Notice]:
    query = Notice.filter(user_id=user.user_id, link__endswith=f"?id={ticket_id}")
    if kind:
        query = query.filter(kind=kind)
    return await query.order_by("id")


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A phone-like JPEG: camera make, GPS position and a comment in its metadata."""
    exif = Image.Exif()
    exif[0x010F] = "QinejiaPhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 7.0)}  # GPSInfo
    return image_bytes("JPEG", exif=exif, comment=b"secret-comment")


async def upload(
    client: Any, actor: Actor, data: bytes, name: str = "photo.jpg", ctype: str = "image/jpeg"
):
    return await client.post(
        "/api/v1/uploads", files={"file": (name, data, ctype)}, headers=actor.headers
    )
