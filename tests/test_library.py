"""Library loans over HTTP (API.md §9): catalogue, lending, returns, renewals, holds."""

from __future__ import annotations

from datetime import UTC, datetime

from models.library import Copy, Hold, Loan
from models.notifications import Notice
from tests.support import assert_error, make_user
from tests.support.library import (
    borrow,
    give_back,
    hold,
    librarian,
    make_title,
    new_barcodes,
    new_isbn,
    readers,
)

TITLES = "/api/v1/admin/library/titles"


async def test_isbn10_is_stored_as_isbn13_and_found_in_any_form(client):
    lib = await librarian()
    body = {"isbn": "7-02-000220-X", "title": "红楼梦（测试）", "author": "曹雪芹", "barcodes": []}
    response = await client.post(TITLES, json=body, headers=lib.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["isbn"] == "9787020002207"
    for form in ("702000220X", "7-02-000220-X", "978-7-02-000220-7", "9787020002207"):
        found = await client.get("/api/v1/library/titles", params={"q": form}, headers=lib.headers)
        assert [t["id"] for t in found.json()["items"]] == [created["id"]], form


async def test_bad_check_digit_is_400_and_known_isbn_or_barcode_409(client):
    lib = await librarian()
    bad = await client.post(
        TITLES, json={"isbn": "9787020002208", "title": "坏书"}, headers=lib.headers
    )
    assert assert_error(bad, 400, "invalid_input")["details"]["fields"]["isbn"] == "ISBN 校验位错误"
    book = await make_title(client, lib, copies=1)
    again = await client.post(
        TITLES, json={"isbn": book["isbn"], "title": "重复"}, headers=lib.headers
    )
    assert_error(again, 409, "conflict")
    reused = await client.post(
        TITLES,
        json={"isbn": new_isbn(), "title": "条码重复", "barcodes": book["barcodes"]},
        headers=lib.headers,
    )
    assert_error(reused, 409, "conflict")
    staff = await make_user()
    assert_error(
        await client.post(
            TITLES, json={"isbn": new_isbn(), "title": "无权"}, headers=staff.headers
        ),
        403,
        "forbidden",
    )


async def test_search_by_title_author_and_counts(client):
    lib = await librarian()
    tag = new_isbn()[-6:]
    book = await make_title(client, lib, copies=2, title=f"城市治理{tag}", author=f"王{tag}")
    for q in (f"治理{tag}", f"王{tag}"):
        found = await client.get("/api/v1/library/titles", params={"q": q}, headers=lib.headers)
        items = found.json()["items"]
        assert [t["id"] for t in items] == [book["id"]], q
        assert items[0]["copies"] == 2 and items[0]["available"] == 2 and items[0]["holds"] == 0
    none = await client.get("/api/v1/library/titles", params={"q": "%"}, headers=lib.headers)
    assert none.status_code == 200
    assert_error(
        await client.get("/api/v1/library/titles/99999999999", headers=lib.headers),
        404,
        "not_found",
    )


async def test_titles_page_in_catalogue_order_with_the_one_cursor_scheme(client):
    lib = await librarian()
    tag = new_isbn()[-6:]
    books = [await make_title(client, lib, title=f"分页{tag}-{n}") for n in range(3)]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"q": f"分页{tag}", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/api/v1/library/titles", params=params, headers=lib.headers)
        ).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert not cursor.isdigit()  # opaque, not a bare id
    assert seen == [b["id"] for b in books]
    # A cursor of the old scheme (a bare id) is refused like any unknown cursor.
    old = await client.get(
        "/api/v1/library/titles", params={"cursor": str(books[0]["id"])}, headers=lib.headers
    )
    assert_error(old, 400, "invalid_input")


async def test_self_checkout_return_and_renew(client):
    lib = await librarian()
    (reader,) = await readers(1)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    at = "2026-12-01T10:00:00+08:00"
    response = await borrow(client, reader, code, **{"X-Test-Now": at})
    assert response.status_code == 201, response.text
    loan = response.json()
    assert loan["status"] == "on_loan" and loan["barcode"] == code
    assert loan["due_at"] == "2026-12-31T23:59:59+08:00"
    assert loan["borrower"] == {"id": reader.user_id, "name": reader.name}
    # A second reader cannot take the same copy.
    (other,) = await readers(1)
    assert_error(await borrow(client, other, code), 409, "invalid_state")
    # Renew twice (+30 days from today), the third is limit_reached.
    url = f"/api/v1/library/loans/{loan['id']}/renew"
    first = await client.post(
        url, headers=reader.with_headers(**{"X-Test-Now": "2026-12-20T09:00:00+08:00"})
    )
    assert first.status_code == 200 and first.json()["due_at"] == "2027-01-19T23:59:59+08:00"
    second = await client.post(
        url, headers=reader.with_headers(**{"X-Test-Now": "2027-01-10T09:00:00+08:00"})
    )
    assert second.json()["renewals"] == 2
    third = await client.post(
        url, headers=reader.with_headers(**{"X-Test-Now": "2027-01-11T09:00:00+08:00"})
    )
    assert_error(third, 409, "limit_reached")
    # Somebody else's loan is not found; returning frees the copy.
    assert_error(await client.post(url, headers=other.headers), 404, "not_found")
    back = await give_back(client, lib, code)
    assert back.status_code == 200, back.text
    assert back.json()["loan"]["status"] == "returned" and back.json()["hold"] is None
    assert (await Copy.get(barcode=code)).status == "available"
    assert_error(await give_back(client, lib, code), 409, "invalid_state")


async def test_desk_loan_by_employee_no_and_limits(client):
    lib = await librarian()
    reader = await make_user()
    book = await make_title(client, lib, copies=6)
    for code in book["barcodes"][:5]:
        response = await client.post(
            "/api/v1/library/loans",
            json={"barcode": code, "employee_no": reader.employee_no},
            headers=lib.headers,
        )
        assert response.status_code == 201, response.text
    sixth = await client.post(
        "/api/v1/library/loans",
        json={"barcode": book["barcodes"][5], "employee_no": reader.employee_no},
        headers=lib.headers,
    )
    assert_error(sixth, 409, "limit_reached")
    unknown = await client.post(
        "/api/v1/library/loans",
        json={"barcode": book["barcodes"][5], "employee_no": "NOPE"},
        headers=lib.headers,
    )
    assert_error(unknown, 404, "not_found")
    assert_error(
        await client.post(
            "/api/v1/library/loans",
            json={"barcode": book["barcodes"][5], "employee_no": reader.employee_no},
            headers=reader.headers,
        ),
        403,
        "forbidden",
    )
    mine = await client.get("/api/v1/library/loans", headers=reader.headers)
    assert len(mine.json()["items"]) == 5


async def test_overdue_blocks_loans_holds_and_renewal(client):
    lib = await librarian()
    (reader,) = await readers(1)
    book = await make_title(client, lib, copies=2)
    loan = (
        await borrow(
            client, reader, book["barcodes"][0], **{"X-Test-Now": "2026-10-01T10:00:00+08:00"}
        )
    ).json()
    late = {"X-Test-Now": "2026-11-05T10:00:00+08:00"}  # due 10-31: 5 days overdue
    error = assert_error(
        await borrow(client, reader, book["barcodes"][1], **late), 409, "limit_reached"
    )
    assert error["details"]["reason"] == "overdue"
    other = await make_title(client, lib, copies=1)
    error = assert_error(await hold(client, reader, other["id"], **late), 409, "limit_reached")
    assert error["details"]["reason"] == "overdue"
    renew = await client.post(
        f"/api/v1/library/loans/{loan['id']}/renew", headers=reader.with_headers(**late)
    )
    assert assert_error(renew, 409, "invalid_state")["details"]["state"] == "overdue"
    mine = await client.get("/api/v1/library/loans", headers=reader.with_headers(**late))
    assert mine.json()["items"][0]["status"] == "overdue"
    desk = await client.get(
        "/api/v1/library/desk/overdue?limit=100", headers=lib.with_headers(**late)
    )
    rows = [row for row in desk.json()["items"] if row["id"] == loan["id"]]
    assert rows and rows[0]["days_overdue"] == 5
    assert_error(
        await client.get("/api/v1/library/desk/overdue", headers=reader.headers), 403, "forbidden"
    )
    # Returned: the block is lifted.
    await give_back(client, lib, book["barcodes"][0], **late)
    assert (await borrow(client, reader, book["barcodes"][1], **late)).status_code == 201


async def test_hold_queue_return_goes_to_first_in_line(client, fake_wechat):
    lib = await librarian()
    owner, first, second = await readers(3)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    assert (await borrow(client, owner, code)).status_code == 201
    h1 = (await hold(client, first, book["id"])).json()
    h2 = (await hold(client, second, book["id"])).json()
    assert (h1["status"], h1["position"]) == ("waiting", 1)
    assert (h2["status"], h2["position"]) == ("waiting", 2)
    assert_error(await hold(client, first, book["id"]), 409, "conflict")
    assert_error(await hold(client, owner, book["id"]), 409, "conflict")
    # Renewing past a waiting reader is refused.
    loan_id = (await client.get("/api/v1/library/loans", headers=owner.headers)).json()["items"][0][
        "id"
    ]
    renew = await client.post(f"/api/v1/library/loans/{loan_id}/renew", headers=owner.headers)
    assert_error(renew, 409, "invalid_state")
    at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    back = await give_back(client, lib, code, **{"X-Test-Now": at.isoformat()})
    served = back.json()["hold"]
    assert served["id"] == h1["id"] and served["status"] == "ready"
    assert served["ready_until"] == "2026-12-05T17:00:00+08:00"
    assert (await Copy.get(barcode=code)).status == "on_hold_shelf"
    assert await Notice.filter(user_id=first.user_id, kind="library_hold_ready").count() == 1
    mine = (await client.get("/api/v1/library/holds", headers=second.headers)).json()["items"][0]
    assert mine["position"] == 1
    # Only the holder may borrow the copy on the hold shelf; doing so fulfils the hold.
    assert_error(await borrow(client, second, code), 409, "invalid_state")
    assert (await borrow(client, first, code)).status_code == 201
    assert (await Hold.get(id=h1["id"])).status == "fulfilled"


async def test_hold_on_shelf_copy_is_ready_at_once_and_cancel_passes_it_on(client):
    lib = await librarian()
    first, second = await readers(2)
    book = await make_title(client, lib, copies=1)
    h1 = (await hold(client, first, book["id"])).json()
    assert (
        h1["status"] == "ready" and h1["position"] is None and h1["barcode"] == book["barcodes"][0]
    )
    h2 = (await hold(client, second, book["id"])).json()
    assert h2["status"] == "waiting" and h2["position"] == 1
    title = (await client.get(f"/api/v1/library/titles/{book['id']}", headers=first.headers)).json()
    assert (title["available"], title["holds"]) == (0, 1)
    cancelled = await client.post(f"/api/v1/library/holds/{h1['id']}/cancel", headers=first.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert (await Hold.get(id=h2["id"])).status == "ready"
    assert_error(
        await client.post(f"/api/v1/library/holds/{h1['id']}/cancel", headers=first.headers),
        409,
        "invalid_state",
    )
    assert_error(
        await client.post(f"/api/v1/library/holds/{h2['id']}/cancel", headers=first.headers),
        404,
        "not_found",
    )
    # The last one cancels: the copy is back on the shelf.
    await client.post(f"/api/v1/library/holds/{h2['id']}/cancel", headers=second.headers)
    assert (await Copy.get(barcode=book["barcodes"][0])).status == "available"


async def test_hold_limit_is_three(client):
    lib = await librarian()
    (reader,) = await readers(1)
    books = [await make_title(client, lib, copies=0) for _ in range(4)]
    for book in books[:3]:
        assert (await hold(client, reader, book["id"])).status_code == 201
    assert_error(await hold(client, reader, books[3]["id"]), 409, "limit_reached")
    assert_error(await hold(client, reader, 2**40), 400, "invalid_input")


async def test_lost_copy_ends_the_loan_and_requeues_a_ready_hold(client):
    lib = await librarian()
    reader, waiting = await readers(2)
    book = await make_title(client, lib, copies=2)
    lent, shelf = book["barcodes"]
    await borrow(client, reader, lent)
    ready = (await hold(client, waiting, book["id"])).json()
    assert ready["status"] == "ready" and ready["barcode"] == shelf
    response = await client.post(f"/api/v1/library/copies/{lent}/lost", headers=lib.headers)
    assert response.json()["status"] == "lost"
    loan = await Loan.get(copy__barcode=lent)
    assert loan.status == "lost" and loan.live_copy_id is None
    await client.post(f"/api/v1/library/copies/{shelf}/lost", headers=lib.headers)
    again = await Hold.get(id=ready["id"])
    assert again.status == "waiting" and again.ready_copy_id is None
    assert_error(
        await client.post("/api/v1/library/copies/NOPE/lost", headers=lib.headers), 404, "not_found"
    )


async def test_bad_input_is_4xx(client):
    lib = await librarian()
    for body in ({"barcode": "a\u0000b"}, {"barcode": ""}, {"barcode": "x" * 40}, {}):
        response = await client.post("/api/v1/library/loans/self", json=body, headers=lib.headers)
        assert_error(response, 400, "invalid_input")
    assert_error(
        await client.post(f"/api/v1/library/loans/{2**31}/renew", headers=lib.headers),
        404,
        "not_found",
    )
    assert_error(
        await client.post(f"/api/v1/library/holds/{2**33}/cancel", headers=lib.headers),
        404,
        "not_found",
    )
    assert_error(
        await client.get("/api/v1/library/titles?cursor=0", headers=lib.headers),
        400,
        "invalid_input",
    )
    unknown = await client.post(
        "/api/v1/library/loans/self", json={"barcode": new_barcodes(1)[0]}, headers=lib.headers
    )
    assert_error(unknown, 404, "not_found")


async def test_idempotency_key_replays_a_checkout_and_a_hold(client):
    lib = await librarian()
    (reader,) = await readers(1)
    book = await make_title(client, lib, copies=2)
    key = {"Idempotency-Key": "library-tap-1"}
    first, second = [await borrow(client, reader, book["barcodes"][0], **key) for _ in range(2)]
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await Loan.filter(borrower_id=reader.user_id).count() == 1
    other = await borrow(client, reader, book["barcodes"][1], **key)
    assert_error(other, 409, "idempotency_mismatch")
    waiting = await make_title(client, lib, copies=0)
    h1 = await hold(client, reader, waiting["id"], **{"Idempotency-Key": "hold-tap"})
    h2 = await hold(client, reader, waiting["id"], **{"Idempotency-Key": "hold-tap"})
    assert h1.json() == h2.json() and await Hold.filter(user_id=reader.user_id).count() == 1


async def test_garbage_barcodes_in_the_path_are_404_not_500(client):
    lib = await librarian()
    for path in ("a%00b", "%E4%B8%89" * 20, "x" * 300, "..%2F..", "%20"):
        response = await client.post(f"/api/v1/library/copies/{path}/lost", headers=lib.headers)
        assert response.status_code == 404, (path, response.text)


async def test_losing_a_set_aside_copy_gives_the_holder_another_one_from_the_shelf(client):
    lib = await librarian()
    (reader,) = await readers(1)
    book = await make_title(client, lib, copies=2)
    first = (await hold(client, reader, book["id"])).json()
    assert first["status"] == "ready"
    await client.post(f"/api/v1/library/copies/{first['barcode']}/lost", headers=lib.headers)
    again = (await client.get("/api/v1/library/holds", headers=reader.headers)).json()["items"][0]
    other = next(code for code in book["barcodes"] if code != first["barcode"])
    assert again["status"] == "ready" and again["barcode"] == other
    assert await Copy.filter(title_id=book["id"], status="available").count() == 0
