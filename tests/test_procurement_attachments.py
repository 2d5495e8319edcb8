"""PDF and image quotes on purchase requests: content checks, size, who may see them."""

from __future__ import annotations

from datetime import timedelta

from models.repairs import Ticket
from models.uploads import Upload
from services import uploads
from tests.support import assert_error, make_user
from tests.support.procurement import BASE, T0, make_cast, pdf_bytes, request_body, upload
from tests.support.repairs import image_bytes


async def _attached(client, cast, *ids: int) -> dict:
    response = await client.post(
        BASE, json=request_body(attachment_ids=list(ids)), headers=cast.requester.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_pdf_quote_is_accepted_by_content_and_kept_as_sent(client):
    cast = await make_cast()
    data = pdf_bytes()
    response = await upload(client, cast.requester, data, name="quote.bin", ctype="text/plain")
    assert response.status_code == 201, response.text
    stored = response.json()
    assert (stored["content_type"], stored["width"], stored["height"]) == ("application/pdf", 0, 0)
    photo = await upload(
        client, cast.requester, image_bytes("PNG"), name="现场.png", ctype="image/png"
    )
    request = await _attached(client, cast, stored["id"], photo.json()["id"])
    assert request["attachment_ids"] == [stored["id"], photo.json()["id"]]
    served = await client.get(stored["url"], headers=cast.head.headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == data
    row = await Upload.get(id=stored["id"])
    assert row.purchase_request_id == request["id"] and row.ticket_id is None


async def test_what_only_looks_like_a_pdf_is_415(client):
    actor = await make_user()
    good = pdf_bytes()
    cases = [
        b"%PDF-1.4\nnot really a pdf at all\n" * 10,  # header but no trailer
        good.replace(b"%PDF-1.4", b"%PDF-9.9"),  # unknown version
        good[:-40],  # cut off: no %%EOF
        good.replace(b"startxref\n", b"startxref\n9"),  # the xref is not where it says
        b"<html><body>%PDF-1.4</body></html>",
        b"this is a text file named like a pdf\n" * 20,
    ]
    for data in cases:
        response = await upload(client, actor, data)
        assert_error(response, 415, "unsupported_media_type")
    assert await Upload.filter(owner_id=actor.user_id).count() == 0


async def test_a_pdf_over_the_size_limit_is_413(client):
    actor = await make_user()
    big = pdf_bytes(padding=uploads.MAX_BYTES)
    assert_error(await upload(client, actor, big), 413, "payload_too_large")
    fits = pdf_bytes(padding=uploads.MAX_BYTES - 2000)
    assert len(fits) <= uploads.MAX_BYTES
    assert (await upload(client, actor, fits)).status_code == 201


async def test_an_attachment_is_visible_only_to_who_may_see_its_request(client):
    cast = await make_cast()
    stored = (await upload(client, cast.requester, pdf_bytes())).json()
    # Before a request takes it, only the uploader sees it.
    assert (await client.get(stored["url"], headers=cast.requester.headers)).status_code == 200
    assert_error(await client.get(stored["url"], headers=cast.head.headers), 404, "not_found")
    await _attached(client, cast, stored["id"])
    for name in ("requester", "head", "head2", "buyer", "admin"):
        response = await client.get(stored["url"], headers=cast.by_name(name).headers)
        assert response.status_code == 200, name
    for name in ("colleague", "other_head"):
        response = await client.get(stored["url"], headers=cast.by_name(name).headers)
        assert_error(response, 404, "not_found")
    assert_error(
        await client.get("/api/v1/uploads/2147483648", headers=cast.admin.headers), 404, "not_found"
    )


async def test_attachments_must_be_the_requesters_own_unused_uploads(client):
    cast = await make_cast()
    theirs = (await upload(client, cast.colleague, pdf_bytes())).json()
    response = await client.post(
        BASE, json=request_body(attachment_ids=[theirs["id"]]), headers=cast.requester.headers
    )
    assert_error(response, 400, "invalid_input")
    mine = (await upload(client, cast.requester, pdf_bytes())).json()
    await _attached(client, cast, mine["id"])
    again = await client.post(
        BASE, json=request_body(attachment_ids=[mine["id"]]), headers=cast.requester.headers
    )
    assert_error(again, 400, "invalid_input")
    assert (await Upload.get(id=theirs["id"])).purchase_request_id is None


async def test_repair_tickets_still_take_photos_only(client):
    actor = await make_user()
    pdf = (await upload(client, actor, pdf_bytes())).json()
    body = {
        "category": "it",
        "location": "A座2楼",
        "description": "网口坏了",
        "photo_ids": [pdf["id"]],
    }
    response = await client.post("/api/v1/repairs", json=body, headers=actor.headers)
    assert_error(response, 400, "invalid_input")
    assert await Ticket.filter(requester_id=actor.user_id).count() == 0
    # A quote attached to a request cannot be moved onto a ticket either.
    cast = await make_cast()
    photo = (
        await upload(client, cast.requester, image_bytes("JPEG"), name="a.jpg", ctype="image/jpeg")
    ).json()
    await _attached(client, cast, photo["id"])
    body["photo_ids"] = [photo["id"]]
    response = await client.post("/api/v1/repairs", json=body, headers=cast.requester.headers)
    assert_error(response, 400, "invalid_input")


async def test_attached_quotes_are_not_removed_as_orphans(client):
    cast = await make_cast()
    kept = (await upload(client, cast.requester, pdf_bytes())).json()
    await _attached(client, cast, kept["id"])
    loose = (await upload(client, cast.requester, pdf_bytes())).json()
    await uploads.remove_orphans(now=T0 + timedelta(days=2))
    assert await Upload.exists(id=kept["id"])
    assert not await Upload.exists(id=loose["id"])
