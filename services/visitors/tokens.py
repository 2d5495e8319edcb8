"""The pass token, its seal and its QR code (pure: no database, no Sanic).

- Token: 192 random bits (`secrets.token_urlsafe(24)`, 32 characters), never derived
  from ids. The gate finds a pass by the token's SHA-256 only.
- Seal: the host must be able to show the QR again, so the token is also stored
  encrypted with server.sealing (Fernet under a key derived from SECRET_KEY), checked
  against the row's token hash when opened. A database dump alone yields no usable
  pass; rotating SECRET_KEY makes old seals unreadable (the pass still works at the
  gate, the host just cannot show its QR again and issues a new pass).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from cryptography.fernet import InvalidToken

from server import sealing
from server.logs import get_logger

log = get_logger("visitors")

# What our tokens look like; anything else is unknown without a database query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}", re.ASCII)


def token_shaped(token: str) -> bool:
    return _TOKEN_SHAPE.fullmatch(token) is not None


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
