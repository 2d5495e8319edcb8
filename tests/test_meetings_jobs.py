"""The meeting-room jobs, run with `now=`: no-show release, reminders, completion,
expired approvals. They use the day before the other tests' DAY, so running a job at
some moment of JOB_DAY never touches those bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

import booking as engine
from jobs.scheduler import discover
from models.meetings import Booking
from models.notifications import Notice
from services.meetings import jobs as meetings_jobs
from tests.support import assert_error, make_user
from tests.support.meetings import DAY, at, book, clock, new_room

JOB_DAY = DAY - timedelta(days=1)
JOB_EVE = at("12:00", JOB_DAY - timedelta(days=1))


def t(hhmm: str) -> str:
    return at(hhmm, JOB_DAY)


def moment(hhmm: str) -> datetime:
    return datetime.fromisoformat(t(hhmm))


async def test_jobs_are_registered():
    names = {job.name for job in discover()}
    assert {
        "meetings_release_no_shows",
        "meetings_reminders",
        "meetings_expire_pending",
        "meetings_complete",
    } <= names


async def test_no_show_is_released_and_another_user_can_book(client):
    admin, owner, other = await make_user("admin"), await make_user(), await make_user()
    room = await new_room(client, admin)
    booking = (await book(client, owner, room["id"], t("10:00"), t("11:00"), now=JOB_EVE)).json()
    taken = await book(client, other, room["id"], t("10:30"), t("11:00"), now=t("10:20"))
    assert_error(taken, 409, "conflict")

    await meetings_jobs.release_no_shows(now=moment("10:15"))  # still inside the window
    assert (await Booking.get(id=booking["id"])).status == "confirmed"
    await meetings_jobs.release_no_shows(now=moment("10:16"))
    row = await Booking.get(id=booking["id"])
    assert row.status == "released"
    assert (await engine.get(reservation_id=row.reservation_id)).status == "released"
    notice = await Notice.get(user_id=owner.user_id, kind="meeting_released")
    assert "释放" in notice.body

    retaken = await book(client, other, room["id"], t("10:30"), t("11:00"), now=t("10:20"))
    assert retaken.status_code == 201, retaken.text
    late = await client.post(
        f"/api/v1/meetings/bookings/{booking['id']}/checkin", headers=clock(t("10:14"), owner)
    )
    assert assert_error(late, 409, "invalid_state")["details"]["state"] == "released"
    again = await meetings_jobs.release_no_shows(now=moment("10:30"))
    assert (await Booking.get(id=booking["id"])).status == "released"
    assert await Notice.filter(user_id=owner.user_id, kind="meeting_released").count() == 1
    assert again == 0  # already released: a second run finds nothing to do


async def test_checked_in_meeting_is_kept_then_completed(client):
    admin, owner = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    booking = (await book(client, owner, room["id"], t("14:00"), t("15:00"), now=JOB_EVE)).json()
    url = f"/api/v1/meetings/bookings/{booking['id']}/checkin"
    assert (await client.post(url, headers=clock(t("13:55"), owner))).status_code == 200
    await meetings_jobs.release_no_shows(now=moment("14:30"))
    assert (await Booking.get(id=booking["id"])).status == "confirmed"
    await meetings_jobs.complete_ended(now=moment("14:59"))
    assert (await Booking.get(id=booking["id"])).status == "confirmed"
    await meetings_jobs.complete_ended(now=moment("15:00"))
    row = await Booking.get(id=booking["id"])
    assert row.status == "completed"
    assert (await engine.get(reservation_id=row.reservation_id)).status == "completed"


async def test_reminder_once_fifteen_minutes_before(client):
    admin, owner = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    booking = (await book(client, owner, room["id"], t("16:00"), t("17:00"), now=JOB_EVE)).json()
    await meetings_jobs.send_reminders(now=moment("15:44"))
    assert not await Notice.exists(user_id=owner.user_id, kind="meeting_reminder")
    await meetings_jobs.send_reminders(now=moment("15:45"))
    await meetings_jobs.send_reminders(now=moment("15:50"))
    assert await Notice.filter(user_id=owner.user_id, kind="meeting_reminder").count() == 1
    assert (await Booking.get(id=booking["id"])).reminded_at is not None


async def test_unapproved_booking_expires_at_its_start_and_frees_the_time(client):
    admin, owner, other = await make_user("admin"), await make_user(), await make_user()
    hall = await new_room(client, admin, needs_approval=True)
    booking = (await book(client, owner, hall["id"], t("18:00"), t("19:00"), now=JOB_EVE)).json()
    late = await client.post(
        f"/api/v1/admin/meetings/bookings/{booking['id']}/approve",
        headers=clock(t("18:00"), admin),
    )
    assert_error(late, 409, "too_late")
    await meetings_jobs.expire_pending(now=moment("17:59"))
    assert (await Booking.get(id=booking["id"])).status == "pending_approval"
    await meetings_jobs.expire_pending(now=moment("18:00"))
    assert (await Booking.get(id=booking["id"])).status == "rejected"
    assert await Notice.exists(user_id=owner.user_id, kind="meeting_rejected")
    retaken = await book(client, other, hall["id"], t("18:30"), t("19:00"), now=t("18:05"))
    assert retaken.status_code == 201, retaken.text
