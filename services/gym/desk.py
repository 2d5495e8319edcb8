"""The partner gyms' front desks: desk keys, members' vouchers and the check-in.

A front desk is not a staff member and gets no account: an admin issues its gym a
key (256 random bits, shown once, only its HMAC stored, revocable at once). The key
is a principal of its own kind (`DeskPrincipal`, see server/auth.desk_guard) that
opens `/gym/desk/*` for its own gym and nothing else; staff tokens and desk keys live
in different tables, so neither can pass for the other.

A member shows a voucher: a random code valid for 60 s. The check-in consumes the
voucher and moves the booking to checked_in with conditional updates in one
transaction (for a class, inside the engine's finish step), so however many scans
arrive at once exactly one checks in and the others get 409 invalid_state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import booking
from models.gym import Gym, GymBooking, GymDeskKey, GymSession, GymVoucher
from models.identity import Staff, User
from server import resources
from server.errors import InvalidState, NotFound, TooEarly, TooLate, Unauthorized
from server.qr import qr_png
from server.tx import Tx, transaction
from services.gym.bookings import own_booking, view
from services.gym.common import VOUCHER_LEAD, VOUCHER_TTL, active_gym, known, local, utc
from services.gym.shapes import (
    Checkin,
    DeskKey,
    DeskKeyInfo,
    DeskKeyList,
    DeskKeyRevoked,
    Member,
    Voucher,
)
from services.text import mask_name

KEY_PREFIX = "gymdesk_"


@dataclass(frozen=True)
class DeskPrincipal:
    """A gym's front desk, authenticated by its desk key."""

    key_id: int
    gym_id: int


def _key_hash(key: str) -> str:
    secret = resources.settings().secret_key.encode()
    return hmac.new(secret, b"gym-desk:" + key.encode(), hashlib.sha256).hexdigest()


async def issue_key(*, gym_id: int) -> DeskKey:
    """A new desk key for the gym; the key itself is returned here and never again."""
    gym = await active_gym(gym_id)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = await GymDeskKey.create(gym=gym, key_hash=_key_hash(key))
    return DeskKey(id=row.id, gym_id=gym.id, key=key)


def signin_qr(link: str) -> str:
    """The QR image of a desk's sign-in link as a data URL: the admin's key screen shows
    it once and the desk device scans it instead of typing 43 characters."""
    return "data:image/png;base64," + base64.b64encode(qr_png(link)).decode()


async def list_keys(*, gym_id: int) -> DeskKeyList:
    """A gym's desk keys, newest first (any gym, active or not: the admin revokes them)."""
    gym = await Gym.get_or_none(id=known(gym_id, "场馆"))
    if gym is None:
        raise NotFound("场馆不存在")
    rows = await GymDeskKey.filter(gym_id=gym.id).order_by("-id")
    return DeskKeyList(
        items=[
            DeskKeyInfo(
                id=row.id,
                gym_id=gym.id,
                created_at=row.created_at,
                revoked_at=row.revoked_at,
                last_used_at=row.last_used_at,
            )
            for row in rows
        ]
    )


async def revoke_key(*, key_id: int, now: datetime) -> DeskKeyRevoked:
    row = await GymDeskKey.get_or_none(id=known(key_id, "前台密钥"))
    if row is None:
        raise NotFound("前台密钥不存在")
    if row.revoked_at is None:
        await GymDeskKey.filter(id=row.id, revoked_at__isnull=True).update(revoked_at=now)
        row = await GymDeskKey.get(id=row.id)
    return DeskKeyRevoked(
        id=row.id,
        gym_id=row.gym_id,
        revoked_at=row.revoked_at,
    )


async def authenticate_desk(*, key: str) -> DeskPrincipal:
    """Desk key → DeskPrincipal, or Unauthorized (unknown, revoked, gym withdrawn).

    Not cached: a revoked key stops at its next request.
    """
    if not key.startswith(KEY_PREFIX) or len(key) > 128:
        raise Unauthorized("前台密钥无效")
    row = await GymDeskKey.get_or_none(key_hash=_key_hash(key), revoked_at__isnull=True)
    if row is None or not await Gym.exists(id=row.gym_id, active=True):
        raise Unauthorized("前台密钥无效或已停用")
    return DeskPrincipal(key_id=row.id, gym_id=row.gym_id)


# --- vouchers ----------------------------------------------------------------------


async def issue_voucher(*, user_id: int, booking_id: int, now: datetime) -> Voucher:
    """A 60 s single-use code: from 30 min before a class until it ends, or for a walk-in
    until the gym closes that day."""
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    if row.status != "confirmed":
        raise InvalidState(row.status, "当前状态不能出示入场券")
    if row.kind == "class":
        session = await GymSession.get(id=row.session_id)
        opens = session.start - VOUCHER_LEAD
        if now < opens:
            raise TooEarly("开课前30分钟起可出示入场券", details={"from": local(opens).isoformat()})
        if now >= session.end:
            raise TooLate("课程已结束")
    elif row.valid_until is None or now >= row.valid_until:
        raise TooLate("到店券已过期")
    code = secrets.token_urlsafe(24)
    expires_at = now + VOUCHER_TTL
    await GymVoucher.create(
        booking_id=row.id,
        gym_id=row.gym_id,
        code=code,
        expires_at=expires_at,
    )
    return Voucher(code=code, expires_at=expires_at)


async def voucher_png(*, user_id: int, booking_id: int, now: datetime) -> bytes:
    """The QR image of the booking's newest live voucher (404 when none is live)."""
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    voucher = (
        await GymVoucher.filter(booking_id=row.id, used_at__isnull=True, expires_at__gt=utc(now))
        .order_by("-id")
        .first()
    )
    if voucher is None or row.status != "confirmed":
        raise NotFound("没有可用的入场券")
    return qr_png(voucher.code)


# --- the check-in ------------------------------------------------------------------


async def checkin(*, desk: DeskPrincipal, code: str, now: datetime) -> Checkin:
    """Check a member in by their voucher, once. Unknown, expired and other gyms'
    codes are all 404 (a desk learns nothing about vouchers that are not its own)."""
    voucher = await GymVoucher.get_or_none(code=code)
    if voucher is None or voucher.gym_id != desk.gym_id or voucher.expires_at <= now:
        raise NotFound("入场券无效或已过期")
    row = await GymBooking.get(id=voucher.booking_id)
    if row.status != "confirmed":
        raise InvalidState(row.status, _refusal(row.status))

    async def consume(tx: Tx) -> None:
        used = (
            await GymVoucher.filter(id=voucher.id, used_at__isnull=True)
            .using_db(tx.conn)
            .update(used_at=now)
        )
        moved = (
            await GymBooking.filter(id=row.id, status="confirmed")
            .using_db(tx.conn)
            .update(status="checked_in", checked_in_at=now)
        )
        if not (used and moved):
            raise InvalidState("checked_in", _refusal("checked_in"))

    try:
        if row.reservation_id:
            # A class: the engine reservation is completed in the same transaction.
            async def record(step: booking.Recording) -> None:
                await consume(step.tx)

            await booking.finish(
                reservation_id=row.reservation_id, status="completed", record=record, now=now
            )
        else:
            async with transaction() as tx:
                await consume(tx)
    except InvalidState:
        current = await GymBooking.get(id=row.id)
        raise InvalidState(current.status, _refusal(current.status)) from None
    await GymDeskKey.filter(id=desk.key_id).update(last_used_at=now)
    row = await GymBooking.get(id=row.id)
    return Checkin(booking=await view(row), member=await _member(row.user_id))


def _refusal(status: str) -> str:
    return "该预约已签到" if status == "checked_in" else "该预约当前不能签到"


async def _member(user_id: int) -> Member:
    """All the desk sees of a member: the name masked and the department."""
    user = await User.get_or_none(id=user_id)
    staff = await Staff.get_or_none(id=user.staff_id) if user and user.staff_id else None
    return Member(
        name_masked=mask_name(staff.name if staff else None),
        department=staff.department if staff else "",
    )
