"""The pure parts of the visitors domain: input rules, the pass token, its seal, its QR.

No database and no Sanic here; services/visitors.py holds everything that touches
state and imports these.

- Token: 192 random bits (`secrets.token_urlsafe(24)`, 32 characters), never derived
  from ids. The gate finds a pass by the token's SHA-256 only.
- Seal: the host must be able to show the QR again, so the token is also stored
  encrypted with server.sealing (Fernet under a key derived from SECRET_KEY), checked
  against the row's token hash when opened. A database dump alone yields no usable
  pass; rotating SECRET_KEY makes old seals unreadable (the pass still works at the
  gate, the host just cannot show its QR again and issues a new pass).
- Input rules (documented in the OpenAPI spec): names 1-32 characters without control
  characters; mainland mobile numbers `^1[3-9][0-9]{9}$` (spaces and dashes ignored);
  plates optional, Chinese format (province, office letter, 5 or 6 characters); a
  window that is not empty, at most 7 days, not ending in the past and starting within
  90 days; `max_entries` 1-20.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from cryptography.fernet import InvalidToken

from server import sealing
from server.clock import OUT_OF_RANGE, try_utc
from server.errors import InvalidInput
from server.logs import get_logger
from services.text import has_control

log = get_logger("visitors")

MAX_WINDOW = timedelta(days=7)
MAX_LEAD = timedelta(days=90)  # how far ahead a window may start
MAX_ENTRIES = 20
NAME_MAX = 32
PURPOSE_MAX = 100
GATE_MAX = 32

# Mainland mobile numbers: 11 ASCII digits starting 13-19.
_PHONE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
# Chinese plates: province, letter of the issuing office (no I/O), then 5 characters
# (ordinary plates) or 6 (new-energy plates); the last may be 挂/学/警/港/澳.
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]"
)
# What our tokens look like; anything else is unknown without a database query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}", re.ASCII)


def token_shaped(token: str) -> bool:
    return _TOKEN_SHAPE.fullmatch(token) is not None


# --- tokens ------------------------------------------------------------------------


def new_token() -> str:
    """192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seal_token(token: str) -> str:
    """Encrypted with the service's one sealing key (server.sealing, from SECRET_KEY)."""
    return sealing.seal(token)


def unseal_token(sealed: str | None, *, digest: str) -> str | None:
    """The token, or None when erased, sealed under another SECRET_KEY, or not this row's
    (a seal copied onto another row does not match that row's hash)."""
    if not sealed:
        return None
    try:
        token = sealing.unseal(sealed)
    except (InvalidToken, ValueError):
        log.warning("a pass token could not be unsealed (SECRET_KEY changed?)")
        return None
    return token if hmac.compare_digest(token_hash(token), digest) else None


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


def clean_gate(gate: str) -> str:
    errors: dict[str, str] = {}
    name = _clean_text(gate, field="gate", maximum=GATE_MAX, errors=errors)
    if errors:
        raise InvalidInput(errors)
    return name


def render_qr(text: str, *, image: Literal["png", "svg"]) -> bytes:
    """PNG (Pillow) or SVG (one path), error correction M: readable from a cracked screen."""
    import qrcode
    import qrcode.constants
    import qrcode.image.svg
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    if image == "svg":
        svg: bytes = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string()
        return svg
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer)
    return buffer.getvalue()


def mask_phone(phone: str) -> str:
    """138****5678: the guard needs to match the visitor, not to keep the number."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else ""
