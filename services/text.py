"""Rules for human text, shared by every field that stores what a person typed.

Bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE and friends) make a
name or a repair description display differently from what it contains: "报修\u202egpj.exe"
reads as a different text on the crew's screen. No one types them on purpose, so every
human-text field refuses them (one rule here, applied to every parsed body by
server.http.parse_body), and visitor names refuse every control character.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM, ALM.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
BIDI_REASON = "不能包含双向控制字符"


def has_bidi_control(text: str) -> bool:
    return not BIDI_CONTROLS.isdisjoint(text)


def has_control(text: str) -> bool:
    """Any control or format character (bidi controls included), or a line separator:
    for one-line fields such as a visitor's name that a guard reads at the gate."""
    return any(unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029" for ch in text)


def bidi_fields(value: Any, path: str = "") -> dict[str, str]:
    """Field path → reason for every string in a parsed body holding a bidi control."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if has_bidi_control(value):
            found[path or "body"] = BIDI_REASON
    elif isinstance(value, dict):
        for key, item in value.items():
            label = f"{path}.{key}" if path else str(key)
            if has_bidi_control(str(key)):
                found[label] = BIDI_REASON
            found.update(bidi_fields(item, label))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(bidi_fields(item, f"{path}.{index}" if path else str(index)))
    return found


def mask_name(name: str | None) -> str:
    """What a counter may see of a person's name: the surname, the rest starred
    (the gym desk, the canteen till's list, the car-wash station)."""
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name) - 1)
