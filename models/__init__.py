"""Tortoise models, one module per domain (each module is its own Tortoise app)."""

# Ids are 32-bit INT columns: a larger id names nothing and must not reach PostgreSQL,
# which refuses it with an error instead of "no rows". Every domain checks against this.
MAX_ID = 2**31 - 1
