"""Logging with the request id on every line.

The request id lives in a context variable set by the request middleware, so log
lines written deep inside services carry it without passing it around.
"""

from __future__ import annotations

import logging
import logging.config
import re
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Never let a secret reach a log line, whatever a library decides to log.
_SECRET_PATTERN = re.compile(
    r"(session_key|access_token|secret|token)([\"']?\s*[:=]\s*[\"']?)([A-Za-z0-9_\-+/=.]{6,})",
    re.IGNORECASE,
)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to each record and masks secrets in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        if isinstance(record.msg, str) and not record.args:
            record.msg = _SECRET_PATTERN.sub(r"\1\2***", record.msg)
        elif record.args:
            message = record.getMessage()
            masked = _SECRET_PATTERN.sub(r"\1\2***", message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def logging_config(*, level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for Sanic and our own loggers, all through the request-id filter."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "plain",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "plain": {"format": FORMAT},
            "access": {"format": FORMAT + "%(host)s %(request)s %(status)s %(byte)s"},
        },
        "handlers": {"console": handler, "access": {**handler, "formatter": "access"}},
        "loggers": {
            "sanic.root": {"level": level, "handlers": ["console"], "propagate": False},
            "sanic.error": {"level": level, "handlers": ["console"], "propagate": False},
            "sanic.access": {"level": level, "handlers": ["access"], "propagate": False},
            "sanic.server": {"level": level, "handlers": ["console"], "propagate": False},
            "qinejia": {"level": level, "handlers": ["console"], "propagate": True},
            "wechatpy": {"level": "WARNING", "handlers": ["console"], "propagate": True},
            # Query logs carry parameters (personal data): never below INFO.
            "tortoise": {"level": "INFO", "propagate": True},
            "aiosqlite": {"level": "INFO", "propagate": True},
        },
    }


def get_logger(name: str) -> logging.Logger:
    """Our loggers all live under `qinejia.` so one config covers them."""
    return logging.getLogger(f"qinejia.{name}")
