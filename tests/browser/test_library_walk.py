"""The library walk (API.md §9, §13): search, borrow by scanning in the reading room,
renew, a hold with its position, and the librarian's desk taking the return (the copy
goes to the hold shelf) and lending it to the holder — what the screens show, and what
the server then holds."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect
from stdnum import ean

from tests.browser.support import scan


def _isbn() -> str:
    body = "978" + str(secrets.randbelow(10**9)).zfill(9)
    return body + ean.calc_check_digit(body)


def test_borrow_renew_hold_and_the_desk_passes_the_return_to_the_holder(phone_of, new_staff):
    lib_entry, lib_api = new_staff(roles=("librarian",))
    reader_entry, reader_api = new_staff()
    holder_entry, holder_api = new_staff()
    _, rival_api = new_staff()
    tag = secrets.token_hex(2)
    codes = [f"W{tag}{n}".upper() for n in (1, 2)]
    book = lib_api.post(
        "/admin/library/titles",
        {"isbn": _isbn(), "title": f"基层治理读本{tag}", "author": "测试作者",
         "publisher": "人民出版社", "year": 2024, "barcodes": codes},
        status=201,
    )  # fmt: skip

    # The reader finds the book and borrows copy 1 by scanning it in the reading room.
    me = phone_of(reader_entry["code"], "/")
    me.testid("nav-library").click()
    me.testid("library-search").locator("input").fill(f"治理读本{tag}")
    me.testid("library-search").locator("input").press("Enter")
    expect(me.testid(f"title-{book['id']}-shelf")).to_have_text("在架 2/2")
    scan(me, "library-scan", codes[0])
    expect(me.testid("toast")).to_contain_text("借书成功")
    loan = reader_api.get("/library/loans")["items"][0]
    assert loan["barcode"] == codes[0] and loan["status"] == "on_loan"
    expect(me.testid(f"loan-{loan['id']}-status")).to_have_text("在借")
    me.testid(f"loan-{loan['id']}-renew").click()
    expect(me.testid("toast")).to_contain_text("续借成功")
    assert reader_api.get("/library/loans")["items"][0]["renewals"] == 1
    me.shot("library-reader")

    # Copy 2 goes out at the desk; the holder queues for the title on their phone.
    rival_api.post("/library/loans/self", {"barcode": codes[1]}, status=201)
    holder = phone_of(holder_entry["code"], "/library")
    holder.testid("library-search").locator("input").fill(book["isbn"])
    holder.testid("library-search").locator("input").press("Enter")
    expect(holder.testid(f"title-{book['id']}-shelf")).to_have_text("在架 0/2")
    holder.testid(f"title-{book['id']}-hold").click()
    expect(holder.testid("toast")).to_contain_text("预约成功，排第 1 位")
    hold = holder_api.get("/library/holds")["items"][0]
    assert hold["status"] == "waiting" and hold["position"] == 1
    expect(holder.testid(f"hold-{hold['id']}-position")).to_have_text("排第 1 位")
    holder.shot("library-holds")

    # With a reader waiting, renewing again is refused with the API's message.
    me.page.reload()
    me.testid(f"loan-{loan['id']}-renew").click()
    refused = reader_api.http.post(f"/library/loans/{loan['id']}/renew")
    assert refused.status_code == 409
    # A message a toast would cut mid-word opens in a dialog (ui.js showError).
    expect(me.page.get_by_role("dialog")).to_contain_text(refused.json()["error"]["message"])
    me.page.get_by_role("button", name="知道了").click()

    # The desk scans the return: the copy goes to the hold shelf for the holder.
    desk = phone_of(lib_entry["code"], "/")
    desk.testid("nav-library-desk").click()
    scan(desk, "desk-return-scan", codes[0])
    expect(desk.testid("desk-shelf")).to_have_text("放预约书架（已通知预约读者）")
    assert holder_api.get("/library/holds")["items"][0]["status"] == "ready"
    assert reader_api.get("/library/loans")["items"][0]["status"] == "returned"

    # Someone else may not take it; the holder gets it at the desk, which fulfils the hold.
    desk.testid("desk-employee-no").locator("input").fill(reader_entry["employee_no"])
    scan(desk, "desk-lend-scan", codes[0])
    expect(desk.testid("toast")).to_contain_text("这本书已为其他读者预约保留")
    desk.testid("desk-employee-no").locator("input").fill(holder_entry["employee_no"])
    scan(desk, "desk-lend-scan", codes[0])
    expect(desk.testid("desk-result")).to_contain_text("借出成功")
    expect(desk.testid("desk-result")).to_contain_text(holder_entry["name"])
    desk.shot("library-desk")
    assert holder_api.get("/library/holds")["items"][0]["status"] == "fulfilled"
    assert holder_api.get("/library/loans")["items"][0]["barcode"] == codes[0]
    holder.page.reload()
    expect(holder.testid(f"hold-{hold['id']}-status")).to_have_text("已借到")
    holder.check_layout()
