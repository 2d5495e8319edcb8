"""Tortoise models, one module per domain (each module is its own Tortoise app)."""
