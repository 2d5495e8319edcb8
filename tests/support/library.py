"""Helpers for the library tests: a librarian, titles with copies, loans and holds over HTTP."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from stdnum import ean

from tests.support import Actor, make_user

_numbers = itertools.count(1)


def new_isbn() -> str:
    """A fresh valid ISBN-13 (978 + 9 random digits + check digit)."""
    body = "978" + str(uuid.uuid4().int)[:9]
    return body + ean.calc_check_digit(body)


def new_barcodes(count: int) -> list[str]:
    stem = uuid.uuid4().hex[:10].upper()
    return [f"B{stem}{next(_numbers)}" for _ in range(count)]


async def make_title(
    client: Any, librarian: Actor, *, copies: int = 1, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A new title with `copies` copies; the response body plus its `barcodes`."""
    barcodes = new_barcodes(copies)
    body = {
        "isbn": new_isbn(),
        "title": title or f"测试图书{uuid.uuid4().hex[:6]}",
        "author": "测试作者",
        "publisher": "测试出版社",
        "year": 2020,
        "barcodes": barcodes,
        **extra,
    }
    response = await client.post(
        "/api/v1/admin/library/titles", json=body, headers=librarian.headers
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "barcodes": barcodes}


async def borrow(client: Any, reader: Actor, barcode: str, **headers: str) -> Any:
    return await client.post(
        "/api/v1/library/loans/self",
        json={"barcode": barcode},
        headers=reader.with_headers(**headers),
    )


async def give_back(client: Any, librarian: Actor, barcode: str, **headers: str) -> Any:
    return await client.post(
        "/api/v1/library/returns",
        json={"barcode": barcode},
        headers=librarian.with_headers(**headers),
    )


async def hold(client: Any, reader: Actor, title_id: int, **headers: str) -> Any:
    return await client.post(
        "/api/v1/library/holds", json={"title_id": title_id}, headers=reader.with_headers(**headers)
    )


async def librarian() -> Actor:
    return await make_user("librarian")


async def readers(count: int) -> list[Actor]:
    return [await make_user() for _ in range(count)]
