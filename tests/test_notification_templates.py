"""`GET /notifications/templates` (API.md §7): the template ids a client asks the user
to accept, and that a credit for one of them makes the notice go out as a message."""

from __future__ import annotations

from server.notice_kinds import KINDS
from tests.support import assert_error, make_unbound_user, make_user

URL = "/api/v1/notifications/templates"


async def test_lists_every_kind_sent_as_a_message_with_a_title(client):
    me = await make_user()
    response = await client.get(URL, headers=me.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {item["kind"] for item in items} == {
        kind.kind for kind in KINDS.values() if kind.template_id
    }
    for item in items:
        assert set(item) == {"kind", "template_id", "title"}
        assert item["template_id"] == KINDS[item["kind"]].template_id
        assert item["title"] and item["title"] != item["kind"]  # a Chinese title, not the key
    assert "meal_prep_summary" not in {item["kind"] for item in items}  # inbox-only


async def test_the_listed_ids_are_what_subscriptions_accept(client):
    me = await make_user()
    items = (await client.get(URL, headers=me.headers)).json()["items"]
    ids = sorted({item["template_id"] for item in items})[:3]
    response = await client.post(
        "/api/v1/notifications/subscriptions", json={"template_ids": ids}, headers=me.headers
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["credits"]) == set(ids)


async def test_needs_a_bound_account(client):
    response = await client.get(URL)
    assert_error(response, 401, "unauthorized")
    _, headers = await make_unbound_user()
    assert_error(await client.get(URL, headers=headers), 403, "not_bound")


def test_a_deployment_override_is_listed(monkeypatch):
    from server.notice_kinds import _kind
    from services.notifications import list_templates

    monkeypatch.setenv("WECHAT_TEMPLATE_VISITOR_ARRIVED", "tpl-local-visitor")
    kinds = {"visitor_arrived": _kind("visitor_arrived", "TPL_VISITOR_ARRIVED", {}, "p")}
    assert list_templates(kinds=kinds).model_dump()["items"] == [
        {"kind": "visitor_arrived", "template_id": "tpl-local-visitor", "title": "访客到访通知"}
    ]
