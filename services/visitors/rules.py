"""The rules of a pass: what a host may enter, and what state a pass is in now.

No Sanic and no database queries (the status rules read a loaded row).

- Input rules (documented in the OpenAPI spec): names 1-32 characters without control
  characters; mainland mobile numbers `^1[3-9][0-9]{9}$` (spaces and dashes ignored);
  plates optional, Chinese format (province, office letter, 5 or 6 characters); a
  window that is not empty, at most 7 days, not ending in the past and starting within
  90 days; `max_entries` 1-20.
- Status: a window that ended counts as expired (and a full count as used up) before
  the expiry job writes it, so the gate and the host's view never wait for a job.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from models.visitors import Pass
from server.clock import OUT_OF_RANGE, try_utc
from server.errors import InvalidInput
from services.text import has_control

MAX_WINDOW = timedelta(days=7)
MAX_LEAD = timedelta(days=90)  # how far ahead a window may start
MAX_ENTRIES = 20
NAME_MAX = 32
PURPOSE_MAX = 100
GATE_MAX = 32
REASON_MAX = 200  # a guard's reason for admitting by hand

# Mainland mobile numbers: 11 ASCII digits starting 13-19.
_PHONE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
# Chinese plates: province, letter of the issuing office (no I/O), then 5 characters
# (ordinary plates) or 6 (new-energy plates); the last may be 挂/学/警/港/澳.
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]"
)


# --- validation --------------------------------------------------------------------


_has_control = has_control  # one rule for control characters: services/text.py


def _clean_text(
    value: str, *, field: str, maximum: int, errors: dict[str, str], required: bool = True
) -> str:
    text = value.strip()
    if _has_control(text):
        errors[field] = "不能包含控制字符"
    elif required and not text:
        errors[field] = "不能为空"
    elif len(text) > maximum:
        errors[field] = f"不能超过{maximum}个字符"
    return text


def _to_utc(value: datetime, *, field: str, errors: dict[str, str]) -> datetime | None:
    """Aware UTC (server/clock.py), the field noted in `errors` when out of range."""
    converted = try_utc(value)
    if converted is None:
        errors[field] = OUT_OF_RANGE
    return converted


def clean_plate(plate: str | None) -> str | None:
    """Upper-case, without spaces, dots or dashes; None when empty."""
    if plate is None:
        return None
    compact = re.sub(r"[\s·.\-]", "", plate).upper()
    return compact or None


def validate_pass(
    *,
    visitor_name: str,
    visitor_phone: str,
    plate: str | None,
    purpose: str,
    valid_from: datetime,
    valid_to: datetime,
    max_entries: int,
    now: datetime,
) -> dict[str, Any]:
    """Every field at once, so one 400 names every problem; nothing is written on failure."""
    errors: dict[str, str] = {}
    name = _clean_text(visitor_name, field="visitor_name", maximum=NAME_MAX, errors=errors)
    phone = re.sub(r"[\s\-]", "", visitor_phone)
    if not _PHONE.fullmatch(phone):
        errors["visitor_phone"] = "应为11位中国大陆手机号"
    plate_clean = clean_plate(plate)
    if plate_clean is not None and not _PLATE.fullmatch(plate_clean):
        errors["plate"] = "车牌号格式不正确，如 苏A12345 或 苏AD12345"
    purpose_clean = _clean_text(purpose, field="purpose", maximum=PURPOSE_MAX, errors=errors)
    if not 1 <= max_entries <= MAX_ENTRIES:
        errors["max_entries"] = f"应为1到{MAX_ENTRIES}"
    start = _to_utc(valid_from, field="valid_from", errors=errors)
    end = _to_utc(valid_to, field="valid_to", errors=errors)
    if start is not None and end is not None:
        if end <= start:
            errors["valid_to"] = "结束时间必须晚于开始时间"
        elif end - start > MAX_WINDOW:
            errors["valid_to"] = "有效期不能超过7天"
        elif end <= now:
            errors["valid_to"] = "结束时间已过"
        if start - now > MAX_LEAD:
            errors["valid_from"] = "开始时间不能晚于90天后"
    if errors:
        raise InvalidInput(errors)
    return {
        "visitor_name": name,
        "visitor_phone": phone,
        "plate": plate_clean,
        "purpose": purpose_clean,
        "valid_from": start,
        "valid_to": end,
        "max_entries": max_entries,
    }


def clean_admission(*, gate: str, reason: str) -> tuple[str, str]:
    """The gate and the guard's reason of an admission by hand, both checked at once."""
    errors: dict[str, str] = {}
    gate_name = _clean_text(gate, field="gate", maximum=GATE_MAX, errors=errors)
    why = _clean_text(reason, field="reason", maximum=REASON_MAX, errors=errors)
    if errors:
        raise InvalidInput(errors)
    return gate_name, why


def clean_gate(gate: str) -> str:
    errors: dict[str, str] = {}
    name = _clean_text(gate, field="gate", maximum=GATE_MAX, errors=errors)
    if errors:
        raise InvalidInput(errors)
    return name


# --- status ------------------------------------------------------------------------


PassStatus = Literal["active", "revoked", "expired", "used_up"]
Refusal = Literal["unknown", "revoked", "expired", "not_yet_valid", "used_up"]


def effective_status(visitor_pass: Pass, *, now: datetime) -> PassStatus:
    """The stored status, with a window that ended counted as expired before the job runs."""
    if visitor_pass.status == "active" and now >= visitor_pass.valid_to:
        return "expired"
    if visitor_pass.status == "active" and visitor_pass.entries_used >= visitor_pass.max_entries:
        return "used_up"
    return cast(PassStatus, visitor_pass.status)


def refusal(visitor_pass: Pass, *, now: datetime) -> Refusal | None:
    """Why this pass may not enter now, or None. The window is [valid_from, valid_to)."""
    status = effective_status(visitor_pass, now=now)
    if status != "active":
        return status
    if now < visitor_pass.valid_from:
        return "not_yet_valid"
    return None
