"""The invariants of API.md §9 under real concurrent HTTP requests, counted in the database.

Run on SQLite and on PostgreSQL (TEST_DATABASE_URL): a copy is on at most one live
loan and one ready hold; the queue is first come, first served; two copies returned
at once serve two different holds; a hold placed while a copy is on the shelf sets it
aside at once; cancelling or expiring a ready hold passes the copy on, exactly once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models.library import Copy, Hold, Loan
from models.notifications import Notice
from services import library
from tests.support import make_user
from tests.support.library import borrow, give_back, hold, librarian, make_title, readers


async def _ready_holds(copy_barcode: str) -> int:
    copy = await Copy.get(barcode=copy_barcode)
    return await Hold.filter(copy_id=copy.id, status="ready").count()


async def test_one_live_loan_per_copy_under_concurrent_checkouts(client):
    lib = await librarian()
    people = await readers(12)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    responses = await asyncio.gather(*(borrow(client, p, code) for p in people))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11, statuses
    copy = await Copy.get(barcode=code)
    assert await Loan.filter(copy_id=copy.id, status="on_loan").count() == 1
    assert copy.status == "on_loan"


async def test_desk_and_self_checkout_race_one_wins(client):
    lib = await librarian()
    a, b = await readers(2)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    desk, phone = await asyncio.gather(
        client.post(
            "/api/v1/library/loans",
            json={"barcode": code, "employee_no": a.employee_no},
            headers=lib.headers,
        ),
        borrow(client, b, code),
    )
    assert sorted([desk.status_code, phone.status_code]) == [201, 409]
    assert await Loan.filter(copy__barcode=code, status="on_loan").count() == 1


async def test_one_user_many_taps_respects_the_loan_limit(client):
    lib = await librarian()
    reader = await make_user()
    book = await make_title(client, lib, copies=8)
    responses = await asyncio.gather(*(borrow(client, reader, c) for c in book["barcodes"]))
    assert sorted(r.status_code for r in responses) == [201] * 5 + [409] * 3
    assert await Loan.filter(borrower_id=reader.user_id, status="on_loan").count() == 5


async def test_concurrent_holds_on_a_shelf_copy_one_ready_rest_queued_in_order(client):
    lib = await librarian()
    people = await readers(8)
    book = await make_title(client, lib, copies=1)
    responses = await asyncio.gather(*(hold(client, p, book["id"]) for p in people))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    bodies = sorted((r.json() for r in responses), key=lambda h: h["id"])
    # The oldest hold got the copy at once; the rest wait in id order, positions 1..7.
    assert bodies[0]["status"] == "ready"
    assert [h["status"] for h in bodies[1:]] == ["waiting"] * 7
    rows = await Hold.filter(title_id=book["id"]).order_by("id")
    assert [r.status for r in rows] == ["ready"] + ["waiting"] * 7
    assert await _ready_holds(book["barcodes"][0]) == 1
    assert (await Copy.get(barcode=book["barcodes"][0])).status == "on_hold_shelf"
    positions = [
        (await client.get("/api/v1/library/holds", headers=p.headers)).json()["items"][0]
        for p in people
    ]
    waiting = sorted(h["position"] for h in positions if h["status"] == "waiting")
    assert waiting == list(range(1, 8))


async def test_hold_and_checkout_of_the_last_shelf_copy_never_both_win(client):
    lib = await librarian()
    holder, borrower = await readers(2)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    placed, lent = await asyncio.gather(
        hold(client, holder, book["id"]), borrow(client, borrower, code)
    )
    assert placed.status_code == 201
    copy = await Copy.get(barcode=code)
    if lent.status_code == 201:  # the loan came first: the hold waits for the copy
        assert placed.json()["status"] == "waiting" and copy.status == "on_loan"
        assert await _ready_holds(code) == 0
    else:  # the hold came first: the copy is set aside, the checkout refused
        assert lent.status_code == 409 and placed.json()["status"] == "ready"
        assert copy.status == "on_hold_shelf" and await Loan.filter(copy_id=copy.id).count() == 0


async def test_two_copies_returned_at_once_serve_two_different_holds(client):
    lib = await librarian()
    a, b, first, second, third = await readers(5)
    book = await make_title(client, lib, copies=2)
    one, two = book["barcodes"]
    await borrow(client, a, one)
    await borrow(client, b, two)
    queue = [(await hold(client, p, book["id"])).json()["id"] for p in (first, second, third)]
    back = await asyncio.gather(give_back(client, lib, one), give_back(client, lib, two))
    assert [r.status_code for r in back] == [200, 200]
    served = {r.json()["hold"]["id"] for r in back}
    assert served == set(queue[:2])  # the first two in line, one copy each
    rows = {h.id: h for h in await Hold.filter(id__in=queue)}
    assert [rows[i].status for i in queue] == ["ready", "ready", "waiting"]
    assert {rows[queue[0]].ready_copy_id, rows[queue[1]].ready_copy_id} == {
        (await Copy.get(barcode=one)).id,
        (await Copy.get(barcode=two)).id,
    }
    assert await _ready_holds(one) == 1 and await _ready_holds(two) == 1


async def test_many_returns_and_holds_keep_the_queue_first_come_first_served(client):
    lib = await librarian()
    lenders = await readers(4)
    waiting = await readers(6)
    book = await make_title(client, lib, copies=4)
    for person, code in zip(lenders, book["barcodes"], strict=True):
        assert (await borrow(client, person, code)).status_code == 201
    queue = [(await hold(client, p, book["id"])).json()["id"] for p in waiting]
    await asyncio.gather(*(give_back(client, lib, code) for code in book["barcodes"]))
    rows = {h.id: h for h in await Hold.filter(id__in=queue)}
    assert [rows[i].status for i in queue] == ["ready"] * 4 + ["waiting"] * 2
    assert len({rows[i].ready_copy_id for i in queue[:4]}) == 4
    for code in book["barcodes"]:
        assert await _ready_holds(code) == 1


async def test_cancel_and_expiry_racing_pass_the_copy_on_exactly_once(client):
    lib = await librarian()
    first, second, third = await readers(3)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    h1 = (await hold(client, first, book["id"], **{"X-Test-Now": start.isoformat()})).json()
    h2 = (await hold(client, second, book["id"])).json()
    h3 = (await hold(client, third, book["id"])).json()
    assert h1["status"] == "ready"
    later = start + timedelta(days=3, minutes=1)
    cancel = client.post(
        f"/api/v1/library/holds/{h1['id']}/cancel",
        headers=first.with_headers(**{"X-Test-Now": later.isoformat()}),
    )
    results = await asyncio.gather(
        cancel, library.expire_holds(now=later), library.expire_holds(now=later)
    )
    first_hold = await Hold.get(id=h1["id"])
    assert first_hold.status in ("cancelled", "expired")
    assert (results[0].status_code == 200) == (first_hold.status == "cancelled")
    assert (await Hold.get(id=h2["id"])).status == "ready"
    assert (await Hold.get(id=h3["id"])).status == "waiting"
    assert await _ready_holds(code) == 1
    assert await Notice.filter(user_id=second.user_id, kind="library_hold_ready").count() == 1


async def test_expiry_passes_the_copy_down_the_queue_then_back_to_the_shelf(client):
    lib = await librarian()
    first, second = await readers(2)
    book = await make_title(client, lib, copies=1)
    code = book["barcodes"][0]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    h1 = (await hold(client, first, book["id"], **{"X-Test-Now": start.isoformat()})).json()
    assert h1["ready_until"] == "2026-12-04T17:00:00+08:00"
    h2 = (await hold(client, second, book["id"], **{"X-Test-Now": start.isoformat()})).json()
    assert await library.expire_holds(now=start + timedelta(days=2)) == 0
    day4 = start + timedelta(days=3)
    await asyncio.gather(library.expire_holds(now=day4), library.expire_holds(now=day4))
    assert (await Hold.get(id=h1["id"])).status == "expired"
    ready = await Hold.get(id=h2["id"])
    assert ready.status == "ready" and ready.ready_until == day4 + timedelta(days=3)
    assert await Notice.filter(user_id=first.user_id, kind="library_hold_expired").count() == 1
    await library.expire_holds(now=day4 + timedelta(days=3))
    assert (await Hold.get(id=h2["id"])).status == "expired"
    assert (await Copy.get(barcode=code)).status == "available"


async def test_a_return_notifying_a_reader_who_is_borrowing_at_that_moment_never_deadlocks(client):
    """Borrowing locks the reader, then the title; a return holds the title and writes a
    notice for that reader (its foreign key takes KEY SHARE on the reader's row). The
    reader lock must not block that, or PostgreSQL aborts one of them (a 500)."""
    lib = await librarian()
    for _ in range(6):
        reader, x, y = await readers(3)
        book = await make_title(client, lib, copies=2)
        one, two = book["barcodes"]
        await borrow(client, x, one)
        await borrow(client, y, two)
        assert (await hold(client, reader, book["id"])).json()["status"] == "waiting"
        returned, refused = await asyncio.gather(
            give_back(client, lib, one), borrow(client, reader, two)
        )
        assert returned.status_code == 200, returned.text
        assert refused.status_code == 409, refused.text
        assert returned.json()["hold"]["status"] == "ready"
