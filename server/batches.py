"""Work over many rows in slices that stay under the driver's limit on bound arguments.

asyncpg refuses a statement with more than 32,767 arguments (an `id IN (...)` of the
attendance dates of a long export was one), and one statement per row makes a large
import take minutes. Importers look rows up and insert them `IN_BATCH` at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

DRIVER_ARG_LIMIT = 32_767
# Rows per lookup or insert: a few columns each stays far under DRIVER_ARG_LIMIT.
IN_BATCH = 2_000


def chunks(items: Sequence[T], size: int = IN_BATCH) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
