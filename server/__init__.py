"""勤e家 backend: app factory, config, errors, auth, resources and CLI.

Kept free of imports so that `services/` can use `server.errors` without Sanic.
"""
