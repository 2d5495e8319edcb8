"""The one type of an amount of money a client sends: integer fen, strictly.

JSON numbers like 2000.0 and strings like "2000" coerce to 2000 in a lax int field; for
money that hides a client computing in floats or sending display text, so an amount is
taken only as a JSON integer (400 on the field otherwise). Each field adds its own
range (`Fen = Field(ge=1, le=...)`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Fen = Annotated[int, Field(strict=True)]
