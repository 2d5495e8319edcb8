"""GET /api/v1/health: is the database and Redis reachable from this worker."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request

from server.auth import public
from server.http import doc, reply
from services import health

bp = Blueprint("health", url_prefix="/api/v1")


HealthOut = health.Health


@bp.get("/health")
@doc(
    summary="健康检查",
    tag="system",
    response=HealthOut,
    auth=False,
    extra_responses={503: (HealthOut, "数据库或 Redis 不可用")},
)
@public
async def get_health(request: Request) -> HTTPResponse:
    report = await health.check()
    return reply(report, status=200 if report.status == "ok" else 503)
