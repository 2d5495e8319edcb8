"""Every keyed route answers a replay whose first answer was lost with its original answer.

The fault point `idempotency.before_answer` is armed to fail in this process: the first
request commits what it does, then fails (503) before its Idempotency-Key's answer is
kept, as a process killed at that instant or a connection lost after the commit would
leave it. The client replays the same key 10 minutes and 3 hours later (X-Test-Now): the
replay must answer the first status with what the first request did, and do nothing a
second time (API.md §1: a replay at any later time returns the original answer and
creates nothing). tests/test_idempotency_crash.py proves the same for some routes with
a real killed server; this covers every route, in process.

`test_every_keyed_route_is_covered` keeps the list from rotting: a new keyed route must
say how a lost answer is told again (`recover=`) and be listed here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from models.assessment import Inspection, MealRating, Standard, Survey, SurveyReply, Team
from models.carwash import Card, CardType, WashBooking, WashSlot
from models.duty import Appointment, DutyService, DutySlot
from models.gym import Gym, GymBooking, GymSession
from models.library import Copy, Hold, Loan, Title
from models.meals import Menu, Order
from models.meetings import Booking, Room
from models.notifications import SubscriptionCredit
from models.procurement import PurchaseRequest, RequestStep
from models.repairs import Ticket
from models.uploads import Upload
from models.visitors import GateEntry, Pass
from server import faults
from tests.support import (
    Actor,
    carwash,
    duty,
    gym,
    library,
    make_user,
    meals,
    meetings,
    procurement,
    visitors,
)
from tests.support import assessment as assess
from tests.support.repairs import image_bytes

API = "/api/v1"
LATER = (timedelta(minutes=10), timedelta(hours=3))
Made = Callable[[], Awaitable[list[Any]]]


@dataclass
class Keyed:
    """One keyed request of a route, ready to send, and how to see what it did.

    `made()` reads from the database what the request created or changed (ids, or a
    state); `of(answer)` reads the same from the route's answer: the replay's answer
    must name exactly what the first request made."""

    actor: Actor
    path: str
    clock: datetime
    made: Made
    of: Callable[[dict[str, Any]], list[Any]]
    json: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    status: int = 201
    extra: dict[str, Any] = field(default_factory=dict)


def ids(rows: list[Any]) -> list[int]:
    return sorted(row.id for row in rows)


def the_id(answer: dict[str, Any]) -> list[int]:
    return [int(answer["id"])]


def items(answer: dict[str, Any]) -> list[int]:
    return sorted(int(item["id"]) for item in answer["items"])


def shanghai(day: date, hhmm: str) -> datetime:
    return datetime.fromisoformat(duty.at(day, hhmm))


NOW = visitors.NOW  # the real time of the run: tokens live 7 days from it


# --- assessment ------------------------------------------------------------------------


async def team(client: Any, fake_pay: Any) -> Keyed:
    admin, contact = await make_user("admin"), await make_user()
    name = f"保洁团队{uuid.uuid4().hex[:6]}"
    body = {
        "name": name,
        "service": "cleaning",
        "vendor": "测试物业",
        "contracted_headcount": 8,
        "contacts": [contact.employee_no],
    }

    async def made() -> list[Any]:
        return ids(await Team.filter(name=name))

    return Keyed(admin, f"{API}/admin/assessment/teams", NOW, made, the_id, json=body)


async def standards(client: Any, fake_pay: Any) -> Keyed:
    admin, tag = await make_user("admin"), uuid.uuid4().hex[:6]
    codes = [f"{tag}-{i}" for i in range(3)]
    body = {
        "items": [
            {"service": "security", "code": c, "text": "岗位在岗", "points": 2} for c in codes
        ]
    }

    async def made() -> list[Any]:
        return ids(await Standard.filter(code__in=codes))

    return Keyed(admin, f"{API}/admin/assessment/standards", NOW, made, items, json=body)


async def inspection(client: Any, fake_pay: Any) -> Keyed:
    crew = await assess.make_crew(client)
    body = {
        "team_id": crew.team["id"],
        "location": "A座3楼",
        "results": [
            {"standard_id": s["id"], "passed": i != 0, "note": "" if i else "地面有积水"}
            for i, s in enumerate(crew.standards)
        ],
    }

    async def made() -> list[Any]:
        return ids(await Inspection.filter(inspector_id=crew.inspector.user_id))

    return Keyed(crew.inspector, f"{API}/assessment/inspections", NOW, made, the_id, json=body)


async def survey(client: Any, fake_pay: Any) -> Keyed:
    admin, month = await make_user("admin"), assess.fresh_month()
    body = {
        "month": month,
        "questions": [{"service": "cleaning", "text": "您对保洁是否满意？"}],
        "opens": NOW.isoformat(),
        "closes": (NOW + timedelta(days=2)).isoformat(),
    }

    async def made() -> list[Any]:
        return ids(await Survey.filter(month=month))

    return Keyed(admin, f"{API}/admin/assessment/surveys", NOW, made, the_id, json=body)


async def survey_response(client: Any, fake_pay: Any) -> Keyed:
    admin, person = await make_user("admin"), await make_user()
    created = await client.post(
        f"{API}/admin/assessment/surveys",
        json={
            "month": assess.fresh_month(),
            "questions": [{"service": "catering", "text": "您对食堂是否满意？"}],
            "opens": NOW.isoformat(),
            "closes": (NOW + timedelta(days=2)).isoformat(),
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    shown = created.json()
    body = {"answers": [{"question_id": shown["questions"][0]["id"], "score": 4, "comment": "好"}]}

    async def made() -> list[Any]:
        return [r.survey_id for r in await SurveyReply.filter(survey_id=shown["id"])]

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["answered"] is True and answer["my_answers"][0]["score"] == 4
        return the_id(answer)

    path = f"{API}/assessment/surveys/{shown['id']}/responses"
    return Keyed(person, path, NOW + timedelta(minutes=1), made, of, json=body)


async def meal_rating(client: Any, fake_pay: Any) -> Keyed:
    eater, order_id = await meals.served_order(client)

    async def made() -> list[Any]:
        return [r.order_id for r in await MealRating.filter(order_id=order_id)]

    def of(answer: dict[str, Any]) -> list[Any]:
        assert (answer["score"], answer["comment"]) == (5, "好吃")
        return [answer["order_id"]]

    path = f"{API}/meals/orders/{order_id}/rating"
    clock = datetime.fromisoformat(meals.AT_PICKUP["X-Test-Now"]) + timedelta(minutes=30)
    return Keyed(eater, path, clock, made, of, json={"score": 5, "comment": "好吃"})


# --- car wash --------------------------------------------------------------------------


async def card_type(client: Any, fake_pay: Any) -> Keyed:
    admin, name = await make_user("admin"), f"洗车卡{uuid.uuid4().hex[:6]}"
    body = {"name": name, "washes": 5, "price_fen": 10000, "valid_days": 90}

    async def made() -> list[Any]:
        return ids(await CardType.filter(name=name))

    return Keyed(admin, f"{API}/admin/carwash/card-types", NOW, made, the_id, json=body)


def _fresh_day() -> date:
    """A wash day nobody else in the run sets up (a day is set up once)."""
    return date(2031, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)


async def wash_slots(client: Any, fake_pay: Any) -> Keyed:
    admin, day = await make_user("admin"), _fresh_day()
    body = {
        "date": day.isoformat(),
        "open_from": "09:00",
        "open_to": "11:00",
        "slot_minutes": 30,
        "bays": 2,
    }

    async def made() -> list[Any]:
        return ids(await WashSlot.filter(day__date=day))

    return Keyed(admin, f"{API}/admin/carwash/slots", NOW, made, items, json=body)


async def purchase(client: Any, fake_pay: Any) -> Keyed:
    admin, buyer = await make_user("admin"), await make_user()
    kind = await carwash.card_type(client, admin)

    async def made() -> list[Any]:
        return ids(await Card.filter(owner_id=buyer.user_id))

    path = f"{API}/carwash/purchases"
    body = {"card_type_id": kind["id"]}
    return Keyed(buyer, path, NOW, made, lambda a: [a["card"]["id"]], json=body)


async def wash_booking(client: Any, fake_pay: Any) -> Keyed:
    admin, washer = await make_user("admin"), await make_user()
    card = await carwash.active_card(client, fake_pay, admin, washer)
    day = (NOW + timedelta(days=2)).astimezone(visitors.SHANGHAI).date()
    opened = await client.post(
        f"{API}/admin/carwash/slots",
        json={
            "date": day.isoformat(),
            "open_from": "09:00",
            "open_to": "11:00",
            "slot_minutes": 30,
            "bays": 50,
        },
        headers=admin.headers,
    )
    if opened.status_code == 409:  # another test of the run set that day up
        slots = await WashSlot.filter(day__date=day).order_by("start")
        slot_id = slots[0].id
    else:
        assert opened.status_code == 201, opened.text
        slot_id = opened.json()["items"][0]["id"]
    body = {"slot_id": slot_id, "card_id": card["id"], "plate": "粤B12345"}

    async def made() -> list[Any]:
        return ids(await WashBooking.filter(user_id=washer.user_id))

    return Keyed(washer, f"{API}/carwash/bookings", NOW, made, the_id, json=body)


# --- duty station ----------------------------------------------------------------------


async def duty_service(client: Any, fake_pay: Any) -> Keyed:
    admin, name = await make_user("admin"), f"业务{uuid.uuid4().hex[:8]}"
    body = {"name": name, "mode": "appointment", "documents": ["身份证"], "minutes": 15}

    async def made() -> list[Any]:
        return ids(await DutyService.filter(name=name))

    return Keyed(admin, f"{API}/admin/duty/services", NOW, made, the_id, json=body)


async def duty_slots(client: Any, fake_pay: Any) -> Keyed:
    admin = await make_user("admin")
    service = await duty.new_service(client, admin, mode="appointment")
    day = duty.a_day()
    body = {
        "date": day.isoformat(),
        "open_from": "09:00",
        "open_to": "10:00",
        "slot_minutes": 30,
        "counters": {str(service["id"]): 2},
    }

    async def made() -> list[Any]:
        return ids(await DutySlot.filter(service_id=service["id"]))

    return Keyed(admin, f"{API}/admin/duty/slots", NOW, made, items, json=body)


async def duty_appointment(client: Any, fake_pay: Any) -> Keyed:
    admin, person = await make_user("admin"), await make_user()
    service = await duty.new_service(client, admin, mode="appointment")
    day = duty.a_day()
    slots = await duty.open_day(client, admin, day, {service["id"]: 2})
    body = {"service_id": service["id"], "slot_id": slots[-1]["id"]}

    async def made() -> list[Any]:
        return ids(await Appointment.filter(user_id=person.user_id))

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["status"] == "booked"
        return the_id(answer)

    clock = shanghai(day - timedelta(days=1), "15:00")
    return Keyed(person, f"{API}/duty/appointments", clock, made, of, json=body)


async def duty_errand(client: Any, fake_pay: Any) -> Keyed:
    admin, person = await make_user("admin"), await make_user()
    service = await duty.new_service(client, admin, mode="errand")
    document = await duty.upload_document(client, person)
    body = {"service_id": service["id"], "document_ids": [document], "note": "代办"}

    async def made() -> list[Any]:
        return ids(await Appointment.filter(user_id=person.user_id))

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["status"] == "waiting"
        return the_id(answer)

    clock = shanghai(duty.a_day(), "09:30")
    return Keyed(person, f"{API}/duty/appointments", clock, made, of, json=body)


async def duty_walk_in(client: Any, fake_pay: Any) -> Keyed:
    admin, person = await make_user("admin"), await make_user()
    booked = await duty.new_service(client, admin, mode="appointment")
    walk = await duty.new_service(client, admin, mode="walk_in")
    day = duty.a_day()
    await duty.open_day(client, admin, day, {booked["id"]: 1})

    async def made() -> list[Any]:
        return [(a.id, a.ticket_no) for a in await Appointment.filter(user_id=person.user_id)]

    def of(answer: dict[str, Any]) -> list[Any]:
        return [(answer["id"], answer["ticket_no"])]

    body = {"service_id": walk["id"]}
    clock = shanghai(day, "09:30")
    return Keyed(person, f"{API}/duty/walk-ins", clock, made, of, json=body)


# --- gym -------------------------------------------------------------------------------


async def gym_booking(client: Any, fake_pay: Any) -> Keyed:
    _, _, sessions = await gym.make_gym(client)
    member = await make_user()

    async def made() -> list[Any]:
        return ids(await GymBooking.filter(user_id=member.user_id))

    clock = datetime.fromisoformat(gym.EARLY["X-Test-Now"])
    body = {"session_id": sessions[0]["id"]}
    return Keyed(member, f"{API}/gym/bookings", clock, made, the_id, json=body)


async def gym_waitlist(client: Any, fake_pay: Any) -> Keyed:
    _, _, sessions = await gym.make_gym(client, capacity=1)
    first, member = await make_user(), await make_user()
    assert (await gym.book(client, first, sessions[0]["id"])).status_code == 201

    async def made() -> list[Any]:
        return ids(await GymBooking.filter(user_id=member.user_id))

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["status"] == "waitlisted"
        return the_id(answer)

    clock = datetime.fromisoformat(gym.EARLY["X-Test-Now"])
    body = {"session_id": sessions[0]["id"], "waitlist": True}
    return Keyed(member, f"{API}/gym/bookings", clock, made, of, json=body, status=202)


async def gym_visit(client: Any, fake_pay: Any) -> Keyed:
    _, place, _ = await gym.make_gym(client)
    member = await make_user()

    async def made() -> list[Any]:
        return ids(await GymBooking.filter(user_id=member.user_id))

    clock = gym.moment("10:00")
    return Keyed(member, f"{API}/gym/visits", clock, made, the_id, json={"gym_id": place["id"]})


async def gym_create(client: Any, fake_pay: Any) -> Keyed:
    admin, name = await make_user("admin"), f"健身馆{uuid.uuid4().hex[:8]}"
    body = {"name": name, "address": "东路1号", "offer": "¥30/次", "open_hours": "06:00-22:00"}

    async def made() -> list[Any]:
        return ids(await Gym.filter(name=name))

    return Keyed(admin, f"{API}/admin/gym/gyms", NOW, made, the_id, json=body)


async def gym_sessions(client: Any, fake_pay: Any) -> Keyed:
    admin, place, _ = await gym.make_gym(client)
    body = {
        "sessions": [
            {
                "name": name,
                "coach": "李教练",
                "start": f"{gym.DAY}T19:00:00+08:00",
                "end": f"{gym.DAY}T19:50:00+08:00",
                "capacity": 5,
            }
            for name in ("瑜伽", "普拉提")
        ],
        "weeks": 3,
    }

    async def made() -> list[Any]:
        return ids(await GymSession.filter(gym_id=place["id"], name__in=("瑜伽", "普拉提")))

    path = f"{API}/admin/gym/gyms/{place['id']}/sessions"
    return Keyed(admin, path, NOW, made, items, json=body)


# --- library ---------------------------------------------------------------------------


async def title(client: Any, fake_pay: Any) -> Keyed:
    librarian, isbn = await library.librarian(), library.new_isbn()
    body = {"isbn": isbn, "title": "围城", "author": "钱锺书", "barcodes": library.new_barcodes(2)}

    async def made() -> list[Any]:
        return ids(await Title.filter(isbn=isbn))

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["copies"] == 2
        return the_id(answer)

    return Keyed(librarian, f"{API}/admin/library/titles", NOW, made, of, json=body)


async def copies(client: Any, fake_pay: Any) -> Keyed:
    librarian = await library.librarian()
    book = await library.make_title(client, librarian, copies=1)

    async def made() -> list[Any]:
        return [await Copy.filter(title_id=book["id"]).count()]

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["id"] == book["id"]
        return [answer["copies"]]

    path = f"{API}/admin/library/titles/{book['id']}/copies"
    body = {"barcodes": library.new_barcodes(2)}
    return Keyed(librarian, path, NOW, made, of, json=body)


async def desk_loan(client: Any, fake_pay: Any) -> Keyed:
    librarian, reader = await library.librarian(), await make_user()
    book = await library.make_title(client, librarian, copies=2)

    async def made() -> list[Any]:
        return ids(await Loan.filter(borrower_id=reader.user_id))

    body = {"barcode": book["barcodes"][0], "employee_no": reader.employee_no}
    return Keyed(librarian, f"{API}/library/loans", NOW, made, the_id, json=body)


async def self_loan(client: Any, fake_pay: Any) -> Keyed:
    librarian, reader = await library.librarian(), await make_user()
    book = await library.make_title(client, librarian, copies=2)

    async def made() -> list[Any]:
        return ids(await Loan.filter(borrower_id=reader.user_id))

    body = {"barcode": book["barcodes"][0]}
    return Keyed(reader, f"{API}/library/loans/self", NOW, made, the_id, json=body)


async def hold(client: Any, fake_pay: Any) -> Keyed:
    librarian, reader = await library.librarian(), await make_user()
    book = await library.make_title(client, librarian, copies=1)

    async def made() -> list[Any]:
        return ids(await Hold.filter(user_id=reader.user_id))

    body = {"title_id": book["id"]}
    return Keyed(reader, f"{API}/library/holds", NOW, made, the_id, json=body)


# --- meals -----------------------------------------------------------------------------


async def menu(client: Any, fake_pay: Any) -> Keyed:
    admin, canteen = await make_user("admin"), f"测试食堂{uuid.uuid4().hex[:8]}"
    body = {
        "date": meals.DAY,
        "meal": "lunch",
        "canteen": canteen,
        "order_deadline": meals.DEADLINE,
        "per_user_limit": 1,
        "dishes": [{"name": "红烧肉", "price_fen": 1200, "stock": 10}],
        "slots": meals.slot_specs(1, 10),
    }

    async def made() -> list[Any]:
        return ids(await Menu.filter(canteen=canteen))

    clock = datetime.fromisoformat(meals.BEFORE["X-Test-Now"])
    return Keyed(admin, f"{API}/admin/meals/menus", clock, made, the_id, json=body)


async def order(client: Any, fake_pay: Any) -> Keyed:
    shown, eater = await meals.make_menu(client), await make_user()

    async def made() -> list[Any]:
        return ids(await Order.filter(user_id=eater.user_id))

    clock = datetime.fromisoformat(meals.BEFORE["X-Test-Now"])
    body = meals.order_body(shown)
    return Keyed(eater, f"{API}/meals/orders", clock, made, the_id, json=body)


# --- meetings --------------------------------------------------------------------------


async def room(client: Any, fake_pay: Any) -> Keyed:
    admin, name = await make_user("admin"), f"会议室{uuid.uuid4().hex[:8]}"
    body = {
        "name": name,
        "building": "T座",
        "floor": 2,
        "capacity": 8,
        "equipment": ["白板"],
        "open_from": "08:00",
        "open_to": "20:00",
        "slot_minutes": 30,
        "needs_approval": False,
    }

    async def made() -> list[Any]:
        return ids(await Room.filter(name=name))

    return Keyed(admin, f"{API}/admin/rooms", NOW, made, the_id, json=body)


async def meeting(client: Any, fake_pay: Any) -> Keyed:
    admin, organizer = await make_user("admin"), await make_user()
    shown = await meetings.new_room(client, admin)
    body = {
        "room_id": shown["id"],
        "start": meetings.at("09:00"),
        "end": meetings.at("10:00"),
        "title": "周例会",
        "attendees": 5,
    }

    async def made() -> list[Any]:
        return ids(await Booking.filter(room_id=shown["id"]))

    clock = datetime.fromisoformat(meetings.EVE)
    return Keyed(organizer, f"{API}/meetings/bookings", clock, made, the_id, json=body)


async def series(client: Any, fake_pay: Any) -> Keyed:
    admin, organizer, other = await make_user("admin"), await make_user(), await make_user()
    shown = await meetings.new_room(client, admin)
    # The second week is taken: the series books weeks 1 and 3 and says week 2 was skipped.
    taken = await meetings.book(
        client, other, shown["id"], meetings.at("14:00", weeks=1), meetings.at("15:00", weeks=1)
    )
    assert taken.status_code == 201, taken.text
    body = {
        "room_id": shown["id"],
        "start": meetings.at("14:00"),
        "end": meetings.at("15:00"),
        "title": "项目组周会",
        "attendees": 4,
        "weeks": 3,
    }

    async def made() -> list[Any]:
        return ids(await Booking.filter(room_id=shown["id"], organizer_id=organizer.user_id))

    def of(answer: dict[str, Any]) -> list[Any]:
        assert [s["start"] for s in answer["skipped"]] == [meetings.at("14:00", weeks=1)]
        return sorted(b["id"] for b in answer["bookings"])

    clock = datetime.fromisoformat(meetings.EVE)
    return Keyed(organizer, f"{API}/meetings/bookings/series", clock, made, of, json=body)


# --- notifications ---------------------------------------------------------------------


async def subscriptions(client: Any, fake_pay: Any) -> Keyed:
    person = await make_user()
    listed = await client.get(f"{API}/notifications/templates", headers=person.headers)
    template_id = listed.json()["items"][0]["template_id"]

    async def made() -> list[Any]:
        rows = await SubscriptionCredit.filter(user_id=person.user_id)
        return [(row.template_id, row.credits) for row in rows]

    def of(answer: dict[str, Any]) -> list[Any]:
        return sorted(answer["credits"].items())

    path = f"{API}/notifications/subscriptions"
    body = {"template_ids": [template_id]}
    return Keyed(person, path, NOW, made, of, json=body, status=200)


# --- procurement -----------------------------------------------------------------------


async def purchase_request(client: Any, fake_pay: Any) -> Keyed:
    cast = await procurement.make_cast()

    async def made() -> list[Any]:
        return ids(await PurchaseRequest.filter(requester_id=cast.requester.user_id))

    body = procurement.request_body()
    return Keyed(cast.requester, procurement.BASE, NOW, made, the_id, json=body)


async def resubmit(client: Any, fake_pay: Any) -> Keyed:
    cast = await procurement.make_cast()
    rejected = await procurement.drive(client, cast, "rejected")

    async def made() -> list[Any]:
        steps = await RequestStep.filter(request_id=rejected["id"], action="resubmit")
        row = await PurchaseRequest.get(id=rejected["id"])
        return [(row.id, row.status, row.title, len(steps))]

    def of(answer: dict[str, Any]) -> list[Any]:
        return [(answer["id"], answer["status"], answer["title"], 1)]

    path = f"{procurement.BASE}/{rejected['id']}/resubmit"
    body = procurement.request_body(title="办公用品采购（修改后）")
    return Keyed(cast.requester, path, NOW, made, of, json=body, status=200)


# --- repairs and uploads ---------------------------------------------------------------


async def repair(client: Any, fake_pay: Any) -> Keyed:
    reporter = await make_user()

    async def made() -> list[Any]:
        return ids(await Ticket.filter(requester_id=reporter.user_id))

    body = {"category": "hvac", "location": "C座5楼", "description": "空调不制热", "photo_ids": []}
    return Keyed(reporter, f"{API}/repairs", NOW, made, the_id, json=body)


async def upload(client: Any, fake_pay: Any) -> Keyed:
    owner = await make_user()

    async def made() -> list[Any]:
        return ids(await Upload.filter(owner_id=owner.user_id))

    files = {"file": ("photo.png", image_bytes("PNG"), "image/png")}
    return Keyed(owner, f"{API}/uploads", NOW, made, the_id, files=files)


# --- visitors --------------------------------------------------------------------------


async def visitor_pass(client: Any, fake_pay: Any) -> Keyed:
    host = await make_user()

    async def made() -> list[Any]:
        return ids(await Pass.filter(host_id=host.user_id))

    body = visitors.pass_body()
    return Keyed(host, f"{API}/visitors/passes", NOW, made, the_id, json=body)


async def _entry(client: Any, *, manual: bool) -> Keyed:
    host, guard = await make_user(), await make_user("guard")
    shown = await visitors.invite(client, host, max_entries=3)

    async def made() -> list[Any]:
        return ids(await GateEntry.filter(visitor_pass_id=shown["id"]))

    def of(answer: dict[str, Any]) -> list[Any]:
        assert answer["valid"] is True and answer["pass"]["entries_left"] == 2
        return [answer["entry"]["id"]]

    if manual:
        path, body = (
            f"{API}/gate/passes/{shown['id']}/admit",
            {"gate": "东门", "reason": "手机没电"},
        )
    else:
        path, body = f"{API}/gate/verify", {"token": shown["token"], "gate": "东门"}
    return Keyed(guard, path, NOW, made, of, json=body, status=200)


async def gate_verify(client: Any, fake_pay: Any) -> Keyed:
    return await _entry(client, manual=False)


async def gate_admit(client: Any, fake_pay: Any) -> Keyed:
    return await _entry(client, manual=True)


# Every keyed route (its Sanic route name) and the requests that prove it.
CASES: dict[str, dict[str, Callable[[Any, Any], Awaitable[Keyed]]]] = {
    "assessment.create_team": {"team": team},
    "assessment.create_standards": {"standards": standards},
    "assessment.create_inspection": {"inspection": inspection},
    "assessment.create_survey": {"survey": survey},
    "assessment.respond": {"survey_response": survey_response},
    "assessment.rate_meal": {"meal_rating": meal_rating},
    "carwash.create_card_type": {"card_type": card_type},
    "carwash.create_slots": {"wash_slots": wash_slots},
    "carwash.purchase": {"purchase": purchase},
    "carwash.book": {"wash_booking": wash_booking},
    "duty.create_service": {"duty_service": duty_service},
    "duty.create_slots": {"duty_slots": duty_slots},
    "duty.book": {"duty_appointment": duty_appointment, "duty_errand": duty_errand},
    "duty.walk_in": {"duty_walk_in": duty_walk_in},
    "gym.book": {"gym_booking": gym_booking, "gym_waitlist": gym_waitlist},
    "gym.visit": {"gym_visit": gym_visit},
    "gym.create_gym": {"gym_create": gym_create},
    "gym.create_sessions": {"gym_sessions": gym_sessions},
    "library.create_title": {"title": title},
    "library.add_copies": {"copies": copies},
    "library.lend": {"desk_loan": desk_loan},
    "library.self_checkout": {"self_loan": self_loan},
    "library.place_hold": {"hold": hold},
    "meals.create_menu": {"menu": menu},
    "meals.create_order": {"order": order},
    "meetings.create_room": {"room": room},
    "meetings.create_booking": {"meeting": meeting},
    "meetings.create_series": {"series": series},
    "notifications.subscribe": {"subscriptions": subscriptions},
    "procurement.submit": {"purchase_request": purchase_request},
    "procurement.resubmit": {"resubmit": resubmit},
    "repairs.report": {"repair": repair},
    "uploads.upload": {"upload": upload},
    "visitors.create_pass": {"visitor_pass": visitor_pass},
    "visitors.verify": {"gate_verify": gate_verify},
    "visitors.admit": {"gate_admit": gate_admit},
}
FLAT = {name: make for cases in CASES.values() for name, make in cases.items()}


async def _send(client: Any, case: Keyed, key: str, at: datetime) -> Any:
    headers = case.actor.with_headers(**{"Idempotency-Key": key, "X-Test-Now": at.isoformat()})
    if case.files is not None:
        return await client.post(case.path, files=case.files, headers=headers)
    return await client.post(case.path, json=case.json, headers=headers)


@pytest.mark.parametrize("name", sorted(FLAT))
async def test_a_replay_after_the_answer_was_lost_is_the_first_answer(client, fake_pay, name):
    case = await FLAT[name](client, fake_pay)
    key = uuid.uuid4().hex
    faults.arm("idempotency.before_answer", "fail")
    try:
        lost = await _send(client, case, key, case.clock)
    finally:
        faults.disarm()
    assert lost.status_code == 503, lost.text  # committed, then no answer kept
    made = await case.made()
    assert made, "the first request did nothing"

    answers = []
    for later in LATER:
        again = await _send(client, case, key, case.clock + later)
        assert again.status_code == case.status, (later, again.text)
        assert case.of(again.json()) == made, (later, again.text)
        answers.append(again)
    assert answers[1].json() == answers[0].json()
    assert answers[1].headers.get("idempotent-replay") == "true"
    assert await case.made() == made  # nothing done a second time


def test_every_keyed_route_is_covered_and_tells_a_lost_answer_again(app):
    keyed = {
        route.name.split(".", 1)[1]: route.handler
        for route in app.router.routes
        if getattr(route.handler, "__idempotent__", False)
    }
    assert set(keyed) == set(CASES), "list a new keyed route in CASES"
    without = sorted(name for name, handler in keyed.items() if handler.__recover__ is None)
    assert without == [], "a keyed route needs recover= (how a lost answer is told again)"
