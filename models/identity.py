"""Staff directory, WeChat accounts and the service's own tokens."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ROLES = (
    "staff",
    "canteen",
    "facility",
    "facility_lead",
    "guard",
    "admin",
    "inspector",
    "librarian",
    "carwash",
    "dept_head",
    "procurement",
    "duty_station",
)


class Staff(Model):
    """A directory entry: proof of employment and the roles that drive authorization."""

    id = fields.IntField(primary_key=True)
    employee_no = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    department = fields.CharField(max_length=128, default="")
    roles: list[str] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "staff"


class User(Model):
    """A WeChat account (openid). Bound to at most one directory entry, and vice versa."""

    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True)
    # Sealed with SECRET_KEY (server.sealing); never serialized, never logged.
    session_key = fields.CharField(max_length=256, default="")
    staff: fields.OneToOneNullableRelation[Staff] = fields.OneToOneField(
        "identity.Staff", related_name="user", null=True, on_delete=fields.SET_NULL
    )
    staff_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"


class AuthToken(Model):
    """Our own bearer token, stored only as its HMAC-SHA256."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_tokens"
