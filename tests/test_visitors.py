"""Visitor passes (API.md §6): invite, validation, who sees what, QR images, revoke."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import uuid
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from models.visitors import GateEntry, Pass
from tests.support import assert_error, make_unbound_user, make_user
from tests.support.visitors import API, NOW, SHANGHAI, at, invite, pass_body, scan, wire

# --- invite ------------------------------------------------------------------------


async def test_invite_returns_the_pass_with_a_random_token_kept_only_hashed_and_sealed(client):
    host = await make_user(name="李晓梅")
    created = await invite(client, host, plate="苏a 12345", max_entries=3)
    assert set(created) >= {
        "id",
        "visitor_name",
        "visitor_phone",
        "plate",
        "purpose",
        "valid_from",
        "valid_to",
        "max_entries",
        "entries_used",
        "status",
        "token",
        "qr_png_url",
        "qr_svg_url",
        "host",
    }
    assert created["status"] == "active" and created["entries_used"] == 0
    assert created["max_entries"] == 3 and created["plate"] == "苏A12345"
    assert created["host"] == {"id": host.user_id, "name": "李晓梅"}
    assert created["valid_to"] == wire(NOW + timedelta(hours=8))
    assert created["qr_png_url"] == f"{API}/visitors/passes/{created['id']}/qr.png"
    assert created["qr_svg_url"] == f"{API}/visitors/passes/{created['id']}/qr.svg"
    token = created["token"]
    # ≥ 128 bits, URL-safe, not derived from the id.
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
    row = await Pass.get(id=created["id"])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in (await Pass.filter(id=row.id).values()))
    assert token not in stored
    # Reading the pass again shows the same token (the host can show the QR again).
    again = await client.get(f"{API}/visitors/passes/{row.id}", headers=host.headers)
    assert again.status_code == 200 and again.json()["token"] == token


async def test_tokens_are_distinct_across_many_passes(client):
    host = await make_user()
    tokens = {(await invite(client, host))["token"] for _ in range(30)}
    assert len(tokens) == 30


async def test_invite_is_idempotent_with_the_same_key(client):
    host = await make_user()
    body = pass_body()
    headers = host.with_headers(**{"Idempotency-Key": uuid.uuid4().hex})
    first = await client.post(f"{API}/visitors/passes", json=body, headers=headers)
    second = await client.post(f"{API}/visitors/passes", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await Pass.filter(host_id=host.user_id).count() == 1
    other = await client.post(
        f"{API}/visitors/passes", json=pass_body(visitor_name="林淑华"), headers=headers
    )
    assert_error(other, 409, "idempotency_mismatch")
    assert await Pass.filter(host_id=host.user_id).count() == 1


BAD_BODIES = [
    ({"visitor_name": ""}, "visitor_name"),
    ({"visitor_name": "   "}, "visitor_name"),
    ({"visitor_name": "王" * 33}, "visitor_name"),
    ({"visitor_name": "王\x00刚"}, "visitor_name"),
    ({"visitor_name": "王\n刚"}, "visitor_name"),
    ({"visitor_name": "王\u202e刚"}, "visitor_name"),
    ({"visitor_name": None}, "visitor_name"),
    ({"visitor_phone": "12812345678"}, "visitor_phone"),
    ({"visitor_phone": "1381234567"}, "visitor_phone"),
    ({"visitor_phone": "138123456789"}, "visitor_phone"),
    ({"visitor_phone": "+1 415 555 0100"}, "visitor_phone"),
    ({"visitor_phone": "1381234567\n"}, "visitor_phone"),
    ({"visitor_phone": "１３８１２３４５６７８"}, "visitor_phone"),
    ({"visitor_phone": 13812345678}, "visitor_phone"),
    ({"plate": "ABC123"}, "plate"),
    ({"plate": "苏I12345"}, "plate"),
    ({"plate": "苏A1234"}, "plate"),
    ({"purpose": ""}, "purpose"),
    ({"purpose": "事" * 101}, "purpose"),
    ({"max_entries": 0}, "max_entries"),
    ({"max_entries": 21}, "max_entries"),
    ({"max_entries": "many"}, "max_entries"),
    ({"valid_from": "tomorrow"}, "valid_from"),
    ({"valid_to": wire(NOW - timedelta(hours=1))}, "valid_to"),  # ends before it starts
    ({"valid_from": wire(NOW + timedelta(hours=8))}, "valid_to"),  # empty window
    ({"valid_to": wire(NOW + timedelta(days=7, hours=1))}, "valid_to"),  # over 7 days
    (
        {"valid_from": wire(NOW - timedelta(hours=5)), "valid_to": wire(NOW - timedelta(hours=1))},
        "valid_to",
    ),  # ends in the past
    (
        {"valid_from": wire(NOW + timedelta(days=91)), "valid_to": wire(NOW + timedelta(days=92))},
        "valid_from",
    ),
    ({"valid_from": "0001-01-01T00:00:00+14:00"}, "valid_from"),
    ({"valid_to": "9999-12-31T23:59:59-12:00"}, "valid_to"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BODIES)
async def test_bad_bodies_are_400_naming_the_field_and_create_nothing(client, change, field):
    host = await make_user()
    response = await client.post(
        f"{API}/visitors/passes", json=pass_body(**change), headers=host.with_headers(**at(NOW))
    )
    error = assert_error(response, 400, "invalid_input")
    assert field in error["details"]["fields"], error
    assert await Pass.filter(host_id=host.user_id).count() == 0


async def test_every_problem_is_named_at_once(client):
    host = await make_user()
    body = pass_body(visitor_name="", visitor_phone="123", plate="XYZ")
    response = await client.post(f"{API}/visitors/passes", json=body, headers=host.headers)
    fields = assert_error(response, 400, "invalid_input")["details"]["fields"]
    assert {"visitor_name", "visitor_phone", "plate"} <= set(fields)


@pytest.mark.parametrize(
    "raw", [b"", b"not json", b"[]", b'"text"', b"{", b'{"visitor_name": "\\ud800"}']
)
async def test_malformed_json_is_400(client, raw):
    host = await make_user()
    response = await client.post(
        f"{API}/visitors/passes",
        content=raw,
        headers=host.with_headers(**{"Content-Type": "application/json"}),
    )
    assert_error(response, 400, "invalid_input")


async def test_window_edges_at_creation(client):
    host = await make_user()
    # Exactly 7 days is allowed; a naive time is read in Asia/Shanghai.
    start = NOW + timedelta(hours=1)
    local = start.astimezone(SHANGHAI).replace(tzinfo=None)
    created = await invite(
        client,
        host,
        valid_from=local.isoformat(),
        valid_to=wire(start + timedelta(days=7)),
    )
    assert created["valid_from"] == wire(start)
    # A window that started in the past but ends in the future is fine.
    await invite(
        client,
        host,
        valid_from=wire(NOW - timedelta(days=2)),
        valid_to=wire(NOW + timedelta(seconds=1)),
    )
    # Phone numbers may be written with spaces or dashes; they are stored compact.
    spaced = await invite(client, host, visitor_phone="138 1234-5678", plate="")
    assert spaced["visitor_phone"] == "13812345678" and spaced["plate"] is None
    new_energy = await invite(client, host, plate="粤B·D12345")
    assert new_energy["plate"] == "粤BD12345"


# --- who sees what -----------------------------------------------------------------


async def test_only_the_host_sees_a_pass_its_qr_and_may_revoke_it(client):
    host = await make_user()
    other = await make_user()
    guard = await make_user("guard")
    admin = await make_user("admin")
    created = await invite(client, host)
    base = f"{API}/visitors/passes/{created['id']}"
    for intruder in (other, guard, admin):
        for path in ("", "/qr.png", "/qr.svg"):
            assert_error(await client.get(base + path, headers=intruder.headers), 404, "not_found")
        assert_error(
            await client.post(base + "/revoke", headers=intruder.headers), 404, "not_found"
        )
        listed = await client.get(f"{API}/visitors/passes", headers=intruder.headers)
        assert created["id"] not in [p["id"] for p in listed.json()["items"]]
    assert (await Pass.get(id=created["id"])).status == "active"
    for path in ("/0", "/-1", "/99999999999999999999", "/2147483648", "/abc", "/1.5"):
        response = await client.get(f"{API}/visitors/passes{path}", headers=host.headers)
        assert_error(response, 404, "not_found")
    assert_error(
        await client.get(
            f"{API}/visitors/passes/99999999999999999999/qr.png", headers=host.headers
        ),
        404,
        "not_found",
    )


async def test_passes_need_a_bound_account(client):
    _, headers = await make_unbound_user()
    assert_error(await client.get(f"{API}/visitors/passes", headers=headers), 403, "not_bound")
    assert_error(
        await client.post(f"{API}/visitors/passes", json=pass_body(), headers=headers),
        403,
        "not_bound",
    )
    assert_error(await client.get(f"{API}/visitors/passes"), 401, "unauthorized")


async def test_list_is_mine_newest_first_with_a_cursor(client):
    host = await make_user()
    ids = [(await invite(client, host))["id"] for _ in range(5)]
    first = await client.get(f"{API}/visitors/passes?limit=2", headers=host.headers)
    assert first.status_code == 200
    page = first.json()
    assert [p["id"] for p in page["items"]] == ids[::-1][:2]
    seen = [p["id"] for p in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get(
                f"{API}/visitors/passes?limit=2&cursor={page['next_cursor']}", headers=host.headers
            )
        ).json()
        seen += [p["id"] for p in page["items"]]
    assert seen == ids[::-1]
    for query in ("limit=0", "limit=101", "limit=x", "cursor=abc", "cursor=-1", "status=gone"):
        response = await client.get(f"{API}/visitors/passes?{query}", headers=host.headers)
        assert_error(response, 400, "invalid_input")


# --- QR images ---------------------------------------------------------------------


def _svg_to_image(svg: bytes) -> Image.Image:
    """Rasterise qrcode's SvgPathImage (one path of axis-aligned squares) with Pillow."""
    text = svg.decode()
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text)
    assert view, text[:200]
    size = float(view.group(1))
    path = re.search(r'<path[^>]* d="([^"]+)"', text)
    assert path, text[:200]
    scale = 600 / size
    image = Image.new("L", (600, 600), 255)
    draw = ImageDraw.Draw(image)
    for x, y, right, bottom in re.findall(
        r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", path.group(1)
    ):
        draw.rectangle(
            (
                float(x) * scale,
                float(y) * scale,
                float(right) * scale - 1,
                float(bottom) * scale - 1,
            ),
            fill=0,
        )
    return image


async def test_qr_png_and_svg_decode_back_to_the_token(client):
    host = await make_user()
    created = await invite(client, host)
    png = await client.get(created["qr_png_url"], headers=host.headers)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert "no-store" in png.headers["cache-control"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [d.text for d in decoded] == [created["token"]]
    svg = await client.get(created["qr_svg_url"], headers=host.headers)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content.lstrip().startswith(b"<")
    decoded = zxingcpp.read_barcodes(_svg_to_image(svg.content))
    assert [d.text for d in decoded] == [created["token"]]


# --- revoke ------------------------------------------------------------------------


async def test_revoke_refuses_the_pass_at_the_gate_and_hides_its_token(client):
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=2)
    assert (await scan(client, guard, created["token"])).json()["valid"] is True
    base = f"{API}/visitors/passes/{created['id']}"
    revoked = await client.post(base + "/revoke", headers=host.headers)
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["status"] == "revoked" and body["token"] is None and body["entries_used"] == 1
    assert (await scan(client, guard, created["token"])).json() == {
        "valid": False,
        "reason": "revoked",
    }
    assert_error(await client.get(base + "/qr.png", headers=host.headers), 404, "not_found")
    # A retried revoke answers the same pass; nothing changes.
    again = await client.post(base + "/revoke", headers=host.headers)
    assert again.status_code == 200 and again.json()["status"] == "revoked"
    row = await Pass.get(id=created["id"])
    assert row.status == "revoked" and row.entries_used == 1
    assert await GateEntry.filter(visitor_pass_id=row.id).count() == 1


async def test_an_expired_or_used_up_pass_cannot_be_revoked(client):
    host = await make_user()
    guard = await make_user("guard")
    used = await invite(client, host)
    assert (await scan(client, guard, used["token"])).json()["valid"] is True
    response = await client.post(f"{API}/visitors/passes/{used['id']}/revoke", headers=host.headers)
    assert assert_error(response, 409, "invalid_state")["details"]["state"] == "used_up"
    ending = await invite(client, host, valid_to=wire(NOW + timedelta(hours=1)))
    later = host.with_headers(**at(NOW + timedelta(hours=1)))
    response = await client.post(f"{API}/visitors/passes/{ending['id']}/revoke", headers=later)
    assert assert_error(response, 409, "invalid_state")["details"]["state"] == "expired"
    assert (await Pass.get(id=ending["id"])).status == "active"  # the job marks it later
    shown = await client.get(f"{API}/visitors/passes/{ending['id']}", headers=later)
    assert shown.json()["status"] == "expired" and shown.json()["token"] is None


WEIRD_VALUES = [
    None,
    True,
    -1,
    0,
    2**70,
    -(2**70),
    1e308,
    1.5,
    "",
    "2026-02-30T00:00:00",
    "9" * 400,
    [],
    {},
    "\u0000",
    "中" * 5000,
]


@pytest.mark.parametrize(
    "field",
    ["visitor_name", "visitor_phone", "plate", "purpose", "valid_from", "valid_to", "max_entries"],
)
async def test_no_value_in_any_field_makes_a_server_error(client, field):
    host = await make_user()
    statuses = set()
    for value in WEIRD_VALUES:
        response = await client.post(
            f"{API}/visitors/passes",
            json=pass_body(**{field: value}),
            headers=host.with_headers(**at(NOW)),
        )
        assert response.status_code in (201, 400), (field, value, response.text)
        if response.status_code == 400:
            assert_error(response, 400, "invalid_input")
        statuses.add(response.status_code)
    assert 400 in statuses


async def test_openapi_documents_the_visitor_endpoints(client):
    spec = (await client.get("/docs/openapi.json")).json()
    paths = spec["paths"]
    for path in [
        f"{API}/visitors/passes",
        f"{API}/visitors/passes/{{pass_id}}",
        f"{API}/visitors/passes/{{pass_id}}/qr.png",
        f"{API}/visitors/passes/{{pass_id}}/qr.svg",
        f"{API}/visitors/passes/{{pass_id}}/revoke",
        f"{API}/gate/verify",
        f"{API}/gate/entries",
    ]:
        assert path in paths, path
    verify = paths[f"{API}/gate/verify"]["post"]["responses"]["200"]["content"]
    assert set(verify["application/json"]["schema"]["properties"]) >= {"valid", "reason", "pass"}
    log = paths[f"{API}/gate/entries"]["get"]["responses"]["200"]["content"]
    assert {"per_gate", "total"} <= set(log["application/json"]["schema"]["properties"])
    png = paths[f"{API}/visitors/passes/{{pass_id}}/qr.png"]["get"]["responses"]["200"]
    assert "image/png" in png["content"]
