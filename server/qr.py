"""QR images of the codes people show (pickup codes, pass tokens, wash codes, gym
vouchers): one rendering for every domain.

Error correction M, so a code stays readable from a cracked or dim phone screen, and
a quiet zone of 4 modules, which scanners at the tills and the gate need.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg
from qrcode.image.pil import PilImage


def _code(text: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_png(text: str) -> bytes:
    """`text` as a PNG QR image."""
    buffer = io.BytesIO()
    _code(text).make_image(image_factory=PilImage).save(buffer)
    return buffer.getvalue()


def qr_svg(text: str) -> bytes:
    """`text` as an SVG QR image (one path: small, and sharp at any size)."""
    svg: bytes = _code(text).make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return svg
