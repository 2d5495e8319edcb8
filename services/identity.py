"""Identity: WeChat login, binding to the staff directory, tokens, the directory itself.

An openid proves only that someone holds a WeChat account; the one-time bind against
the directory proves employment, and directory roles drive authorization. Tokens are
ours: 256 random bits, stored as an HMAC so a database dump yields no usable token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, RawSQL
from tortoise.transactions import in_transaction

from models.identity import ROLES, AuthToken, Staff, User
from server import batches, pagination, resources
from server.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from server.logs import get_logger
from server.sealing import seal
from server.wechat import WeChatError
from services import ratelimit

log = get_logger("identity")


# --- wire shapes (API.md §2), documented by the handlers as they are ----------------


class UserInfo(BaseModel):
    """The `User` object of API.md §2."""

    id: int
    name: str | None
    employee_no: str | None
    department: str | None
    roles: list[str]
    bound: bool


class RoleInfo(BaseModel):
    role: str
    label: str


class RoleList(BaseModel):
    """`GET /admin/roles`: every directory role with its Chinese label, in directory order."""

    items: list[RoleInfo]


# What each role is called on screens; clients read it from GET /admin/roles so that a
# role added here is never stripped by a client that did not know it.
ROLE_LABELS: dict[str, str] = {
    "staff": "职工",
    "canteen": "食堂",
    "facility": "维修工",
    "facility_lead": "维修班长",
    "guard": "门岗",
    "admin": "管理员",
    "inspector": "考核检查员",
    "librarian": "图书管理员",
    "carwash": "洗车员",
    "dept_head": "部门负责人",
    "procurement": "采购",
    "duty_station": "勤务站",
}


def roles() -> RoleList:
    """Every role a directory entry may carry, labelled."""
    return RoleList(items=[RoleInfo(role=r, label=ROLE_LABELS.get(r, r)) for r in ROLES])


class Login(BaseModel):
    token: str
    expires_in: int
    user: UserInfo


class ImportCounts(BaseModel):
    """What a directory import changed."""

    created: int
    updated: int


class DirectoryEntry(BaseModel):
    """A directory entry as the admin's staff search shows it (API.md §2)."""

    id: int
    employee_no: str
    name: str
    department: str
    roles: list[str]
    active: bool
    bound: bool


class DirectoryPage(BaseModel):
    items: list[DirectoryEntry]
    next_cursor: str | None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, and (when bound) their directory identity and roles."""

    user_id: int
    staff_id: int | None = None
    name: str | None = None
    employee_no: str | None = None
    department: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def bound(self) -> bool:
        return self.staff_id is not None

    def has_role(self, *wanted: str) -> bool:
        """`admin` may do everything the other roles may."""
        return "admin" in self.roles or any(role in self.roles for role in wanted)

    def as_user(self) -> UserInfo:
        """The `User` object of API.md §2."""
        return UserInfo(
            id=self.user_id,
            name=self.name,
            employee_no=self.employee_no,
            department=self.department,
            roles=sorted(self.roles, key=ROLES.index),
            bound=self.bound,
        )


def principal_for(user: User, staff: Staff | None) -> Principal:
    if staff is None or not staff.active:
        return Principal(user_id=user.id)
    return Principal(
        user_id=user.id,
        staff_id=staff.id,
        name=staff.name,
        employee_no=staff.employee_no,
        department=staff.department,
        roles=_granted(staff.roles),
    )


def _granted(directory_roles: list[str]) -> frozenset[str]:
    """Known directory roles, and `staff` for every bound employee."""
    return frozenset({role for role in directory_roles if role in ROLES} | {"staff"})


def _token_hash(token: str) -> str:
    # hmac.digest is the one-shot C path: a third of hmac.new(...).hexdigest()'s cost,
    # which showed in profiles of the lunch rush (every request hashes its token).
    key = resources.settings().secret_key.encode()
    return hmac.digest(key, token.encode(), "sha256").hex()


# --- login -------------------------------------------------------------------------


async def login(*, code: str, client_ip: str, now: datetime) -> Login:
    """Exchange a wx.login code for our own token (API.md §2 POST /auth/login)."""
    limits = resources.settings().login_limits
    code_key = hashlib.sha256(code.encode()).hexdigest()[:32]
    await ratelimit.hit(key=f"login:ip:{client_ip}", limit=limits.per_ip, window_s=limits.window_s)
    await ratelimit.hit(
        key=f"login:code:{code_key}", limit=limits.per_code, window_s=limits.window_s
    )
    try:
        session = await resources.wechat().code_to_session(code)
    except WeChatError as exc:
        if exc.errcode in (40029, 40163, 40226):  # invalid, used or blocked code
            raise Unauthorized(
                "登录凭证无效，请重新登录", details={"wechat_errcode": exc.errcode}
            ) from None
        log.warning("code2Session failed: errcode=%s", exc.errcode)
        raise ServiceUnavailable("微信服务繁忙，请稍后再试", retry_after=2) from None
    await ratelimit.hit(
        key=f"login:openid:{session.openid}", limit=limits.per_openid, window_s=limits.window_s
    )
    user = await _upsert_user(
        openid=session.openid,
        unionid=session.unionid,
        session_key=seal(session.session_key),
        now=now,
    )
    token = await issue_token(user_id=user.id, now=now)
    staff = await Staff.get_or_none(id=user.staff_id) if user.staff_id else None
    return Login(
        token=token,
        expires_in=resources.settings().token_ttl_s,
        user=principal_for(user, staff).as_user(),
    )


async def _upsert_user(
    *, openid: str, unionid: str | None, session_key: str, now: datetime
) -> User:
    user = await User.get_or_none(openid=openid)
    if user is None:
        try:
            return await User.create(
                openid=openid, unionid=unionid, session_key=session_key, last_login_at=now
            )
        except IntegrityError:  # a concurrent first login of the same account
            user = await User.get(openid=openid)
    user.unionid = unionid or user.unionid
    user.session_key = session_key
    user.last_login_at = now
    await user.save(update_fields=["unionid", "session_key", "last_login_at"])
    return user


# --- tokens ------------------------------------------------------------------------


async def issue_token(*, user_id: int, now: datetime) -> str:
    """A new bearer token for the user: 256 random bits, only its HMAC is stored."""
    token = secrets.token_urlsafe(32)
    ttl = resources.settings().token_ttl_s
    await AuthToken.create(
        token_hash=_token_hash(token), user_id=user_id, expires_at=now + timedelta(seconds=ttl)
    )
    return token


# Principals are cached at two levels, so that the lunch rush's requests need no
# database query for their token:
# - per process: token → (principal, monotonic deadline) (keyed by the token itself,
#   which the process holds anyway while it serves the request: no HMAC per hit), for at most
#   AUTH_CACHE_SECONDS (≤ 60): what bounds how long a change reaches other processes;
# - shared by every worker and host, in Redis: `auth:p:<hash>` → the principal, its
#   token's expiry and the directory generation it was read under, for as long as the
#   token lives (at most SHARED_TTL_S). A user seen by any worker since Redis started
#   is served without a query; a worker's first sight of a token costs one pipelined
#   MGET. Every change of the directory or of tokens made through our code (the staff
#   import, deactivation, revocation) increments `auth:gen` before and after it
#   commits, which retires every shared entry at once; an entry is read together with
#   the generation (one MGET) and ignored when they differ. An entry is written with
#   the generation read *before* its database read, so a change committing in between
#   retires it too. A change made in the database by hand is seen once its shared
#   entry expires, or at once after `python -m server forget-principals`.
# Only bound principals are cached, so a fresh bind is seen at once.
_principal_cache: dict[str, tuple[Principal, float, str]] = {}
_CACHE_MAX = 50_000
PRINCIPAL_KEY = "auth:p:"
GENERATION_KEY = "auth:gen"
SHARED_TTL_S = 24 * 3600


async def authenticate(*, token: str, now: datetime) -> Principal:
    """Token → Principal, or Unauthorized (missing, unknown, expired, revoked, deactivated)."""
    if not token or len(token) > 128:
        raise Unauthorized()
    cached = _principal_cache.get(token)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    digest = _token_hash(token)
    generation, shared = await _shared_principal(digest, now)
    if shared is not None:
        _remember(token, digest, shared[0], shared[1], now)
        return shared[0]
    record = await _token_record(digest)
    if record is None or record["revoked_at"] is not None or record["expires_at"] <= now:
        _principal_cache.pop(token, None)
        raise Unauthorized("登录已失效，请重新登录")
    if record["user__staff_id"] is not None and not record["user__staff__active"]:
        raise Unauthorized("账号已停用")
    principal = _principal_from_row(record)
    if principal.bound:
        _remember(token, digest, principal, record["expires_at"], now)
        if generation is not None:
            await _share(digest, principal, record["expires_at"], generation, now)
    return principal


def _remember(
    token: str, digest: str, principal: Principal, expires_at: datetime, now: datetime
) -> None:
    if len(_principal_cache) >= _CACHE_MAX:
        _principal_cache.clear()
    ttl = min(resources.settings().auth_cache_s, (expires_at - now).total_seconds())
    _principal_cache[token] = (principal, time.monotonic() + ttl, digest)


LOGOUT_CHANNEL = "auth:logout"


async def logout(*, token: str, now: datetime) -> None:
    """End one token at once on every worker and host (API.md §2 POST /auth/logout).

    The shared entry is deleted before and after the revocation commits (a request
    reading the row in between cannot leave a live entry behind), and every worker
    drops the token from its own cache when the digest arrives on LOGOUT_CHANNEL
    (listen_for_logouts), instead of serving it for up to AUTH_CACHE_SECONDS. Redis
    out of reach refuses the logout (503) before anything changes, so a logout that
    answered 204 never leaves the token working on another worker.
    """
    digest = _token_hash(token)
    _principal_cache.pop(token, None)
    client = resources.redis()
    try:
        await client.delete(PRINCIPAL_KEY + digest)
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable(retry_after=2) from exc
    await AuthToken.filter(token_hash=digest, revoked_at__isnull=True).update(revoked_at=now)
    try:
        await client.delete(PRINCIPAL_KEY + digest)
        await client.publish(LOGOUT_CHANNEL, digest)
    except (RedisError, OSError):
        log.error(
            "logout not broadcast (Redis unreachable): other workers' caches expire on their own"
        )
    _principal_cache.pop(token, None)


def drop_cached_digest(digest: str) -> None:
    """Forget every cached principal of this token digest (a logout on another worker)."""
    for token in [t for t, entry in _principal_cache.items() if entry[2] == digest]:
        _principal_cache.pop(token, None)


async def listen_for_logouts() -> None:
    """Run for the life of a worker: apply every other worker's logout to this one's cache.

    A lost subscription (Redis restarted) clears the whole local cache before listening
    again, since a logout may have been missed meanwhile.
    """
    while True:
        try:
            async with resources.redis().pubsub() as channel:
                await channel.subscribe(LOGOUT_CHANNEL)
                async for message in channel.listen():
                    if message.get("type") == "message":
                        drop_cached_digest(str(message["data"]))
        except (RedisError, OSError):
            _principal_cache.clear()
            await asyncio.sleep(1)


async def _shared_principal(
    digest: str, now: datetime
) -> tuple[str | None, tuple[Principal, datetime] | None]:
    """(current generation, (principal, token expiry) if Redis holds a live entry).

    Redis out of reach is (None, None): the database answers instead, so a cache
    fault never refuses a valid token.
    """
    try:
        raw, generation = await resources.lua_channel().command(
            "MGET", PRINCIPAL_KEY + digest, GENERATION_KEY
        )
    except (RedisError, OSError):
        return None, None
    generation = generation or "0"
    if raw is None:
        return generation, None
    entry = json.loads(raw)
    expires_at = datetime.fromtimestamp(entry["exp"], UTC)
    if entry["gen"] != generation or expires_at <= now:
        return generation, None
    principal = Principal(
        user_id=entry["user_id"],
        staff_id=entry["staff_id"],
        name=entry["name"],
        employee_no=entry["employee_no"],
        department=entry["department"],
        roles=frozenset(entry["roles"]),
    )
    return generation, (principal, expires_at)


async def _share(
    digest: str, principal: Principal, expires_at: datetime, generation: str, now: datetime
) -> None:
    ttl = int(min(SHARED_TTL_S, (expires_at - now).total_seconds()))
    if ttl < 1:
        return
    entry = {
        "gen": generation,
        "exp": expires_at.timestamp(),
        "user_id": principal.user_id,
        "staff_id": principal.staff_id,
        "name": principal.name,
        "employee_no": principal.employee_no,
        "department": principal.department,
        "roles": sorted(principal.roles),
    }
    try:
        await resources.lua_channel().command(
            "SET", PRINCIPAL_KEY + digest, json.dumps(entry, ensure_ascii=False), "EX", ttl
        )
    except (RedisError, OSError):
        log.warning("principal not shared (Redis unreachable)")


_AUTH_COLUMNS = (
    "user_id",
    "expires_at",
    "revoked_at",
    "user__staff_id",
    "user__staff__name",
    "user__staff__employee_no",
    "user__staff__department",
    "user__staff__roles",
    "user__staff__active",
)


# dialect → the SQL of the token lookup, with one placeholder for the token hash.
_auth_sql: dict[str, str] = {}


async def _token_record(digest: str) -> dict[str, Any] | None:
    """One query for the columns we need, no model objects, and no query building.

    At the lunch rush most of 15,000 tokens are seen once per worker, so this path is
    hot; profiling showed Tortoise spending four times longer building the joined
    SELECT than the database spent answering it. The SQL is built once per dialect by
    the ORM itself (so quoting and placeholders stay Tortoise's) and reused.
    """
    db = AuthToken._meta.db
    dialect = db.capabilities.dialect
    sql = _auth_sql.get(dialect)
    if sql is None:
        query = AuthToken.filter(token_hash="").using_db(db).values(*_AUTH_COLUMNS)
        sql = _auth_sql[dialect] = query.sql()
    rows = await db.execute_query_dict(sql, [digest])
    if not rows:
        return None
    row = dict(rows[0])
    for name in ("expires_at", "revoked_at"):  # SQLite hands back text, PostgreSQL naive or aware
        row[name] = _TOKEN_FIELDS[name].to_python_value(row[name])
    return row


_TOKEN_FIELDS = AuthToken._meta.fields_map


def _principal_from_row(row: dict[str, Any]) -> Principal:
    if row["user__staff_id"] is None:
        return Principal(user_id=row["user_id"])
    roles = row["user__staff__roles"]
    if isinstance(roles, str):  # some backends hand JSON columns back undecoded in values()
        roles = json.loads(roles)
    return Principal(
        user_id=row["user_id"],
        staff_id=row["user__staff_id"],
        name=row["user__staff__name"],
        employee_no=row["user__staff__employee_no"],
        department=row["user__staff__department"],
        roles=_granted(roles),
    )


async def revoke_user_tokens(*, user_ids: Iterable[int], now: datetime) -> int:
    """Revoke every token of these users. In a caller's transaction, the caller retires
    the cached principals again once it committed (see import_staff)."""
    ids = list(user_ids)
    if not ids:
        return 0
    await retire_cached_principals()
    revoked = await AuthToken.filter(user_id__in=ids, revoked_at__isnull=True).update(
        revoked_at=now
    )
    await retire_cached_principals()
    return revoked


async def retire_cached_principals() -> None:
    """Retire every cached principal: this process's and the shared ones at once, the
    other processes' own caches within AUTH_CACHE_SECONDS. Raises when Redis is out of
    reach, so a change that must retire them can refuse before it commits."""
    _principal_cache.clear()
    await resources.redis().incr(GENERATION_KEY)


async def forget_cached_principals() -> None:
    """After a change made outside our code (`python -m server forget-principals`), and
    after a commit that already retired them once: retiring cannot fail the change."""
    try:
        await retire_cached_principals()
    except (RedisError, OSError):
        log.error("cached principals not retired (Redis unreachable): they expire on their own")


# --- binding -----------------------------------------------------------------------


async def bind(*, principal: Principal, employee_no: str, name: str) -> UserInfo:
    """Bind the caller's WeChat account to the directory entry matching both fields."""
    limits = resources.settings().login_limits
    await ratelimit.hit(
        key=f"bind:user:{principal.user_id}", limit=limits.bind_per_user, window_s=limits.window_s
    )
    staff = await Staff.get_or_none(employee_no=employee_no.strip(), name=name.strip(), active=True)
    if staff is None:
        raise NotFound("未找到匹配的工号和姓名")
    if principal.staff_id == staff.id:
        return principal.as_user()
    if principal.bound:
        raise Conflict("该微信已绑定其他工号")
    async with in_transaction():
        user = await User.get(id=principal.user_id)
        holder = await User.get_or_none(staff_id=staff.id)
        if holder is not None and holder.id != user.id:
            raise Conflict("该工号已绑定其他微信账号")
        user.staff = staff
        try:
            await user.save(update_fields=["staff_id"])
        except IntegrityError:  # a concurrent bind of the same employee won
            raise Conflict("该工号已绑定其他微信账号") from None
    return principal_for(user, staff).as_user()


# --- the directory -----------------------------------------------------------------


def validate_directory_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check every row before touching anything: a bad file changes nothing."""
    errors: dict[str, str] = {}
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        employee_no = str(row.get("employee_no") or "").strip()
        name = str(row.get("name") or "").strip()
        roles = [str(r).strip() for r in (row.get("roles") or []) if str(r).strip()]
        if not employee_no or len(employee_no) > 32:
            errors[f"items[{index}].employee_no"] = "工号不能为空且不超过32个字符"
        elif employee_no in seen:
            errors[f"items[{index}].employee_no"] = "工号重复"
        if not name or len(name) > 64:
            errors[f"items[{index}].name"] = "姓名不能为空且不超过64个字符"
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            errors[f"items[{index}].roles"] = f"未知角色: {', '.join(unknown)}"
        seen.add(employee_no)
        clean.append(
            {
                "employee_no": employee_no,
                "name": name,
                "department": str(row.get("department") or "").strip()[:128],
                "roles": sorted(
                    set(roles) | {"staff"}, key=lambda r: ROLES.index(r) if r in ROLES else 99
                ),
                "active": bool(row.get("active", True)),
            }
        )
    if errors:
        raise InvalidInput(errors)
    return clean


async def import_staff(*, rows: list[dict[str, Any]], now: datetime) -> ImportCounts:
    """Upsert the directory; entries set inactive lose their tokens (API.md §2)."""
    clean = validate_directory_rows(rows)
    created = updated = 0
    deactivated: list[int] = []
    await retire_cached_principals()  # Redis unreachable: 503 before anything changed
    async with in_transaction():
        numbers = [r["employee_no"] for r in clean]
        existing = {
            s.employee_no: s
            for part in batches.chunks(numbers)  # under the driver's argument limit
            for s in await Staff.filter(employee_no__in=part)
        }
        for row in clean:
            staff = existing.get(row["employee_no"])
            if staff is None:
                await Staff.create(**row)
                created += 1
                continue
            if staff.active and not row["active"]:
                deactivated.append(staff.id)
            changed = any(getattr(staff, k) != v for k, v in row.items())
            if changed:
                for key, value in row.items():
                    setattr(staff, key, value)
                await staff.save()
                updated += 1
        if deactivated:
            users = await User.filter(staff_id__in=deactivated).values_list("id", flat=True)
            await revoke_user_tokens(user_ids=users, now=now)  # type: ignore[arg-type]
    if updated:  # roles, names, departments or activity changed: retire again, committed
        await forget_cached_principals()
    return ImportCounts(created=created, updated=updated)


async def search_staff(
    *, q: str | None, active: bool | None, role: str | None, limit: int, cursor: str | None
) -> DirectoryPage:
    """Directory entries whose employee number or name contains `q`, optionally only
    active or inactive ones and those holding `role`, in directory order (by id).

    Roles are a JSON list; neither database matches inside it the same way, so the role
    is found in the list's text (`"canteen"` with its quotes: no role is part of
    another's quoted name). `role` is one of ROLES, checked by the caller's query model.
    """
    query = Staff.all()
    if q:
        query = query.filter(Q(employee_no__icontains=q) | Q(name__icontains=q))
    if active is not None:
        query = query.filter(active=active)
    if role is not None:
        if role not in ROLES:
            raise InvalidInput({"role": "取值无效"})
        quoted = f"'\"{role}\"'"
        dialect = Staff._meta.db.capabilities.dialect
        found = (
            f'instr("roles", {quoted})'
            if dialect == "sqlite"
            else f'position({quoted} in "roles"::text)'
        )
        query = query.annotate(role_hit=RawSQL(found)).filter(role_hit__gt=0)
    rows, next_cursor = await pagination.page(query, limit=limit, cursor=cursor, oldest_first=True)
    holders: list[Any] = await User.filter(staff_id__in=[row.id for row in rows]).values_list(
        "staff_id", flat=True
    )
    bound = {int(staff_id) for staff_id in holders}
    return DirectoryPage(
        items=[
            DirectoryEntry(
                id=row.id,
                employee_no=row.employee_no,
                name=row.name,
                department=row.department,
                roles=sorted(row.roles, key=lambda r: ROLES.index(r) if r in ROLES else 99),
                active=row.active,
                bound=row.id in bound,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )


def parse_staff_csv(text: str) -> list[dict[str, Any]]:
    """Columns employee_no,name,department,roles (roles split by `|`), optional active."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    required = {"employee_no", "name", "department", "roles"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput({"columns": f"缺少列: {', '.join(sorted(missing))}"})
    rows = []
    for line in reader:
        active = (line.get("active") or "true").strip().lower() not in ("0", "false", "no", "否")
        rows.append(
            {
                "employee_no": line["employee_no"],
                "name": line["name"],
                "department": line["department"],
                "roles": [r for r in (line["roles"] or "").split("|") if r.strip()],
                "active": active,
            }
        )
    return rows


async def staff_with_role(*, role: str) -> list[int]:
    """User ids of bound, active accounts holding `role` (for notices to a whole role)."""
    staff_ids = [s.id for s in await Staff.filter(active=True) if role in s.roles]
    return list(await User.filter(staff_id__in=staff_ids).values_list("id", flat=True))  # type: ignore[arg-type]


async def names_of(user_ids: Iterable[int | None]) -> dict[int, str]:
    """User id → directory name (an unbound account shows as 未绑定用户), for the people
    a list names (requesters, assignees, inspectors, actors)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = await User.filter(id__in=ids).values_list("id", "staff__name")
    return {int(uid): str(name or "未绑定用户") for uid, name in rows}
