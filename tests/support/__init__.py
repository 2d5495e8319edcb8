"""Helpers for tests: make users with roles and tokens, check the error shape."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from models.identity import Staff, User
from services import identity

_counter = itertools.count(1)


@dataclass
class Actor:
    """A bound user with a token: `await client.get(url, headers=actor.headers)`."""

    user_id: int
    staff_id: int
    name: str
    employee_no: str
    roles: list[str]
    token: str
    openid: str
    headers: dict[str, str] = field(default_factory=dict)

    def with_headers(self, **extra: str) -> dict[str, str]:
        return {**self.headers, **extra}


async def make_user(*roles: str, name: str | None = None, department: str = "测试处") -> Actor:
    """A directory entry, a WeChat account bound to it and a fresh token."""
    number = next(_counter)
    unique = uuid.uuid4().hex[:8]
    employee_no = f"T{unique}{number}"
    name = name or f"测试员{number}"
    staff_roles = sorted(set(roles) | {"staff"})
    staff = await Staff.create(
        employee_no=employee_no, name=name, department=department, roles=staff_roles
    )
    openid = f"o-test-{unique}-{number}"
    user = await User.create(openid=openid, session_key="test-session-key", staff=staff)
    token = await identity.issue_token(user_id=user.id, now=datetime.now(UTC))
    return Actor(
        user_id=user.id,
        staff_id=staff.id,
        name=name,
        employee_no=employee_no,
        roles=staff_roles,
        token=token,
        openid=openid,
        headers={"Authorization": f"Bearer {token}"},
    )


async def make_unbound_user() -> tuple[int, dict[str, str]]:
    unique = uuid.uuid4().hex
    user = await User.create(openid=f"o-unbound-{unique}", session_key="x")
    token = await identity.issue_token(user_id=user.id, now=datetime.now(UTC))
    return user.id, {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the one error shape of API.md §1 with this status and code."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert response.headers.get("x-request-id")
    return body["error"]
