"""The crew's completion photo over HTTP: resolving with the photos the crew uploaded
makes them photos of the ticket and of the resolve event, seen by whoever sees the
ticket; anyone else's or an already used upload is refused and changes nothing."""

from __future__ import annotations

from models.repairs import Ticket
from models.uploads import Upload
from tests.support import assert_error
from tests.support.procurement import pdf_bytes
from tests.support.repairs import drive, image_bytes, make_cast, upload

API = "/api/v1"


async def resolve(client, cast, ticket_id, photo_ids):  # type: ignore[no-untyped-def]
    return await client.post(
        f"{API}/repairs/{ticket_id}/resolve",
        json={"note": "更换了插座面板", "photo_ids": photo_ids},
        headers=cast.fixer.headers,
    )


async def test_the_crews_completion_photo_becomes_a_photo_of_the_ticket_and_its_event(client):
    cast = await make_cast()
    reported = (await upload(client, cast.requester, image_bytes())).json()["id"]
    ticket = await drive(client, cast, "in_progress")
    before = (await upload(client, cast.fixer, image_bytes(size=(80, 60)))).json()["id"]
    after = (await upload(client, cast.fixer, image_bytes("PNG"))).json()["id"]

    done = await resolve(client, cast, ticket["id"], [before, after])
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "resolved"
    assert body["photos"][-2:] == [f"{API}/uploads/{before}", f"{API}/uploads/{after}"]
    event = body["events"][-1]
    assert (event["action"], event["note"]) == ("resolve", "更换了插座面板")
    assert event["photos"] == [f"{API}/uploads/{before}", f"{API}/uploads/{after}"]
    assert all(e["photos"] == [] for e in body["events"][:-1])
    assert reported not in {int(p.rsplit("/", 1)[1]) for p in body["photos"]}  # never attached

    # The requester, who did not upload it, now sees the photo through the ticket.
    seen = await client.get(f"{API}/uploads/{after}", headers=cast.requester.headers)
    assert seen.status_code == 200 and seen.content[:4] == b"\x89PNG"
    listed = await client.get(f"{API}/repairs/{ticket['id']}", headers=cast.requester.headers)
    assert listed.json()["events"][-1]["photos"] == event["photos"]


async def test_photos_that_are_not_the_crews_own_unused_images_refuse_the_resolve(client):
    cast = await make_cast()
    ticket = await drive(client, cast, "in_progress")
    theirs = (await upload(client, cast.requester, image_bytes())).json()["id"]
    pdf = (
        await upload(client, cast.fixer, pdf_bytes(), name="单据.pdf", ctype="application/pdf")
    ).json()["id"]
    other = await drive(client, cast, "in_progress")
    used = (await upload(client, cast.fixer, image_bytes())).json()["id"]
    assert (await resolve(client, cast, other["id"], [used])).status_code == 200

    for photo_ids in ([theirs], [pdf], [used], [2_000_000_000]):
        refused = await resolve(client, cast, ticket["id"], photo_ids)
        assert "photo_ids" in assert_error(refused, 400, "invalid_input")["details"]["fields"]
    row = await Ticket.get(id=ticket["id"])
    assert row.status == "in_progress"
    assert (await Upload.get(id=theirs)).ticket_id is None  # type: ignore[attr-defined]
    too_many = await resolve(client, cast, ticket["id"], list(range(1, 12)))
    assert_error(too_many, 400, "invalid_input")
    assert (await resolve(client, cast, ticket["id"], [])).json()["status"] == "resolved"
