"""The duty station over HTTP (API.md §14): services and slots, appointments, walk-ins and
errands, the fair call queue under concurrent counters, the TV, the report, the jobs."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from models.duty import Appointment, DutyDay
from models.notifications import Notice
from services.duty import jobs
from tests.support import assert_error, make_user
from tests.support.duty import (
    API,
    SHANGHAI,
    a_day,
    at,
    clock,
    new_service,
    open_day,
    upload_document,
)


def when(day, hhmm: str) -> datetime:
    return datetime.fromisoformat(at(day, hhmm))


async def test_catalogue_slots_and_one_live_appointment_per_service(client):
    admin, staff = await make_user("admin"), await make_user()
    service = await new_service(client, admin, mode="appointment", documents=["行驶证", "身份证"])
    assert service["documents"] == ["行驶证", "身份证"] and service["active"] is True
    listed = await client.get(f"{API}/duty/services", headers=staff.headers)
    assert service["id"] in [s["id"] for s in listed.json()["items"]]
    day = a_day()
    slots = await open_day(client, admin, day, {service["id"]: 2})
    assert [s["start"][11:16] for s in slots] == ["09:00", "09:30", "10:00", "10:30"]
    assert all(s["capacity"] == 2 and s["available"] == 2 for s in slots)
    again = await client.post(
        f"{API}/admin/duty/slots",
        json={
            "date": day.isoformat(),
            "open_from": "09:00",
            "open_to": "11:00",
            "slot_minutes": 30,
            "counters": {str(service["id"]): 1},
        },
        headers=admin.headers,
    )
    assert_error(again, 409, "conflict")

    before = clock(staff, day, "08:00")
    body = {"service_id": service["id"], "slot_id": slots[0]["id"]}
    first = await client.post(f"{API}/duty/appointments", json=body, headers=before)
    assert first.status_code == 201, first.text
    booked = first.json()
    assert booked["status"] == "booked" and booked["ticket_no"] is None
    assert booked["slot"]["id"] == slots[0]["id"] and booked["date"] == day.isoformat()
    other_slot = {"service_id": service["id"], "slot_id": slots[1]["id"]}
    second = await client.post(f"{API}/duty/appointments", json=other_slot, headers=before)
    assert_error(second, 409, "limit_reached")
    walk = await client.post(
        f"{API}/duty/walk-ins",
        json={"service_id": service["id"]},
        headers=clock(staff, day, "09:10"),
    )
    assert_error(walk, 409, "limit_reached")
    seen = await client.get(
        f"{API}/duty/services/{service['id']}/slots?date={day}", headers=staff.headers
    )
    assert [s["booked"] for s in seen.json()["items"]] == [1, 0, 0, 0]

    cancelled = await client.post(f"{API}/duty/appointments/{booked['id']}/cancel", headers=before)
    assert cancelled.json()["status"] == "cancelled"
    seen = await client.get(
        f"{API}/duty/services/{service['id']}/slots?date={day}", headers=staff.headers
    )
    assert seen.json()["items"][0]["available"] == 2  # free at once
    again = await client.post(f"{API}/duty/appointments", json=other_slot, headers=before)
    assert again.status_code == 201, again.text  # no longer live: a new one is fine

    withdrawn = await client.patch(
        f"{API}/admin/duty/services/{service['id']}", json={"active": False}, headers=admin.headers
    )
    assert withdrawn.json()["active"] is False
    everything = await client.get(f"{API}/admin/duty/services", headers=admin.headers)
    assert service["id"] in [s["id"] for s in everything.json()["items"]]
    active = await client.get(f"{API}/duty/services", headers=staff.headers)
    assert service["id"] not in [s["id"] for s in active.json()["items"]]
    stranger = await make_user()
    late = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": service["id"], "slot_id": slots[2]["id"]},
        headers=clock(stranger, day, "08:00"),
    )
    assert_error(late, 404, "not_found")


async def test_thirty_concurrent_bookings_of_a_two_counter_slot_make_two(client):
    admin = await make_user("admin")
    service = await new_service(client, admin, mode="appointment")
    day = a_day()
    slot = (await open_day(client, admin, day, {service["id"]: 2}))[0]
    people = [await make_user() for _ in range(30)]
    body = {"service_id": service["id"], "slot_id": slot["id"]}
    answers = await asyncio.gather(
        *[
            client.post(f"{API}/duty/appointments", json=body, headers=clock(p, day, "08:00"))
            for p in people
        ]
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 2 + [409] * 28, statuses
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"slot_full"}
    assert await Appointment.filter(slot_id=slot["id"], status="booked").count() == 2


async def test_a_double_tap_makes_one_appointment(client):
    admin, staff = await make_user("admin"), await make_user()
    service = await new_service(client, admin, mode="appointment")
    day = a_day()
    slots = await open_day(client, admin, day, {service["id"]: 3})
    answers = await asyncio.gather(
        *[
            client.post(
                f"{API}/duty/appointments",
                json={"service_id": service["id"], "slot_id": slot["id"]},
                headers=clock(staff, day, "08:00"),
            )
            for slot in slots * 3
        ]
    )
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert await Appointment.filter(user_id=staff.user_id).count() == 1


async def test_check_in_window_tickets_and_the_queue_order(client):
    admin = await make_user("admin")
    clerk = await make_user("duty_station")
    booked_service = await new_service(client, admin, mode="appointment")
    walk_service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    slots = await open_day(client, admin, day, {booked_service["id"]: 1})
    early, walker, errand_owner = await make_user(), await make_user(), await make_user()

    booked = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": booked_service["id"], "slot_id": slots[1]["id"]},  # 09:30
        headers=clock(early, day, "08:00"),
    )
    appointment = booked.json()
    url = f"{API}/duty/appointments/{appointment['id']}/checkin"
    assert_error(await client.post(url, headers=clock(early, day, "08:59")), 409, "too_early")
    # Walk-ins only while the station is open.
    closed = await client.post(
        f"{API}/duty/walk-ins",
        json={"service_id": walk_service["id"]},
        headers=clock(walker, day, "08:50"),
    )
    assert_error(closed, 409, "invalid_state")
    walk = await client.post(
        f"{API}/duty/walk-ins",
        json={"service_id": walk_service["id"]},
        headers=clock(walker, day, "09:01"),
    )
    assert walk.status_code == 201, walk.text
    assert walk.json()["ticket_no"] == "B001" and walk.json()["position"] == 1
    checked = await client.post(url, headers=clock(early, day, "09:05"))
    assert checked.status_code == 200, checked.text
    assert checked.json()["ticket_no"] == "A001" and checked.json()["status"] == "waiting"
    # Its slot (09:30) has not started: it waits behind the walk-in who came first.
    assert checked.json()["position"] == 2

    errand_service = await new_service(client, admin, mode="errand")
    document = await upload_document(client, errand_owner)
    handed = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": errand_service["id"], "document_ids": [document], "note": "北京往返"},
        headers=clock(errand_owner, day, "09:10"),
    )
    assert handed.status_code == 201, handed.text
    assert handed.json()["status"] == "waiting" and handed.json()["ticket_no"] is None

    queue = await client.get(f"{API}/duty/desk/queue", headers=clock(clerk, day, "09:31"))
    order = [(e["id"], e["position"]) for e in queue.json()["items"]]
    # From 09:30 the appointment whose slot started goes first.
    assert order == [(appointment["id"], 1), (walk.json()["id"], 2), (handed.json()["id"], 3)]
    names = [e["name_masked"] for e in queue.json()["items"]]
    assert all(name.endswith("*") and len(set(name[1:])) == 1 for name in names)
    assert queue.json()["items"][2]["documents"][0]["id"] == document

    too_late = await make_user()
    other = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": booked_service["id"], "slot_id": slots[0]["id"]},  # 09:00
        headers=clock(too_late, day, "08:00"),
    )
    late_url = f"{API}/duty/appointments/{other.json()['id']}/checkin"
    assert_error(
        await client.post(late_url, headers=clock(too_late, day, "09:16")), 409, "too_late"
    )


async def test_a_call_the_counter_and_the_owner_see_it_through(client, fake_wechat):
    admin, clerk = await make_user("admin"), await make_user("duty_station")
    service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    person = await make_user()
    walk = (
        await client.post(
            f"{API}/duty/walk-ins",
            json={"service_id": service["id"]},
            headers=clock(person, day, "09:00"),
        )
    ).json()
    called = await client.post(
        f"{API}/duty/desk/next", json={"counter": 3}, headers=clock(clerk, day, "09:02")
    )
    assert called.status_code == 200, called.text
    assert called.json()["id"] == walk["id"] and called.json()["counter"] == 3
    assert called.json()["status"] == "called"
    notice = await Notice.filter(user_id=person.user_id, kind="duty_called").first()
    assert notice is not None and "3 号窗口" in notice.title
    empty = await client.post(
        f"{API}/duty/desk/next", json={"counter": 1}, headers=clock(clerk, day, "09:03")
    )
    assert_error(empty, 404, "not_found")

    desk = f"{API}/duty/desk/appointments/{walk['id']}"
    early_pass = await client.post(f"{desk}/no-show", headers=clock(clerk, day, "09:11"))
    assert_error(early_pass, 409, "too_early")
    cancel = await client.post(
        f"{API}/duty/appointments/{walk['id']}/cancel", headers=clock(person, day, "09:04")
    )
    assert_error(cancel, 409, "invalid_state")
    started = await client.post(f"{desk}/start", headers=clock(clerk, day, "09:05"))
    assert started.json()["status"] == "serving"
    assert_error(await client.post(f"{desk}/start", headers=clerk.headers), 409, "invalid_state")
    finished = await client.post(
        f"{desk}/done",
        json={"result_note": "已处理违章1条", "fee_fen": 20000},
        headers=clock(clerk, day, "09:15"),
    )
    assert finished.json()["status"] == "done" and finished.json()["fee_fen"] == 20000
    told = await Notice.filter(user_id=person.user_id, kind="duty_done").first()
    assert told is not None and "已处理违章1条" in told.body and "¥200.00" in told.body

    mine = await client.get(f"{API}/duty/appointments/{walk['id']}", headers=person.headers)
    assert mine.json()["result_note"] == "已处理违章1条" and mine.json()["rated"] is False
    rating = {"score": 5, "comment": "很快"}
    rate_url = f"{API}/duty/appointments/{walk['id']}/rating"
    first = await client.post(rate_url, json=rating, headers=person.headers)
    assert first.status_code == 201, first.text
    assert_error(await client.post(rate_url, json=rating, headers=person.headers), 409, "conflict")
    stranger = await make_user()
    assert_error(
        await client.get(f"{API}/duty/appointments/{walk['id']}", headers=stranger.headers),
        404,
        "not_found",
    )
    # A second visit today for the same service is fine: the first one is done.
    again = await client.post(
        f"{API}/duty/walk-ins",
        json={"service_id": service["id"]},
        headers=clock(person, day, "09:20"),
    )
    assert again.status_code == 201 and again.json()["ticket_no"] == "B002"


async def test_needs_info_sends_the_errand_back_and_documents_put_it_at_the_head(client):
    admin, clerk = await make_user("admin"), await make_user("duty_station")
    errand_service = await new_service(client, admin, mode="errand")
    walk_service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    owner, walker = await make_user(), await make_user()
    errand = (
        await client.post(
            f"{API}/duty/appointments",
            json={
                "service_id": errand_service["id"],
                "document_ids": [await upload_document(client, owner)],
            },
            headers=clock(owner, day, "09:00"),
        )
    ).json()
    called = await client.post(
        f"{API}/duty/desk/next", json={"counter": 1}, headers=clock(clerk, day, "09:01")
    )
    assert called.json()["id"] == errand["id"]
    # An errand's owner is not called to a counter.
    assert not await Notice.filter(user_id=owner.user_id, kind="duty_called").exists()
    sent_back = await client.post(
        f"{API}/duty/desk/appointments/{errand['id']}/needs-info",
        json={"note": "请补充身份证反面照片"},
        headers=clock(clerk, day, "09:02"),
    )
    assert sent_back.json()["status"] == "needs_info"
    told = await Notice.filter(user_id=owner.user_id, kind="duty_needs_info").first()
    assert told is not None and told.body == "请补充身份证反面照片"
    await client.post(
        f"{API}/duty/walk-ins",
        json={"service_id": walk_service["id"]},
        headers=clock(walker, day, "09:03"),
    )
    documents_url = f"{API}/duty/appointments/{errand['id']}/documents"
    document = await upload_document(client, owner)
    stranger = await make_user()
    assert_error(
        await client.post(
            documents_url, json={"document_ids": [document]}, headers=stranger.headers
        ),
        404,
        "not_found",
    )
    back = await client.post(
        documents_url, json={"document_ids": [document]}, headers=clock(owner, day, "09:20")
    )
    assert back.json()["status"] == "waiting" and back.json()["position"] == 1
    assert len(back.json()["document_ids"]) == 2
    head = await client.post(
        f"{API}/duty/desk/next", json={"counter": 2}, headers=clock(clerk, day, "09:21")
    )
    assert head.json()["id"] == errand["id"]  # ahead of the walk-in who waited longer
    # The documents: the owner and the clerks may read them, nobody else.
    path = f"{API}/uploads/{document}"
    assert (await client.get(path, headers=owner.headers)).status_code == 200
    assert (await client.get(path, headers=clerk.headers)).status_code == 200
    assert_error(await client.get(path, headers=stranger.headers), 404, "not_found")
    reused = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": errand_service["id"], "document_ids": [document]},
        headers=clock(stranger, day, "09:30"),
    )
    assert_error(reused, 400, "invalid_input")


async def test_four_counters_calling_at_once_take_each_person_once_in_call_order(client):
    admin = await make_user("admin")
    clerks = [await make_user("duty_station") for _ in range(4)]
    service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    await open_day(
        client,
        admin,
        day,
        {(await new_service(client, admin, mode="appointment"))["id"]: 1},
        open_from="08:00",
        open_to="18:00",
    )
    people = [await make_user() for _ in range(100)]
    tickets = []
    for minute, person in enumerate(people):
        moment = (when(day, "08:00") + timedelta(minutes=minute)).isoformat()
        response = await client.post(
            f"{API}/duty/walk-ins",
            json={"service_id": service["id"]},
            headers=person.with_headers(**{"X-Test-Now": moment}),
        )
        assert response.status_code == 201, response.text
        tickets.append(response.json()["id"])
    now = clock(clerks[0], day, "10:00")["X-Test-Now"]
    calls = [
        client.post(
            f"{API}/duty/desk/next",
            json={"counter": counter + 1},
            headers=clerks[counter].with_headers(**{"X-Test-Now": now}),
        )
        for _ in range(50)
        for counter in range(4)
    ]
    answers = await asyncio.gather(*calls)
    taken = [a.json()["id"] for a in answers if a.status_code == 200]
    assert len(taken) == 100 and len(set(taken)) == 100
    assert sorted(a.status_code for a in answers) == [200] * 100 + [404] * 100
    # In call order: the n-th call took the n-th in the queue.
    called = (
        await Appointment.filter(id__in=tickets)
        .order_by("call_seq")
        .values_list("id", "call_seq", "counter")
    )
    assert [row[0] for row in called] == tickets
    assert len({row[1] for row in called}) == 100
    station = await DutyDay.get(date=day)
    assert station.calls >= 100


async def test_twenty_walk_ins_at_once_get_twenty_different_numbers(client):
    admin = await make_user("admin")
    service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    people = [await make_user() for _ in range(20)]
    answers = await asyncio.gather(
        *[
            client.post(
                f"{API}/duty/walk-ins",
                json={"service_id": service["id"]},
                headers=clock(p, day, "09:30"),
            )
            for p in people
        ]
    )
    numbers = sorted(a.json()["ticket_no"] for a in answers)
    assert numbers == [f"B{n:03d}" for n in range(1, 21)]


async def test_the_tv_shows_numbers_only(client):
    admin, clerk = await make_user("admin"), await make_user("duty_station")
    service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    named = [await make_user(name=f"显示屏测试{n}") for n in range(3)]
    for person in named:
        await client.post(
            f"{API}/duty/walk-ins",
            json={"service_id": service["id"]},
            headers=clock(person, day, "09:00"),
        )
    await client.post(
        f"{API}/duty/desk/next", json={"counter": 2}, headers=clock(clerk, day, "09:05")
    )
    tv = await client.get(f"{API}/duty/display", headers={"X-Test-Now": at(day, "09:06")})
    assert tv.status_code == 200
    assert tv.json()["called"][0]["ticket_no"] == "B001"
    assert tv.json()["called"][0]["counter"] == 2 and tv.json()["waiting"] == 2
    assert set(tv.json()) == {"called", "waiting"}
    assert set(tv.json()["called"][0]) == {"ticket_no", "counter", "called_at"}
    assert not any(p.name in tv.text or p.employee_no in tv.text for p in named)


async def test_jobs_remind_once_and_release_no_shows(client):
    admin = await make_user("admin")
    service = await new_service(client, admin, mode="appointment")
    day = a_day()
    slots = await open_day(client, admin, day, {service["id"]: 1})
    person, absent = await make_user(), await make_user()
    booked_day_before = when(day, "09:00") - timedelta(days=2)
    mine = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": service["id"], "slot_id": slots[2]["id"]},  # 10:00
        headers=person.with_headers(**{"X-Test-Now": booked_day_before.isoformat()}),
    )
    gone = await client.post(
        f"{API}/duty/appointments",
        json={"service_id": service["id"], "slot_id": slots[0]["id"]},  # 09:00
        headers=absent.with_headers(**{"X-Test-Now": booked_day_before.isoformat()}),
    )
    for moment in (
        when(day, "09:00") - timedelta(hours=20),
        when(day, "09:00") - timedelta(hours=19),
    ):
        await jobs.send_reminders(now=moment)
    day_before = await Notice.filter(user_id=person.user_id, kind="duty_reminder").count()
    assert day_before == 1
    for moment in (when(day, "09:40"), when(day, "09:45")):
        await jobs.send_reminders(now=moment)
    assert await Notice.filter(user_id=person.user_id, kind="duty_reminder").count() == 2
    assert await jobs.release_no_shows(now=when(day, "09:14")) == 0
    assert await jobs.release_no_shows(now=when(day, "09:16")) == 1
    row = await Appointment.get(id=gone.json()["id"])
    assert row.status == "no_show" and row.live_key is None
    slots_now = await client.get(
        f"{API}/duty/services/{service['id']}/slots?date={day}", headers=person.headers
    )
    assert slots_now.json()["items"][0]["available"] == 1  # the place is free again
    assert await Appointment.filter(id=mine.json()["id"], status="booked").exists()


async def test_the_monthly_report_and_its_workbook(client):
    admin, clerk = await make_user("admin"), await make_user("duty_station")
    service = await new_service(client, admin, mode="walk_in", name=f"报表业务{a_day()}")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    people = [await make_user() for _ in range(3)]
    ids = []
    for minute, person in enumerate(people):
        response = await client.post(
            f"{API}/duty/walk-ins",
            json={"service_id": service["id"]},
            headers=clock(person, day, f"09:0{minute}"),
        )
        ids.append(response.json()["id"])
    for n, appointment_id in enumerate(ids[:2]):
        await client.post(
            f"{API}/duty/desk/next", json={"counter": 1}, headers=clock(clerk, day, f"09:1{n}")
        )
        desk = f"{API}/duty/desk/appointments/{appointment_id}"
        await client.post(f"{desk}/start", headers=clock(clerk, day, f"09:1{n}"))
        await client.post(
            f"{desk}/done", json={"result_note": "好了"}, headers=clock(clerk, day, f"09:2{n}")
        )
    month = day.strftime("%Y-%m")
    report = await client.get(f"{API}/admin/duty/report?month={month}", headers=clerk.headers)
    row = next(i for i in report.json()["items"] if i["service"] == service["name"])
    assert (row["walk_ins"], row["done"], row["no_shows"], row["appointments"]) == (3, 2, 0, 0)
    assert row["avg_wait_minutes"] == 10.0 and row["avg_serve_minutes"] == 10.0
    workbook = await client.get(
        f"{API}/admin/duty/report?month={month}&format=xlsx", headers=admin.headers
    )
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    found = [r for r in sheet.iter_rows(values_only=True) if r[0] == service["name"]]
    assert found == [(service["name"], 0, 3, 0, 2, 0, 10, 10)]
    staff = await make_user()
    assert_error(
        await client.get(f"{API}/admin/duty/report?month={month}", headers=staff.headers),
        403,
        "forbidden",
    )


async def test_duty_ratings_count_in_the_satisfaction_of_the_duty_station_team(client):
    admin, clerk = await make_user("admin"), await make_user("duty_station")
    team = await client.post(
        f"{API}/admin/assessment/teams",
        json={
            "name": f"勤务站服务队{a_day()}",
            "service": "duty_station",
            "vendor": "勤务服务公司",
            "contracted_headcount": 4,
            "contacts": [],
        },
        headers=admin.headers,
    )
    assert team.status_code == 201, team.text
    service = await new_service(client, admin, mode="walk_in")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    person = await make_user()
    walk = (
        await client.post(
            f"{API}/duty/walk-ins",
            json={"service_id": service["id"]},
            headers=clock(person, day, "09:00"),
        )
    ).json()
    await client.post(
        f"{API}/duty/desk/next", json={"counter": 1}, headers=clock(clerk, day, "09:01")
    )
    desk = f"{API}/duty/desk/appointments/{walk['id']}"
    await client.post(f"{desk}/start", headers=clock(clerk, day, "09:02"))
    await client.post(
        f"{desk}/done", json={"result_note": "好"}, headers=clock(clerk, day, "09:03")
    )
    rated = await client.post(
        f"{API}/duty/appointments/{walk['id']}/rating",
        json={"score": 2},
        headers=clock(person, day, "09:05"),
    )
    assert rated.status_code == 201, rated.text
    month = day.strftime("%Y-%m")
    board = await client.get(f"{API}/admin/assessment/scores?month={month}", headers=admin.headers)
    item = next(i for i in board.json()["items"] if i["team"]["id"] == team.json()["id"])
    assert item["satisfaction"] == 0.0  # one rating of 2: nobody satisfied
    assert item["team"]["service_label"] == "勤务站"


async def test_close_days_ends_numbers_of_earlier_days_and_keeps_errands(client):
    admin = await make_user("admin")
    walk_service = await new_service(client, admin, mode="walk_in")
    errand_service = await new_service(client, admin, mode="errand")
    day = a_day()
    await open_day(
        client, admin, day, {(await new_service(client, admin, mode="appointment"))["id"]: 1}
    )
    walker, owner = await make_user(), await make_user()
    walk = await client.post(
        f"{API}/duty/walk-ins",
        json={"service_id": walk_service["id"]},
        headers=clock(walker, day, "09:00"),
    )
    errand = await client.post(
        f"{API}/duty/appointments",
        json={
            "service_id": errand_service["id"],
            "document_ids": [await upload_document(client, owner)],
        },
        headers=clock(owner, day, "09:00"),
    )
    next_morning = when(day, "08:00") + timedelta(days=1)
    assert await jobs.close_days(now=next_morning) >= 1
    assert (await Appointment.get(id=walk.json()["id"])).status == "no_show"
    assert (await Appointment.get(id=errand.json()["id"])).status == "waiting"
    clerk = await make_user("duty_station")
    queue = await client.get(
        f"{API}/duty/desk/queue",
        headers=clerk.with_headers(**{"X-Test-Now": next_morning.isoformat()}),
    )
    assert errand.json()["id"] in [e["id"] for e in queue.json()["items"]]
    # Leave nothing waiting for the tests that follow (errands wait across days).
    await client.post(
        f"{API}/duty/appointments/{errand.json()['id']}/cancel",
        headers=owner.with_headers(**{"X-Test-Now": next_morning.isoformat()}),
    )


async def test_bad_input_is_400_and_roles_are_checked(client):
    admin, staff = await make_user("admin"), await make_user()
    service = await new_service(client, admin, mode="appointment")
    bad = [
        ({"service_id": service["id"]}, "slot_id"),
        ({"service_id": service["id"], "slot_id": 2**31}, "slot_id"),
        ({"service_id": 0}, "service_id"),
    ]
    for body, field in bad:
        response = await client.post(f"{API}/duty/appointments", json=body, headers=staff.headers)
        error = assert_error(response, 400, "invalid_input")
        assert field in error["details"]["fields"], error
    errand = await new_service(client, admin, mode="errand")
    no_documents = await client.post(
        f"{API}/duty/appointments", json={"service_id": errand["id"]}, headers=staff.headers
    )
    assert "document_ids" in assert_error(no_documents, 400, "invalid_input")["details"]["fields"]
    for path, body in (
        ("/duty/desk/next", {"counter": 1}),
        ("/admin/duty/services", {"name": "x", "mode": "errand"}),
    ):
        assert_error(
            await client.post(API + path, json=body, headers=staff.headers), 403, "forbidden"
        )
    clerk = await make_user("duty_station")
    for counter in (0, 10, "1", 1.0):
        response = await client.post(
            f"{API}/duty/desk/next", json={"counter": counter}, headers=clerk.headers
        )
        assert_error(response, 400, "invalid_input")
    slots = await client.post(
        f"{API}/admin/duty/slots",
        json={
            "date": "9999-12-31",
            "open_from": "09:00",
            "open_to": "10:00",
            "slot_minutes": 30,
            "counters": {str(service["id"]): 1},
        },
        headers=admin.headers,
    )
    assert_error(slots, 400, "invalid_input")
    assert SHANGHAI.key == "Asia/Shanghai"


async def test_an_edit_that_sends_null_is_400_and_changes_nothing(client):
    """Every field of a service has a value: `"mode": null` is a client mistake (400
    under its field), never a 500 from the database's NOT NULL."""
    admin = await make_user("admin")
    service = await new_service(client, admin, mode="appointment")
    response = await client.patch(
        f"{API}/admin/duty/services/{service['id']}",
        json={"mode": None, "name": "改名"},
        headers=admin.headers,
    )
    assert assert_error(response, 400, "invalid_input")["details"]["fields"] == {"mode": "不能为空"}
    listed = await client.get(f"{API}/admin/duty/services", headers=admin.headers)
    same = next(s for s in listed.json()["items"] if s["id"] == service["id"])
    assert (same["name"], same["mode"]) == (service["name"], "appointment")
