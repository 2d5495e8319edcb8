"""Shared steps of the browser walks."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import expect

TZ = ZoneInfo("Asia/Shanghai")


def local_day(offset: int = 0) -> date:
    return (datetime.now(TZ) + timedelta(days=offset)).date()


def at(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}:00+08:00"


def photo_png(color: tuple[int, int, int] = (200, 60, 60)) -> dict[str, Any]:
    """A small real PNG, as Playwright's set_input_files takes it."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return {"name": "现场.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def scan(actor: Any, button: str, code: str) -> None:
    """wx.scanCode in a browser without a camera: the typed-code fallback."""
    actor.testid(button).click()
    actor.testid("scan-input").locator("input").fill(code)
    actor.testid("scan-submit").click()
    expect(actor.testid("scan-input")).to_be_hidden()  # the sheet has closed


def clock_at(actor: Any, moment: str) -> None:
    """This phone's API calls run at `moment` (X-Test-Now, honoured in APP_ENV=test):
    a till that scans on the order's own day."""

    def with_clock(route: Any) -> None:
        route.continue_(headers={**route.request.headers, "x-test-now": moment})

    actor.page.route("**/api/v1/**", with_clock)
