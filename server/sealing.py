"""Symmetric sealing of secrets we must keep but must never leak (WeChat session keys).

Fernet (AES-128-CBC + HMAC) with a key derived from SECRET_KEY: a database dump, or an
ORM debug log printing query parameters, shows only ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet

from server import resources


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"qinejia-sealing:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(plain: str) -> str:
    return _fernet(resources.settings().secret_key).encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet(resources.settings().secret_key).decrypt(sealed.encode()).decode()
