"""Purchase requests through the H5 stand-in (API.md §12, §13): a staff member requests
goods with a PDF quote on a phone, the department head, procurement and the leader
approve with one tap, procurement orders and records receipt, the requester follows
the timeline, and the monthly report draws its chart. What the screens show is checked
against what the server holds."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.support.procurement import pdf_bytes


def _pdf() -> dict:
    return {"name": "报价单.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}


def _fill_request(me, *, title: str, items: list[tuple[str, str, str, str, str]]) -> None:
    me.testid("purchase-title").locator("input").fill(title)
    me.testid("purchase-reason").locator("textarea").fill("旧设备老化，影响日常办公")
    me.testid("purchase-category-equipment").click()
    for index, (name, spec, qty, unit, price) in enumerate(items):
        if index:
            me.testid("item-add").click()
        me.testid(f"item-{index}-name").locator("input").fill(name)
        me.testid(f"item-{index}-spec").locator("input").fill(spec)
        me.testid(f"item-{index}-qty").locator("input").fill(qty)
        me.testid(f"item-{index}-unit").locator("input").fill(unit)
        me.testid(f"item-{index}-price").locator("input").fill(price)


def test_request_approve_order_receive_and_report(phone_of, new_staff, h5_server):
    entry, requester_api = new_staff()
    head_entry, head_api = new_staff(roles=("dept_head",))
    leader_entry, _ = new_staff(roles=("admin",))
    buyer_api = Api(h5_server, "demo-P0001")

    # The requester fills the form on the phone, with a PDF quote.
    me = phone_of(entry["code"], "/")
    me.testid("nav-procurement").click()
    me.testid("purchase-new").click()
    _fill_request(
        me,
        title="办公室激光打印机",
        items=[
            ("激光打印机", "A4 黑白 双面", "2", "台", "2800"),
            ("硒鼓", "原装", "3", "个", "360.5"),
        ],
    )
    me.testid("purchase-attach").set_input_files(_pdf())
    expect(me.page.locator(".file-row")).to_have_count(1)
    expect(me.testid("purchase-total")).to_contain_text("¥6681.50")
    me.shot("procurement-new")
    me.testid("purchase-submit").click()
    expect(me.testid("purchase-status")).to_have_text("待部门审批")
    request_id = int(re.search(r"/procurement/(\d+)", me.page.url).group(1))
    held = requester_api.get(f"/procurement/requests/{request_id}")
    assert held["total_fen"] == 2 * 280000 + 3 * 36050
    assert held["department"] == "办公室" and held["category"] == "equipment"
    assert [a["content_type"] for a in held["attachments"]] == ["application/pdf"]

    # The department head approves from the queue with one tap.
    head = phone_of(head_entry["code"], "/")
    head.testid("nav-purchase-approve").click()
    head.testid(f"purchase-{request_id}").click()
    expect(head.testid(f"purchase-attachment-{held['attachment_ids'][0]}")).to_be_visible()
    head.shot("procurement-approve")
    head.testid("purchase-approve").click()
    expect(head.testid("purchase-status")).to_have_text("待采购办审批")
    assert head_api.get(f"/procurement/requests/{request_id}")["status"] == "pending_procurement"

    # Procurement approves; over ¥5,000 it goes to the leader (an admin).
    buyer = phone_of("demo-P0001", "/")
    buyer.testid("nav-purchase-approve").click()
    buyer.testid(f"purchase-{request_id}").click()
    buyer.testid("purchase-approve").click()
    expect(buyer.testid("purchase-status")).to_have_text("待领导审批")

    # A fresh admin (the demo admin's login code is busy with the other walks: the
    # fake WeChat's per-code login limit is 5 a minute).
    leader = phone_of(leader_entry["code"], f"/procurement/{request_id}")
    expect(leader.testid("purchase-status")).to_have_text("待领导审批")
    leader.shot("procurement-leader")
    leader.testid("purchase-approve").click()
    expect(leader.testid("purchase-status")).to_have_text("已批准")

    # Procurement orders, then records receipt.
    buyer.page.reload()
    expect(buyer.testid("purchase-status")).to_have_text("已批准")
    buyer.testid("order-supplier").locator("input").fill("晨光办公用品有限公司")
    buyer.testid("order-amount").locator("input").fill("6500")
    buyer.testid("purchase-order").click()
    expect(buyer.testid("purchase-status")).to_have_text("已下单")
    buyer.testid("receive-note").locator("input").fill("已到货，型号数量无误")
    buyer.testid("purchase-receive").click()
    expect(buyer.testid("purchase-status")).to_have_text("已收货")
    held = buyer_api.get(f"/procurement/requests/{request_id}")
    assert held["status"] == "received"
    assert held["purchase"]["amount_fen"] == 650000
    assert held["purchase"]["supplier"] == "晨光办公用品有限公司"
    assert [(s["role"], s["decision"]) for s in held["steps"]] == [
        ("dept_head", "approved"),
        ("procurement", "approved"),
        ("leader", "approved"),
    ]

    # The requester follows the timeline.
    me.page.reload()
    expect(me.testid("purchase-status")).to_have_text("已收货")
    expect(me.testid("purchase-steps")).to_contain_text("分管领导 · 同意")
    expect(me.testid("purchase-amount")).to_contain_text("¥6500.00")
    me.shot("procurement-timeline")

    # The monthly report counts it and draws the chart by department.
    buyer.go("/procurement/report")
    expect(buyer.testid("chart-procurement-dept").locator("svg")).to_have_count(1)
    report = buyer_api.get("/admin/procurement/report")
    assert any(
        d["department"] == "办公室" and d["total_fen"] >= 650000 for d in report["by_department"]
    )
    expect(buyer.testid("report-total")).to_contain_text(f"¥{report['total_fen'] / 100:.2f}")
    buyer.shot("procurement-report")


def test_a_decision_already_taken_and_a_rejection_show_on_screen(phone_of, new_staff, h5_server):
    entry, requester_api = new_staff()
    first_entry, _ = new_staff(roles=("dept_head",))
    second_entry, _ = new_staff(roles=("dept_head",))
    created = requester_api.post(
        "/procurement/requests",
        {
            "title": "文件柜",
            "reason": "档案增多",
            "category": "furniture",
            "items": [
                {"name": "文件柜", "spec": "", "qty": 1, "unit": "个", "unit_price_fen": 88000}
            ],
        },
        status=201,
    )
    rid = created["id"]
    first = phone_of(first_entry["code"], f"/procurement/{rid}")
    second = phone_of(second_entry["code"], f"/procurement/{rid}")
    expect(second.testid("purchase-approve")).to_be_visible()
    first.testid("purchase-reject").click()
    first.testid("purchase-comment").locator("textarea").fill("今年预算已用完")
    first.testid("purchase-reject-confirm").click()
    expect(first.testid("purchase-status")).to_have_text("已驳回")
    # The other head still sees the old screen and taps approve: the API says no.
    second.testid("purchase-approve").click()
    expect(second.testid("toast")).to_contain_text("当前状态不允许此操作")
    held = requester_api.get(f"/procurement/requests/{rid}")
    assert held["status"] == "rejected"
    assert held["steps"][0]["comment"] == "今年预算已用完"
    me = phone_of(entry["code"], f"/procurement/{rid}")
    expect(me.testid("purchase-status")).to_have_text("已驳回")
    expect(me.testid("purchase-steps")).to_contain_text("今年预算已用完")
    me.check_layout()
