"""Tortoise models, one module per domain (each module is its own Tortoise app)."""

# Ids are 32-bit INT columns: a larger id names nothing and must not reach PostgreSQL,
# which refuses it with an error instead of "no rows". Every domain checks against this.
MAX_ID = 2**31 - 1


def could_exist(value: object) -> bool:
    """An id a row could have: a positive integer within the INT column (not a bool).

    Every lookup by a client's id checks this first and answers 404 otherwise, so a
    made-up id is never a database error.
    """
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
