"""One rule takes uploads for every domain (services.uploads.take): only the owner's,
only unattached, only of a kind the taker accepts, and all or none."""

from __future__ import annotations

from typing import Any

from models.assessment import Inspection, Photo
from models.uploads import Upload
from tests.support import Actor, assert_error
from tests.support.assessment import Crew, make_crew
from tests.support.procurement import BASE, pdf_bytes, request_body, upload
from tests.support.repairs import image_bytes


async def _inspect_with(client: Any, crew: Crew, photo_ids: list[int]) -> Any:
    return await client.post(
        "/api/v1/assessment/inspections",
        json={
            "team_id": crew.team["id"],
            "location": "C座2楼 走廊",
            "results": [
                {"standard_id": s["id"], "passed": i != 0, "photo_ids": photo_ids if i == 0 else []}
                for i, s in enumerate(crew.standards)
            ],
        },
        headers=crew.inspector.headers,
    )


async def _uploaded(client: Any, actor: Actor, data: bytes, name: str, ctype: str) -> int:
    response = await upload(client, actor, data, name=name, ctype=ctype)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_an_inspector_cannot_move_a_quote_off_their_own_request_into_an_inspection(client):
    crew = await make_crew(client)
    quote = await _uploaded(client, crew.inspector, pdf_bytes(), "报价单.pdf", "application/pdf")
    request = await client.post(
        BASE, json=request_body(attachment_ids=[quote]), headers=crew.inspector.headers
    )
    assert request.status_code == 201, request.text
    inspections = await Inspection.filter(team_id=crew.team["id"]).count()

    response = await _inspect_with(client, crew, [quote])

    error = assert_error(response, 400, "invalid_input")
    assert "results.0.photo_ids" in error["details"]["fields"]
    assert (await Upload.get(id=quote)).purchase_request_id == request.json()["id"]
    assert not await Photo.exists(id=quote)
    assert await Inspection.filter(team_id=crew.team["id"]).count() == inspections
    served = await client.get(f"/api/v1/uploads/{quote}", headers=crew.inspector.headers)
    assert served.status_code == 200 and served.content.startswith(b"%PDF-")


async def test_a_pdf_is_no_photo_of_an_inspection_and_a_refusal_takes_nothing(client):
    crew = await make_crew(client)
    pdf = await _uploaded(client, crew.inspector, pdf_bytes(), "报价单.pdf", "application/pdf")
    photo = await _uploaded(client, crew.inspector, image_bytes(), "现场.jpg", "image/jpeg")

    response = await _inspect_with(client, crew, [photo, pdf])

    assert (
        "results.0.photo_ids" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    )
    assert await Upload.exists(id=photo, ticket_id=None, purchase_request_id=None)
    assert not await Photo.filter(id__in=[photo, pdf]).exists()
    assert (await _inspect_with(client, crew, [photo])).status_code == 201
    assert await Photo.exists(id=photo) and not await Upload.exists(id=photo)
