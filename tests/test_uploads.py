"""Photo uploads: content checks, size limits, metadata stripping, who may see a photo."""

from __future__ import annotations

import io
import os

from PIL import Image

from models.repairs import Ticket
from models.uploads import Upload
from server import resources
from tests.support import assert_error, make_user
from tests.support.repairs import image_bytes, jpeg_with_gps, make_cast, new_ticket, upload


async def test_a_phone_photo_is_stored_without_its_metadata(client):
    cast = await make_cast()
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it has a GPS position
    response = await upload(client, cast.requester, original, name="IMG_0001.jpg")
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["url"] == f"/api/v1/uploads/{stored['id']}"
    assert (stored["content_type"], stored["width"], stored["height"]) == ("image/jpeg", 64, 48)

    served = await client.get(stored["url"], headers=cast.requester.headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "comment" not in image.info
    for secret in (b"QinejiaPhoneMaker", b"secret-comment", b"Exif"):
        assert secret not in served.content

    # Kept under the configured directory with a random name, not the client's.
    row = await Upload.get(id=stored["id"])
    assert "IMG_0001" not in row.file_name and len(row.file_name) >= 24
    assert (resources.settings().uploads_path / row.file_name).read_bytes() == served.content
    assert str(resources.settings().uploads_path) == os.environ["UPLOAD_DIR"]


async def test_png_and_webp_are_accepted_by_content_whatever_their_name(client):
    actor = await make_user()
    for fmt, ctype in (("PNG", "image/png"), ("WEBP", "image/webp")):
        response = await upload(
            client, actor, image_bytes(fmt), name="scan.gif", ctype="text/plain"
        )
        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == ctype


async def test_content_that_is_not_jpeg_png_or_webp_is_415(client):
    actor = await make_user()
    before = await Upload.filter(owner_id=actor.user_id).count()
    cases = [
        (b"this is a text file, not a photo\n" * 20, "photo.jpg", "image/jpeg"),
        (image_bytes("GIF"), "photo.png", "image/png"),
        (image_bytes("BMP"), "photo.jpg", "image/jpeg"),
        (image_bytes("JPEG")[:200], "cut.jpg", "image/jpeg"),  # truncated JPEG
        (b"%PDF-1.4\n" + b"0" * 100, "photo.webp", "image/webp"),
    ]
    for data, name, ctype in cases:
        response = await upload(client, actor, data, name=name, ctype=ctype)
        assert_error(response, 415, "unsupported_media_type")
    json_body = await client.post("/api/v1/uploads", json={"file": "x"}, headers=actor.headers)
    assert_error(json_body, 415, "unsupported_media_type")
    assert await Upload.filter(owner_id=actor.user_id).count() == before


async def test_too_large_uploads_are_413_in_the_one_error_shape(client):
    actor = await make_user()
    before = await Upload.filter(owner_id=actor.user_id).count()
    # 6 MB: over the server's body limit, refused before the handler runs.
    response = await upload(client, actor, b"\xff" * (6 * 1024 * 1024))
    assert_error(response, 413, "payload_too_large")
    # 5 MB + 1 byte: the body fits the server limit, the upload limit refuses it.
    response = await upload(client, actor, b"\xff" * (5 * 1024 * 1024 + 1))
    error = assert_error(response, 413, "payload_too_large")
    assert error["details"]["max_bytes"] == 5 * 1024 * 1024
    # A small file that decodes into a gigantic bitmap is refused too.
    bomb = image_bytes("PNG", size=(8000, 6000))
    assert len(bomb) < 5 * 1024 * 1024
    assert_error(await upload(client, actor, bomb, name="big.png"), 413, "payload_too_large")
    assert await Upload.filter(owner_id=actor.user_id).count() == before


async def test_missing_or_empty_file_field_is_400(client):
    actor = await make_user()
    response = await client.post(
        "/api/v1/uploads",
        files={"photo": ("a.jpg", image_bytes(), "image/jpeg")},
        headers=actor.headers,
    )
    assert "file" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    response = await upload(client, actor, b"")
    assert "file" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    assert_error(
        await client.post(
            "/api/v1/uploads", files={"file": ("a.jpg", image_bytes(), "image/jpeg")}
        ),
        401,
        "unauthorized",
    )


async def test_photos_are_seen_only_by_who_may_see_the_ticket(client):
    cast = await make_cast()
    photo = (await upload(client, cast.requester, image_bytes())).json()
    # Before it is reported only the uploader sees it.
    assert (await client.get(photo["url"], headers=cast.requester.headers)).status_code == 200
    assert_error(await client.get(photo["url"], headers=cast.lead.headers), 404, "not_found")

    ticket = await new_ticket(client, cast, photo_ids=[photo["id"]])
    assert ticket["photos"] == [photo["url"]]
    await client.post(
        f"/api/v1/repairs/{ticket['id']}/assign",
        json={"assignee_id": cast.fixer.user_id},
        headers=cast.lead.headers,
    )
    for viewer in (cast.requester, cast.fixer, cast.lead, cast.admin):
        response = await client.get(photo["url"], headers=viewer.headers)
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    for outsider in (cast.stranger, cast.other_crew):
        assert_error(await client.get(photo["url"], headers=outsider.headers), 404, "not_found")
        assert_error(
            await client.get(f"/api/v1/repairs/{ticket['id']}", headers=outsider.headers),
            404,
            "not_found",
        )
    for missing in ("/api/v1/uploads/999999999", "/api/v1/uploads/99999999999999999999"):
        assert_error(await client.get(missing, headers=cast.requester.headers), 404, "not_found")


async def test_a_report_may_only_use_the_reporters_own_unused_photos(client):
    cast = await make_cast()
    theirs = (await upload(client, cast.stranger, image_bytes())).json()
    mine = (await upload(client, cast.requester, image_bytes())).json()
    before = await Ticket.filter(requester_id=cast.requester.user_id).count()
    for ids in ([theirs["id"]], [mine["id"], theirs["id"]], [987654321]):
        response = await client.post(
            "/api/v1/repairs",
            json={
                "category": "it",
                "location": "A座2楼",
                "description": "网口坏了",
                "photo_ids": ids,
            },
            headers=cast.requester.headers,
        )
        assert "photo_ids" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == before
    assert (await Upload.get(id=mine["id"])).ticket_id is None  # the failed report let it go
    used = await new_ticket(client, cast, photo_ids=[mine["id"]])
    assert used["photos"] == [mine["url"]]
    again = await client.post(
        "/api/v1/repairs",
        json={
            "category": "it",
            "location": "A座2楼",
            "description": "又坏了",
            "photo_ids": [mine["id"]],
        },
        headers=cast.requester.headers,
    )
    assert_error(again, 400, "invalid_input")


async def test_orphan_photos_are_removed_after_a_day(client):
    from datetime import timedelta

    from services import uploads

    actor = await make_user()
    photo = (await upload(client, actor, image_bytes())).json()
    row = await Upload.get(id=photo["id"])
    path = resources.settings().uploads_path / row.file_name
    await uploads.remove_orphans(now=row.created_at + timedelta(hours=23))
    assert path.exists()
    await uploads.remove_orphans(now=row.created_at + timedelta(hours=25))
    assert not path.exists() and not await Upload.filter(id=photo["id"]).exists()


async def test_malformed_requests_are_4xx_never_5xx(client):
    actor = await make_user()
    attempts = [
        ("POST", "/api/v1/uploads", {"content-type": "multipart/form-data"}, b"garbage"),
        (
            "POST",
            "/api/v1/uploads",
            {"content-type": "multipart/form-data; boundary=xyz"},
            b"--xyz\r\nnonsense",
        ),
        ("POST", "/api/v1/uploads", {"content-type": "multipart/form-data; boundary=xyz"}, b""),
        ("POST", "/api/v1/repairs", {"content-type": "application/json"}, b"[1, 2]"),
        (
            "POST",
            "/api/v1/repairs",
            {"content-type": "application/json"},
            '{"category": "\ud800"}'.encode("utf-8", "surrogatepass"),
        ),
        ("POST", "/api/v1/repairs/1/unknown", {}, b""),
        ("GET", "/api/v1/repairs/abc", {}, b""),
        ("DELETE", "/api/v1/repairs/1", {}, b""),
        ("GET", "/api/v1/uploads/-1", {}, b""),
    ]
    for method, path, headers, body in attempts:
        response = await client.request(
            method, path, content=body, headers=actor.with_headers(**headers)
        )
        assert 400 <= response.status_code < 500, (
            method,
            path,
            body,
            response.status_code,
            response.text,
        )
        assert set(response.json()) == {"error"}


async def test_uploads_per_account_are_rate_limited(client):
    from services import uploads

    actor, other = await make_user(), await make_user()
    small = image_bytes(size=(8, 8))
    for _ in range(uploads.UPLOADS_PER_WINDOW):
        assert (await upload(client, actor, small)).status_code == 201
    refused = await upload(client, actor, small)
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["retry-after"]) >= 1
    assert await Upload.filter(owner_id=actor.user_id).count() == uploads.UPLOADS_PER_WINDOW
    assert (await upload(client, other, small)).status_code == 201  # per account
    # A 429 is not the answer to a keyed request: once the window passes, the same key runs.
    keyed = actor.with_headers(**{"Idempotency-Key": "after-the-limit"})
    files = {"file": ("photo.jpg", small, "image/jpeg")}
    assert_error(
        await client.post("/api/v1/uploads", files=files, headers=keyed), 429, "rate_limited"
    )
    await resources.redis().delete(f"rl:uploads:{actor.user_id}")  # the window has passed
    assert (await client.post("/api/v1/uploads", files=files, headers=keyed)).status_code == 201


async def test_a_retried_upload_with_its_idempotency_key_replays_despite_a_new_boundary(client):
    """Every multipart request gets a fresh random boundary, so the raw bodies of a retry
    differ; the same key with the same file must still replay, another file is 409."""
    owner = await make_user()
    photo = image_bytes("PNG")
    headers = owner.with_headers(**{"Idempotency-Key": "upload-retry-1"})
    first, again = [
        await client.post(
            "/api/v1/uploads", files={"file": ("p.png", photo, "image/png")}, headers=headers
        )
        for _ in range(2)
    ]
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await Upload.filter(owner_id=owner.user_id).count() == 1
    other = await client.post(
        "/api/v1/uploads",
        files={"file": ("p.png", image_bytes("PNG", size=(8, 8)), "image/png")},
        headers=headers,
    )
    assert_error(other, 409, "idempotency_mismatch")
    assert await Upload.filter(owner_id=owner.user_id).count() == 1
