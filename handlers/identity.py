"""Identity endpoints of API.md §2: login, bind, /me and the directory import."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request

from models.identity import ROLES
from server.auth import bearer_token, guard, principal_of, public
from server.http import doc, now, parse_body, parse_query, reply
from server.pagination import PageQuery
from services import identity

bp = Blueprint("identity", url_prefix="/api/v1")


# The wire shapes are the service's results, documented as they are (server/wire.py).
UserOut = identity.UserInfo
LoginOut = identity.Login
StaffImportOut = identity.ImportCounts
DirectoryPage = identity.DirectoryPage
RolesOut = identity.RoleList
Role = Literal[ROLES]  # type: ignore[valid-type]


class StaffQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        default=None, min_length=1, max_length=64, description="工号或姓名中包含的文字"
    )
    active: bool | None = Field(default=None, description="true 仅在职，false 仅已停用")
    role: Role | None = Field(default=None, description="仅含该角色的条目")


class LoginIn(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="wx.login() 返回的 code")


class BindIn(BaseModel):
    employee_no: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)


class StaffEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_no: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    department: str = Field(default="", max_length=128)
    roles: list[str] = Field(default_factory=list)
    active: bool = True


class StaffImportIn(BaseModel):
    items: list[StaffEntry] = Field(min_length=1, max_length=20000)


@bp.post("/auth/login")
@doc(
    summary="微信登录（code2Session）",
    tag="identity",
    body=LoginIn,
    response=LoginOut,
    auth=False,
    errors=["unauthorized", "rate_limited"],
    description="用 wx.login 的 code 换取本服务的令牌。session_key 只保存在服务端。"
    "微信不可用时返回 503 unavailable 并带 Retry-After。",
)
@public
async def login(request: Request) -> HTTPResponse:
    body = parse_body(request, LoginIn)
    result = await identity.login(
        code=body.code, client_ip=request.remote_addr or request.ip, now=now(request)
    )
    return reply(result)


@bp.post("/auth/bind")
@doc(
    summary="绑定工号",
    tag="identity",
    body=BindIn,
    response=UserOut,
    errors=["not_found", "conflict", "rate_limited"],
)
@guard(allow_unbound=True)
async def bind(request: Request) -> HTTPResponse:
    body = parse_body(request, BindIn)
    user = await identity.bind(
        principal=principal_of(request), employee_no=body.employee_no, name=body.name
    )
    return reply(user)


@bp.get("/me")
@doc(summary="当前用户", tag="identity", response=UserOut)
@guard(allow_unbound=True)
async def me(request: Request) -> HTTPResponse:
    return reply(principal_of(request).as_user())


@bp.post("/auth/logout")
@doc(
    summary="退出登录",
    tag="identity",
    status=204,
    description="本令牌立即在所有进程和主机上失效；同一用户的其他令牌不受影响。",
)
@guard(allow_unbound=True)
async def logout(request: Request) -> HTTPResponse:
    await identity.logout(token=bearer_token(request), now=now(request))
    return HTTPResponse(status=204)


@bp.get("/admin/roles")
@doc(
    summary="全部角色及中文名称",
    tag="identity",
    response=RolesOut,
    errors=["forbidden"],
    description="名录条目可带的每个角色；客户端据此显示和保留角色，不写死列表。",
)
@guard("admin")
async def list_roles(request: Request) -> HTTPResponse:
    return reply(identity.roles())


@bp.get("/admin/staff")
@doc(
    summary="查找员工名录（工号或姓名）",
    tag="identity",
    query=StaffQuery,
    response=DirectoryPage,
    errors=["forbidden"],
    description="按名录顺序分页。bound 表示已绑定微信账号。停用某人：POST /admin/staff 提交该条目并 active=false。",
)
@guard("admin")
async def search_staff(request: Request) -> HTTPResponse:
    query = parse_query(request, StaffQuery)
    page = await identity.search_staff(
        q=query.q.strip() if query.q else None,
        active=query.active,
        role=query.role,
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(page)


@bp.post("/admin/staff")
@doc(
    summary="导入/更新员工名录（upsert）",
    tag="identity",
    body=StaffImportIn,
    response=StaffImportOut,
    errors=["forbidden"],
    description="active=false 的条目会吊销该员工的令牌，60 秒内失效。",
)
@guard("admin")
async def import_staff(request: Request) -> HTTPResponse:
    body = parse_body(request, StaffImportIn)
    result = await identity.import_staff(
        rows=[item.model_dump() for item in body.items], now=now(request)
    )
    return reply(result)
