"""The app's shell (API.md §13): a tab bar, 我的 with logout, a start-up login that fails
honestly (重试, no ghost home), home showing today, notices that open their pages, and
the admin import keeping every role GET /admin/roles names."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timedelta

from playwright.sync_api import expect

from models.identity import ROLES
from server.notice_kinds import KINDS
from tests.browser.conftest import Api
from tests.browser.support import TZ


def test_tab_bar_and_me_show_who_is_logged_in_and_logout_ends_the_token(
    phone_of, new_staff, h5_server
):
    entry, _ = new_staff(roles=("staff", "carwash"))
    me = phone_of(entry["code"], "/")
    for tab in ("tab-home", "tab-notices", "tab-me"):
        expect(me.testid(tab)).to_be_visible()
    me.testid("tab-me").click()
    expect(me.testid("me-name")).to_have_text(entry["name"])
    expect(me.testid("me-department")).to_have_text("办公室")
    expect(me.testid("me-role-carwash")).to_contain_text("洗车员")
    me.shot("me")
    token = me.page.evaluate("() => localStorage.getItem('qe.token')")
    held = Api(h5_server, entry["code"])  # the token the page holds works until the logout
    held.http.headers["Authorization"] = f"Bearer {token}"
    assert held.http.get("/me").status_code == 200
    me.testid("me-logout").click()
    me.page.get_by_role("button", name="退出").last.click()
    expect(me.testid("logged-out")).to_be_visible()
    assert held.http.get("/me").status_code == 401
    me.testid("tab-home").wait_for(state="detached")
    me.testid("login-again").click()
    expect(me.testid("tab-me")).to_be_visible()


def test_a_failed_start_up_login_offers_retry_and_no_ghost_home(phone_of, new_staff):
    entry, _ = new_staff()
    actor = phone_of(entry["code"], "/")  # opens the app once (logs in fine)
    expect(actor.testid("nav-meals")).to_be_visible()
    actor.page.evaluate("() => localStorage.removeItem('qe.token')")
    actor.page.route("**/api/v1/auth/login", lambda route: route.abort())
    actor.page.reload()
    expect(actor.testid("page-error")).to_be_visible()
    expect(actor.testid("page-error")).to_contain_text("登录失败")
    expect(actor.testid("nav-meals")).to_have_count(0)
    expect(actor.testid("tab-home")).to_have_count(0)
    actor.page.unroute("**/api/v1/auth/login")
    actor.testid("page-retry").click()
    expect(actor.testid("nav-meals")).to_be_visible()
    actor.errors[:] = [e for e in actor.errors if "net::ERR_FAILED" not in e]


def test_home_shows_today_the_next_meeting_and_todays_visitor(phone_of, new_staff):
    entry, staff_api = new_staff()
    now = datetime.now(TZ)
    visitor = staff_api.post(
        "/visitors/passes",
        {
            "visitor_name": "今日访客",
            "visitor_phone": "13812345678",
            "purpose": "来访",
            "valid_from": now.isoformat(),
            "valid_to": (now + timedelta(hours=3)).isoformat(),
            "max_entries": 1,
        },
        status=201,
    )
    me = phone_of(entry["code"], "/")
    expect(me.testid("home-today")).to_be_visible()
    expect(me.testid(f"today-pass-{visitor['id']}")).to_contain_text("今日访客")
    me.testid(f"today-pass-{visitor['id']}").click()
    expect(me.page).to_have_url(re.compile(rf"#/visitors/{visitor['id']}$"))


def test_every_notice_kind_opens_an_existing_page(phone_of, new_staff):
    """The link each kind carries (its default page, with an id where the services add
    one) resolves to a route of the app, not to the home fallback."""
    entry, _ = new_staff()
    me = phone_of(entry["code"], "/notices")
    expect(me.testid("tab-notices")).to_be_visible()
    links = {kind.kind: kind.page for kind in KINDS.values()}
    for kind, page in list(links.items()):
        if page.endswith(
            ("/order", "/ticket", "/pass", "/booking", "/rectification", "/card", "/request")
        ):
            links[f"{kind}+id"] = f"{page}?id=7"
    resolved = me.page.evaluate(
        """async (links) => {
            const base = document.querySelector('script[type=module]').src.replace(/js\\/main\\.js.*$/, '');
            const { routeOf } = await import(base + 'js/links.js');
            const { known } = await import(base + 'js/router.js');
            return Object.fromEntries(Object.entries(links).map(([k, link]) => {
              const to = routeOf(link);
              return [k, [link, to, to !== null && known(to)]];
            }));
        }""",
        links,
    )
    # The duty station's pages (/duty/...) come with that area's routes.
    missing = {k: v for k, v in resolved.items() if not v[2] and not v[0].startswith("/duty/")}
    assert not missing, json.dumps(missing, ensure_ascii=False)
    assert all(v[0].startswith("/pages/") or v[0].startswith("/duty/") for v in resolved.values())


def test_admin_import_keeps_every_role_from_the_server(phone_of, admin_api):
    unique = secrets.token_hex(3).upper()
    admin = phone_of("demo-A0001", "/admin/staff/import")
    for role in ROLES:
        expect(admin.testid(f"staff-role-{role}")).to_be_visible()
    admin.testid("staff-csv").locator("textarea").fill(
        f"X{unique},洗车{unique[:2]},后勤处,carwash|staff"
    )
    admin.testid("staff-submit").click()
    expect(admin.testid("staff-result")).to_contain_text("新增 1 人")
    found = admin_api.get("/admin/staff", q=f"X{unique}")["items"]
    assert set(found[0]["roles"]) == {"staff", "carwash"}
    admin.testid("staff-csv").locator("textarea").fill(f"Y{unique},某人,后勤处,carwash|wizard")
    admin.testid("staff-submit").click()
    expect(admin.page.get_by_text("未知角色 wizard")).to_be_visible()
    assert admin_api.get("/admin/staff", q=f"Y{unique}")["items"] == []
